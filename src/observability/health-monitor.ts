// The I/O around health-check.ts: takes the snapshot (the tasks, the event loop), answers /healthz and /readyz
// (verdict()), and logs. A stuck worker says why at warn when it becomes stuck and once a minute while it stays so
// (often enough to find in any log search, rarely enough not to drown the rest), and one line when it recovers;
// that needs no --metrics-port, so the check runs on its own every second.
import type { Logger } from 'pino';
import { sleep } from '../util/sleep.js';
import { EventLoopWatch } from './event-loop-watch.js';
import { judgeHealth, type HealthSnapshot, type HealthVerdict } from './health-check.js';

/** How often a stuck worker repeats why. */
export const STUCK_LOG_INTERVAL_MS = 60_000;

export interface HealthMonitorDeps {
  /** The tasks as they are now; the event loop is measured here. */
  readonly snapshot: () => Omit<HealthSnapshot, 'eventLoopDelayMs'>;
  readonly logger: Logger;
  /** The longest recent event-loop delay; by default this process's, measured by an EventLoopWatch. */
  readonly eventLoopDelayMs?: () => number;
  readonly clock?: () => number;
  readonly checkIntervalMs?: number;
}

export class HealthMonitor {
  readonly #deps: HealthMonitorDeps;
  readonly #clock: () => number;
  readonly #watch: EventLoopWatch | undefined;
  readonly #eventLoopDelayMs: () => number;
  /** Since when the worker is stuck (by the checks of run()), and when that was last logged. */
  #stuck: { readonly since: number; loggedAt: number } | undefined;

  constructor(deps: HealthMonitorDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? (() => performance.now());
    const given = deps.eventLoopDelayMs;
    if (given === undefined) {
      const watch = new EventLoopWatch();
      this.#watch = watch;
      this.#eventLoopDelayMs = () => watch.maxDelayMs();
    } else {
      this.#eventLoopDelayMs = given;
    }
  }

  /** The verdict now, for /healthz and /readyz. */
  verdict(): HealthVerdict {
    return judgeHealth({ ...this.#deps.snapshot(), eventLoopDelayMs: this.#eventLoopDelayMs() });
  }

  /** Judges and logs what changed: stuck (then once a minute while it lasts) or recovered. */
  check(): HealthVerdict {
    const verdict = this.verdict();
    const now = this.#clock();
    const { logger } = this.#deps;
    if (!verdict.live) {
      if (this.#stuck === undefined) {
        this.#stuck = { since: now, loggedAt: now };
        logger.warn({ reasons: verdict.reasons }, 'worker stuck');
      } else if (now - this.#stuck.loggedAt >= STUCK_LOG_INTERVAL_MS) {
        this.#stuck.loggedAt = now;
        logger.warn(
          { reasons: verdict.reasons, stuckForMs: Math.round(now - this.#stuck.since) },
          'worker stuck',
        );
      }
    } else if (this.#stuck !== undefined) {
      logger.info({ stuckForMs: Math.round(now - this.#stuck.since) }, 'worker no longer stuck');
      this.#stuck = undefined;
    }
    return verdict;
  }

  /** Measures the event loop and checks every second until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.#watch?.start();
    try {
      while (!signal.aborted) {
        await sleep(this.#deps.checkIntervalMs ?? 1_000, signal);
        if (!signal.aborted) this.check();
      }
    } finally {
      this.#watch?.stop();
    }
  }
}
