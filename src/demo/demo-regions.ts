// The demo's two "regions": one DynamoDB Local instance stands for the source region, another for the
// destination region (separate processes, ports and databases, like two real regions). The demo owns their
// database directories, so that even a forced exit (a second Ctrl-C, a crash) removes them synchronously;
// `stop()` stops both instances in order and is safe to call more than once.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDynamoClient } from '../app/aws-clients.js';
import { errorMessage } from '../errors/replicator-error.js';
import { startDynamoDbLocal, type DynamoDbLocal } from '../local/dynamodb-local.js';
import type { Logger } from '../observability/logger.js';

export interface DemoRegion {
  readonly region: string;
  readonly endpoint: string;
  readonly pid: number | undefined;
  readonly dbPath: string;
  /** A client for the demo's own reads and writes (not the replicator's). */
  readonly client: DynamoDBClient;
}

// The demo's own requests: a few retries for a busy JVM, and a timeout so that no wait outlives a dead instance.
const DEMO_CLIENT = { maxAttempts: 3, connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000, maxSockets: 64 };

/**
 * Only the JVM's quick compiler (C1): the demo lasts seconds, not hours, and the optimizing compiler's threads
 * spend them compiling on a machine that may have two cores. Measured there (JVM CPU time, fresh instances): a
 * start cost 1.1-1.2 s instead of 2.0-2.1, the warm-up 2.3-2.6 s per instance instead of 5.6-7.0, and after it a
 * 1,000-record GetRecords 50-60 ms instead of 140-160, a 1,000-item flush 250-310 ms instead of 420-660, a
 * single write 1.6 ms instead of 2.6-3.0. The benchmark and the tests keep the JVM's defaults.
 */
const DEMO_JAVA_OPTIONS = ['-XX:TieredStopAtLevel=1'] as const;

export class DemoRegions {
  readonly source: DemoRegion;
  readonly destination: DemoRegion;
  readonly #instances: readonly DynamoDbLocal[];
  readonly #dirs: readonly string[];
  readonly #removeDirsOnExit: () => void;
  #stopping: Promise<void> | undefined;

  private constructor(
    instances: readonly [DynamoDbLocal, DynamoDbLocal],
    regions: readonly [string, string],
    dirs: readonly [string, string],
    removeDirsOnExit: () => void,
  ) {
    this.#instances = instances;
    this.#dirs = dirs;
    this.#removeDirsOnExit = removeDirsOnExit;
    const region = (i: 0 | 1): DemoRegion => ({
      region: regions[i],
      endpoint: instances[i].endpoint,
      pid: instances[i].pid,
      dbPath: dirs[i],
      client: createDynamoClient({ region: regions[i], endpoint: instances[i].endpoint }, DEMO_CLIENT),
    });
    this.source = region(0);
    this.destination = region(1);
  }

  /** Starts both instances in parallel; if one fails, the other is stopped and every directory removed. */
  static async start(regions: readonly [string, string], logger: Logger): Promise<DemoRegions> {
    const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
    const dirs = [mkdtempSync(join(base, 'ddb-demo-')), mkdtempSync(join(base, 'ddb-demo-'))] as const;
    // startDynamoDbLocal's own exit hook kills the JVMs on any exit; this one removes what they leave behind.
    const removeDirsOnExit = (): void => removeDirs(dirs);
    process.once('exit', removeDirsOnExit);
    const started = await Promise.allSettled(
      dirs.map((dbPath) => startDynamoDbLocal({ dbPath, javaOptions: DEMO_JAVA_OPTIONS })),
    );
    const up = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const [source, destination] = up;
    if (source === undefined || destination === undefined) {
      await Promise.allSettled(up.map((instance) => instance.stop()));
      removeDirs(dirs);
      process.off('exit', removeDirsOnExit);
      const failure = started.find((s) => s.status === 'rejected');
      throw failure?.reason ?? new Error('DynamoDB Local did not start');
    }
    for (const [i, instance] of [source, destination].entries()) {
      logger.info(
        { region: regions[i], endpoint: instance.endpoint, pid: instance.pid, dbPath: dirs[i] },
        'DynamoDB Local started',
      );
    }
    return new DemoRegions([source, destination], regions, dirs, removeDirsOnExit);
  }

  /** Process ids of the DynamoDB Local JVMs, for the debug log and the tests. */
  get pids(): number[] {
    return this.#instances.flatMap((i) => (i.pid === undefined ? [] : [i.pid]));
  }

  /** True while both JVMs run (a Ctrl-C from a terminal reaches them too: see the demo's --help). */
  bothRunning(): boolean {
    return this.#instances.every((i) => i.pid !== undefined && isRunning(i.pid));
  }

  /** Stops both instances (SIGTERM, then SIGKILL after 5 s) and removes their directories. */
  async stop(): Promise<void> {
    this.#stopping ??= this.#stopAll();
    return this.#stopping;
  }

  async #stopAll(): Promise<void> {
    this.source.client.destroy();
    this.destination.client.destroy();
    const results = await Promise.allSettled(this.#instances.map((i) => i.stop()));
    removeDirs(this.#dirs);
    process.off('exit', this.#removeDirsOnExit);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined)
      throw new Error(`stopping DynamoDB Local failed: ${errorMessage(failed.reason)}`);
  }

  /** For a forced exit: kills both JVMs and removes their directories without waiting for anything. */
  killNow(): void {
    for (const pid of this.pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    removeDirs(this.#dirs);
  }
}

function removeDirs(dirs: readonly string[]): void {
  // Retries: a JVM being killed may still close a file in there for a moment.
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
