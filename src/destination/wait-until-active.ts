// Waits until a destination table that is being created takes writes (table-readiness.ts), describing it every
// poll and logging a progress line every few seconds (table status, index statuses, time waited), so that a long
// creation is visibly alive. It waits as long as DynamoDB takes: only a stop or a table that can never get
// there ends it early. Clock and sleep are injected so the loop is tested without a database.
import type { TableDescription } from '@aws-sdk/client-dynamodb';
import { ConfigError, StoppedError } from '../errors/replicator-error.js';
import { sleep as realSleep } from '../util/sleep.js';
import { readiness } from './table-readiness.js';

export interface WaitUntilActiveDeps {
  /** DescribeTable of the destination; undefined when it does not exist. */
  readonly describe: (signal: AbortSignal | undefined) => Promise<TableDescription | undefined>;
  readonly destinationTable: string;
  readonly kmsKey: string | undefined;
  readonly logger: { info(fields: object, msg: string): void };
  readonly pollMs?: number;
  readonly progressEveryMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

const POLL_MS = 2_000;
const PROGRESS_EVERY_MS = 5_000;

/** Resolves with the description that showed the table and all its indexes ACTIVE. */
export async function waitUntilActive(
  deps: WaitUntilActiveDeps,
  signal: AbortSignal | undefined,
): Promise<TableDescription> {
  const now = deps.now ?? (() => performance.now());
  const sleep = deps.sleep ?? realSleep;
  const started = now();
  let nextProgress = started + (deps.progressEveryMs ?? PROGRESS_EVERY_MS);
  for (let polls = 0; ; polls++) {
    if (signal?.aborted === true) throw new StoppedError();
    const table = await deps.describe(signal);
    const state = readiness(table, deps.destinationTable, deps.kmsKey);
    if (state.kind === 'failed') throw new ConfigError(state.message);
    if (state.kind === 'active' && table !== undefined) {
      if (polls > 0) {
        const waitedS = Math.round((now() - started) / 1000);
        deps.logger.info({ table: deps.destinationTable, waitedS }, 'destination table is active');
      }
      return table;
    }
    if (state.kind === 'waiting' && now() >= nextProgress) {
      deps.logger.info(
        {
          table: deps.destinationTable,
          status: state.status,
          ...(state.indexes === '' ? {} : { indexes: state.indexes }),
          waitedS: Math.round((now() - started) / 1000),
        },
        'waiting for the destination table and its indexes to become active',
      );
      nextProgress = now() + (deps.progressEveryMs ?? PROGRESS_EVERY_MS);
    }
    await sleep(deps.pollMs ?? POLL_MS, signal);
  }
}
