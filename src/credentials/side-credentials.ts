// Builds one side's credential provider from its CredentialSource, with the SDK's standard providers only: a
// named profile (fromIni: static keys, a profile that assumes a role itself, SSO, credential_process) or the
// default chain, then, with a role ARN, STS AssumeRole (fromTemporaryCredentials) in the side's region, its
// endpoint by the SDK's own settings (AWS_ENDPOINT_URL_STS). One provider serves every client of the side, so a
// role is assumed once per refresh, not once per client. The SDK's memoization refreshes temporary credentials
// five minutes before they expire; a failed refresh falls back on the credentials in hand (refresh-fallback.ts).
// Nothing here logs or throws a secret: messages carry the side, the profile and the role ARN.
import { memoizeIdentityProvider, isIdentityExpired, doesIdentityRequireRefresh } from '@smithy/core';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { fromIni, fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { Logger } from 'pino';
import { describeCredentials, type CredentialSource, type SideName } from '../config/credential-source.js';
import { CredentialsRefreshError, errorMessage } from '../errors/replicator-error.js';
import {
  afterFailure,
  afterSuccess,
  INITIAL_REFRESH_STATE,
  refreshAction,
  type RefreshState,
} from './refresh-fallback.js';

export interface SideCredentialsOptions {
  readonly side: SideName;
  readonly source: CredentialSource;
  /** The side's region: STS is asked there. */
  readonly region: string;
  /** Names the role session (CloudTrail shows it): the worker. */
  readonly sessionName: string;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** STS requests: short, and retried by the SDK's standard strategy before a refresh counts as failed. */
const STS_CLIENT = { maxAttempts: 3, connectionTimeout: 3_000, requestTimeout: 10_000 };

/** The base credentials of a side: its profile, else the default chain. */
function baseProvider(source: CredentialSource, region: string): AwsCredentialIdentityProvider {
  if (source.profile === undefined) return fromNodeProviderChain({ clientConfig: { region } });
  return fromIni({ profile: source.profile, clientConfig: { region } });
}

export interface SideCredentials {
  /** The profile or default chain alone (for the startup check). */
  readonly base: AwsCredentialIdentityProvider;
  /** What the side's clients use: the role where there is one, refreshed before it expires. */
  readonly provider: AwsCredentialIdentityProvider;
}

export function sideCredentials(options: SideCredentialsOptions): SideCredentials {
  const { source, region } = options;
  const base = baseProvider(source, region);
  const inner =
    source.roleArn === undefined
      ? base
      : fromTemporaryCredentials({
          masterCredentials: base,
          params: {
            RoleArn: source.roleArn,
            RoleSessionName: options.sessionName,
            ...(source.externalId === undefined ? {} : { ExternalId: source.externalId }),
          },
          clientConfig: {
            region,
            maxAttempts: STS_CLIENT.maxAttempts,
            // Its own handler: without one it would borrow the calling client's, whose fencing deadlines are
            // meant for destination writes.
            requestHandler: new NodeHttpHandler({
              connectionTimeout: STS_CLIENT.connectionTimeout,
              requestTimeout: STS_CLIENT.requestTimeout,
            }),
          },
        });
  const provider = memoizeIdentityProvider(
    withRefreshFallback(inner, options),
    isIdentityExpired,
    doesIdentityRequireRefresh,
  ) as AwsCredentialIdentityProvider;
  return { base, provider };
}

/**
 * Hands out the credentials in hand while a refresh fails and they are still valid, trying again after a
 * backoff; logs each failure and the recovery with the side and the role.
 */
export function withRefreshFallback(
  inner: AwsCredentialIdentityProvider,
  options: Pick<SideCredentialsOptions, 'side' | 'source' | 'logger' | 'now' | 'random'>,
): AwsCredentialIdentityProvider {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const who = { side: options.side, credentials: describeCredentials(options.source) };
  let state: RefreshState = INITIAL_REFRESH_STATE;
  let current: AwsCredentialIdentity | undefined;
  let lastError: unknown;
  return async (properties) => {
    const action = refreshAction(state, now());
    if (action === 'use-current' && current !== undefined) return current;
    if (action === 'fail') throw refreshError(options, lastError);
    try {
      const fresh = await inner(properties);
      const expiresAt = fresh.expiration?.getTime();
      if (state.failures > 0) {
        options.logger.info({ ...who, failures: state.failures }, 'credentials refreshed again');
      } else if (current !== undefined && options.source.roleArn !== undefined) {
        options.logger.info({ ...who, expiresAt: fresh.expiration?.toISOString() }, 'credentials refreshed');
      }
      state = afterSuccess(expiresAt);
      current = fresh;
      return fresh;
    } catch (err) {
      lastError = err;
      // Before any credentials were had this is the startup check's to report, as it is.
      if (current === undefined) throw err;
      state = afterFailure(state, now(), random());
      const usable = refreshAction(state, now()) === 'use-current';
      options.logger.warn(
        {
          ...who,
          err: errorMessage(err),
          failures: state.failures,
          retryInMs: state.retryAt - now(),
          expiresAt: current.expiration?.toISOString(),
        },
        usable
          ? 'credentials refresh failed; going on with the current credentials until they expire'
          : 'credentials refresh failed and the current credentials have expired; retrying',
      );
      if (usable) return current;
      throw refreshError(options, err);
    }
  };
}

function refreshError(
  options: Pick<SideCredentialsOptions, 'side' | 'source'>,
  cause: unknown,
): CredentialsRefreshError {
  return new CredentialsRefreshError(
    `the ${options.side} side's credentials (${describeCredentials(options.source)}) expired and could not be refreshed: ${errorMessage(cause)}`,
    { cause },
  );
}
