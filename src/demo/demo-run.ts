// The demo from start to end: two DynamoDB Local "regions" (warmed up), the tables, a backlog, then the replicator
// (in this process, as `replicate` runs it) under a live workload with a line of figures a second. At the end:
// stop writing, wait for the replicator to catch up, stop it cleanly, compare the tables item by item, report.
// Whatever happens, cleanup runs its steps in reverse order of setup, each on its own, so DynamoDB Local is
// always stopped. `interrupt()` ends the current phase early; when that was already asked, the caller forces.
import { Replicator } from '../app/replicator.js';
import { ConfigError, ReplicatorError, errorMessage } from '../errors/replicator-error.js';
import { createTable } from '../local/local-tables.js';
import { EventBus } from '../observability/events.js';
import { logEvents } from '../observability/log-events.js';
import type { Logger } from '../observability/logger.js';
import { ProgressTracker } from '../observability/progress-tracker.js';
import { sleep } from '../util/sleep.js';
import { DemoRegions } from './demo-regions.js';
import { DEST_REGION, SOURCE_REGION, TABLE_NAME, demoConfig } from './demo-config.js';
import { CATCH_UP_TIMEOUT_MS, catchUp } from './demo-catch-up.js';
import { tickLoop } from './demo-tick-loop.js';
import { serveDemoStatusPage } from './demo-status-page.js';
import { warmUpRegions } from './demo-warm-up.js';
import { count, duration, seconds, type DemoDisplay } from './demo-display.js';
import { LagProbe } from './lag-probe.js';
import { mismatches, verifyTables } from './verify-tables.js';
import { KEY_NAME, Workload } from './workload.js';

export interface DemoOptions {
  /** How long the live workload runs; 0: until interrupted. */
  readonly durationS: number;
  readonly rate: number;
  readonly items: number;
  readonly keep: boolean;
  readonly logger: Logger;
  readonly display: DemoDisplay;
  /** The live status page's port on 127.0.0.1 (0: a free one). */
  readonly statusPort: number;
}

const REPLICATOR_STOP_TIMEOUT_MS = 20_000;

/** How the demo ended; the command maps it to an exit code. */
export type DemoOutcome =
  | 'equal'
  | 'different'
  /** Stopped before the tables could be compared. */
  | 'interrupted'
  /** The demo could not run (an error, or the replicator stopped on one). */
  | 'failed'
  /** A setup mistake the user can fix (ConfigError). */
  | 'config';

type Cleanup = () => Promise<void> | void;

export class DemoRun {
  readonly #options: DemoOptions;
  /** Aborted by the first interrupt; the keep phase gets a fresh one, so that Ctrl-C ends it gracefully too. */
  #phase = new AbortController();
  #regions: DemoRegions | undefined;
  #keeping = false;

  constructor(options: DemoOptions) {
    this.#options = options;
  }

  /**
   * Ends the current phase early and says what happens next, for the user. Returns undefined when that was
   * already asked: the caller then forces an exit.
   */
  interrupt(): string | undefined {
    if (this.#phase.signal.aborted) return undefined;
    this.#phase.abort();
    return this.#keeping
      ? 'Ctrl-C: stopping DynamoDB Local.'
      : 'Ctrl-C: stopping (the tables are still compared; Ctrl-C again to quit at once).';
  }

  /** For a forced exit: kills DynamoDB Local and removes its data at once (synchronous). */
  killNow(): void {
    this.#regions?.killNow();
  }

  /** Runs the demo to its end, cleanup included. */
  async run(): Promise<DemoOutcome> {
    const { display, logger } = this.#options;
    const cleanups: Cleanup[] = [];
    try {
      return await this.#run(cleanups);
    } catch (err) {
      display.line();
      display.line(`The demo failed: ${errorMessage(err)}`);
      if (!(err instanceof ReplicatorError)) logger.error({ err }, 'demo failed');
      return err instanceof ConfigError ? 'config' : 'failed';
    } finally {
      for (const cleanup of cleanups.reverse()) {
        try {
          await cleanup();
        } catch (err) {
          logger.warn({ err: errorMessage(err) }, 'demo cleanup step failed');
        }
      }
    }
  }

  async #run(cleanups: Cleanup[]): Promise<DemoOutcome> {
    const { display, logger, items } = this.#options;
    const interrupted = this.#phase.signal;
    display.line(
      `Starting DynamoDB Local twice: one instance stands for ${SOURCE_REGION} (the source), one for ${DEST_REGION} (the destination)...`,
    );
    const regions = await DemoRegions.start([SOURCE_REGION, DEST_REGION], logger);
    this.#regions = regions;
    cleanups.push(async () => {
      await regions.stop();
      display.line('Stopped DynamoDB Local and removed its data.');
    });
    // performance.now() counts from the start of the process: the time a newcomer waits.
    const startupMs = performance.now();
    display.line(
      `  ${SOURCE_REGION}  ${regions.source.endpoint}    ${DEST_REGION}  ${regions.destination.endpoint}    (up in ${seconds(startupMs)})`,
    );
    if (interrupted.aborted) return this.#interruptedEarly();

    // Before the clock starts: cold JVMs answer the first few thousand requests several times slower, which the
    // figures below would show as a slow, laggy replicator (see demo-warm-up.ts).
    display.begin(
      'Warming up DynamoDB Local (writes and stream reads on scratch tables, so that the figures below show the replicator, not a cold JVM)',
    );
    let warmUpMs: number;
    try {
      warmUpMs = await warmUpRegions(regions, interrupted);
    } catch (err) {
      if (interrupted.aborted) return this.#interruptedEarly();
      throw err;
    }
    display.line(` done in ${seconds(warmUpMs)}.`);

    await Promise.all([
      createTable(
        regions.source.client,
        TABLE_NAME,
        { hash: { name: KEY_NAME, type: 'S' } },
        'NEW_AND_OLD_IMAGES',
      ),
      createTable(regions.destination.client, TABLE_NAME, { hash: { name: KEY_NAME, type: 'S' } }),
    ]);
    display.line(
      `Created table ${TABLE_NAME} in ${SOURCE_REGION} with a stream (new and old images), and an empty ${TABLE_NAME} in ${DEST_REGION}.`,
    );
    const source = { client: regions.source.client, tableName: TABLE_NAME };
    const destination = { client: regions.destination.client, tableName: TABLE_NAME };
    const workload = new Workload({ ...source, logger });
    const backlogStarted = performance.now();
    await workload.writeBacklog(items, interrupted);
    if (interrupted.aborted) return this.#interruptedEarly();
    display.line(
      `Wrote a backlog of ${count(workload.counts().backlog)} orders to the source before starting the replicator (${seconds(performance.now() - backlogStarted)}): it catches up on them from the stream.`,
    );

    const events = new EventBus((err) => logger.error({ err: errorMessage(err) }, 'event listener failed'));
    logEvents(events, logger);
    const tracker = new ProgressTracker(events);
    let firstReplicatedAt: number | undefined;
    events.on('batch.flushed', () => (firstReplicatedAt ??= performance.now()));
    const config = demoConfig(regions);
    const replicator = new Replicator({ config, events, logger, tracker });
    const replicatorStartedAt = performance.now();
    const replicatorEnded = new AbortController();
    let replicatorError: unknown;
    const replicating = replicator
      .run()
      .catch((err: unknown) => {
        replicatorError = err;
      })
      .finally(() => replicatorEnded.abort());
    const stopReplicator = async (): Promise<void> => {
      replicator.stop();
      await within(replicating, REPLICATOR_STOP_TIMEOUT_MS);
    };
    cleanups.push(stopReplicator);
    // The page `replicate --metrics-port` serves: the fleet, its lag and a chart, live in a browser.
    const page = await serveDemoStatusPage({
      config,
      replicator,
      events,
      tracker,
      logger,
      port: this.#options.statusPort,
    });
    cleanups.push(() => page.close());
    display.line(`Status page: ${page.url} (open it in a browser to watch the replication live).`);

    // The live phase: workload, heartbeat and the line a second, until the duration, a Ctrl-C or a failure.
    // `background` ends every loop of the demo's own, also when an error skips the normal end.
    const background = new AbortController();
    cleanups.push(() => background.abort());
    const liveEnds = [interrupted, replicatorEnded.signal, background.signal];
    if (this.#options.durationS > 0) liveEnds.push(AbortSignal.timeout(this.#options.durationS * 1000));
    const live = AbortSignal.any(liveEnds);
    const probe = new LagProbe({ source, destination, logger });
    const reading = probe.readLoop(background.signal);
    const liveStarted = performance.now();
    const ticking = tickLoop({ workload, probe, tracker, since: liveStarted }, display, background.signal);
    const forHowLong = this.#options.durationS > 0 ? `for ${this.#options.durationS} s` : 'until Ctrl-C';
    display.line(
      `Replicating ${SOURCE_REGION} -> ${DEST_REGION} under a live workload of ${count(this.#options.rate)} writes/s (about 50% puts, 35% updates, 15% deletes) ${forHowLong}.${this.#options.durationS > 0 ? ' Ctrl-C stops early.' : ''}`,
    );
    display.tableHeader();
    await Promise.all([workload.run(this.#options.rate, live), probe.writeLoop(live)]);
    const liveMs = performance.now() - liveStarted;

    // Catch-up: one more heartbeat after the last write; once the destination shows it and every record read
    // is written, the destination has every write the source acknowledged.
    const caughtUp = await catchUp({
      workload,
      probe,
      tracker,
      regions,
      replicatorEnded: replicatorEnded.signal,
    });
    background.abort();
    await Promise.all([reading, ticking]);
    display.line();
    display.line(
      `Stopped the workload after ${seconds(liveMs)}${interrupted.aborted ? ' (Ctrl-C)' : ''}.` +
        (caughtUp.kind === 'caught-up'
          ? ` The replicator caught up ${duration(caughtUp.afterMs)} after the last write.`
          : ''),
    );
    if (caughtUp.kind === 'timeout')
      display.line(`The replicator did not catch up within ${seconds(CATCH_UP_TIMEOUT_MS)}.`);

    await stopReplicator();
    if (replicatorError !== undefined)
      display.line(`The replicator stopped on an error: ${errorMessage(replicatorError)}`);
    if (caughtUp.kind === 'instances-gone') {
      display.line(
        'DynamoDB Local stopped as well: the Ctrl-C reached its JVMs too, so the tables cannot be compared.',
      );
      return 'interrupted';
    }

    const comparison = await verifyTables(source, destination, [KEY_NAME]);
    for (const difference of comparison.differences) logger.warn(difference, 'demo: item differs');
    const snapshot = tracker.snapshot();
    display.summary({
      workload: workload.counts(),
      heartbeats: probe.writes,
      recordsReplicated: snapshot.recordsWritten,
      itemsWritten: snapshot.itemsWritten,
      firstReplicatedAt,
      replicatorStartedAt,
      startupMs,
      warmUpMs,
      comparison,
    });
    const equal = mismatches(comparison) === 0 && comparison.compared > 0;
    display.line();
    display.line(
      equal
        ? `Result: the tables are equal (${count(comparison.compared)} items compared, 0 mismatches).`
        : `Result: the tables differ (${count(mismatches(comparison))} mismatches in ${count(comparison.compared)} items).`,
    );
    if (this.#options.keep) await this.#keep(regions);
    if (replicatorError !== undefined) return 'failed';
    return equal ? 'equal' : 'different';
  }

  async #keep(regions: DemoRegions): Promise<void> {
    const { display } = this.#options;
    this.#phase = new AbortController();
    this.#keeping = true;
    const keep = this.#phase.signal;
    display.line();
    display.line('--keep: DynamoDB Local keeps running with both tables until Ctrl-C. For example:');
    for (const side of [regions.source, regions.destination]) {
      display.line(
        `  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws dynamodb scan --table-name ${TABLE_NAME} --region ${side.region} --endpoint-url ${side.endpoint} --max-items 3`,
      );
    }
    await new Promise<void>((resolve) => {
      if (keep.aborted) resolve();
      keep.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  #interruptedEarly(): DemoOutcome {
    this.#options.display.line('Interrupted before the replicator started: nothing to compare.');
    return 'interrupted';
  }
}

/** Waits for `promise`, at most `ms`; the timer does not outlive the wait (it would hold the process open). */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  const done = new AbortController();
  await Promise.race([promise.finally(() => done.abort()), sleep(ms, done.signal)]);
  done.abort();
}
