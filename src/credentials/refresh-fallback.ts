// Pure: what a side's credential provider does when it is asked for credentials, given the last ones it got and
// how its last refreshes went. The SDK refreshes temporary credentials five minutes before they expire; when that
// refresh fails (STS unreachable, throttled, a trust policy changed), the credentials in hand still work until
// their expiration, so replication goes on with them and the refresh is tried again after a backoff instead of on
// every request. Only once they are about to expire does a failed refresh become an error, and that error is
// retried by the data path like any transient one.
import { backoffDelay } from '../util/backoff.js';

export interface RefreshState {
  /** When the credentials in hand expire (ms since the epoch); undefined: none in hand yet. */
  readonly expiresAt: number | undefined;
  /** Whether credentials are in hand at all (credentials without an expiration never expire). */
  readonly holding: boolean;
  /** Refreshes failed in a row. */
  readonly failures: number;
  /** No refresh before this moment (a backoff after a failure). */
  readonly retryAt: number;
}

export const INITIAL_REFRESH_STATE: RefreshState = {
  expiresAt: undefined,
  holding: false,
  failures: 0,
  retryAt: 0,
};

/** Credentials that expire within this margin are not handed out: a request signed with them may arrive late. */
export const VALIDITY_MARGIN_MS = 15_000;

const RETRY_BACKOFF = { baseMs: 1_000, maxMs: 30_000 };

export type RefreshAction = 'refresh' | 'use-current' | 'fail';

export function stillValid(state: RefreshState, now: number): boolean {
  return state.holding && (state.expiresAt === undefined || state.expiresAt - now > VALIDITY_MARGIN_MS);
}

/** Asked for credentials: call the provider, hand out the ones in hand, or fail at once (backing off). */
export function refreshAction(state: RefreshState, now: number): RefreshAction {
  if (state.failures === 0 || now >= state.retryAt) return 'refresh';
  return stillValid(state, now) ? 'use-current' : 'fail';
}

/** After a failed refresh: the next try waits a jittered backoff; `random` is [0, 1). */
export function afterFailure(state: RefreshState, now: number, random: number): RefreshState {
  const failures = state.failures + 1;
  return {
    ...state,
    failures,
    // At least the base: a refresh that failed is not tried again by the very next request.
    retryAt:
      now +
      Math.max(
        RETRY_BACKOFF.baseMs,
        backoffDelay(failures - 1, RETRY_BACKOFF, () => random),
      ),
  };
}

/** After a successful refresh. */
export function afterSuccess(expiresAt: number | undefined): RefreshState {
  return { expiresAt, holding: true, failures: 0, retryAt: 0 };
}
