// Turns on a source table's missing stream (NEW_AND_OLD_IMAGES) for an entry that says `enableStream: true`,
// and waits until DynamoDB shows it enabled on an ACTIVE table. Workers started together may all try: an
// UpdateTable that finds the stream already on, or the table busy with another update, is no failure, the next
// look decides. A stream without new images is refused, never replaced (stream-readiness.ts).
import {
  DescribeTableCommand,
  UpdateTableCommand,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { describeFailure } from '../app/startup-checks.js';
import type { TableLocation } from '../config/replication-config.js';
import { ConfigError, StoppedError } from '../errors/replicator-error.js';
import { retrying } from '../util/retry.js';
import { sleep as realSleep } from '../util/sleep.js';
import { ENABLED_VIEW_TYPE, streamReadiness } from './stream-readiness.js';

export interface EnableStreamDeps {
  readonly client: DynamoDBClient;
  readonly table: TableLocation;
  /** Names the plan's entry in the log lines and the error. */
  readonly label: string;
  readonly logger: { info(fields: object, msg: string): void };
  readonly pollMs?: number;
  readonly progressEveryMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

const POLL_MS = 1_000;
const PROGRESS_EVERY_MS = 5_000;
const RETRY_MS = 30_000;

/** Resolves with the enabled stream; a table already streaming new images is left as it is. */
export async function enableStream(
  deps: EnableStreamDeps,
  signal?: AbortSignal,
): Promise<{ readonly streamArn: string; readonly viewType: string }> {
  const now = deps.now ?? (() => performance.now());
  const sleep = deps.sleep ?? realSleep;
  const { table, label } = deps;
  const started = now();
  let nextProgress = started + (deps.progressEveryMs ?? PROGRESS_EVERY_MS);
  let requested = false;
  for (;;) {
    if (signal?.aborted === true) throw new StoppedError();
    const description = await describe(deps, signal);
    const readiness = streamReadiness(description);
    if (readiness.kind === 'no-new-images') {
      throw new ConfigError(
        `${label}: the stream of source table ${table.tableName} has view type ${readiness.viewType}, which carries no new images; enableStream never replaces a stream: switch it to ${ENABLED_VIEW_TYPE} by hand (disable it, then enable it)`,
      );
    }
    if (readiness.kind === 'ready' && description.TableStatus === 'ACTIVE') {
      if (requested) {
        deps.logger.info(
          {
            table: table.tableName,
            streamArn: readiness.streamArn,
            viewType: readiness.viewType,
            waitedS: Math.round((now() - started) / 1000),
          },
          `${label}: source stream enabled`,
        );
      }
      return { streamArn: readiness.streamArn, viewType: readiness.viewType };
    }
    if (readiness.kind === 'no-stream' && !requested && description.TableStatus === 'ACTIVE') {
      requested = await request(deps, signal);
    }
    if (now() >= nextProgress) {
      deps.logger.info(
        {
          table: table.tableName,
          status: description.TableStatus,
          waitedS: Math.round((now() - started) / 1000),
        },
        `${label}: waiting for the source stream to be enabled`,
      );
      nextProgress = now() + (deps.progressEveryMs ?? PROGRESS_EVERY_MS);
    }
    await sleep(deps.pollMs ?? POLL_MS, signal);
  }
}

/** UpdateTable; false when another writer got there first or the table is busy (the next look decides). */
async function request(deps: EnableStreamDeps, signal: AbortSignal | undefined): Promise<boolean> {
  try {
    await retrying(
      () =>
        deps.client.send(
          new UpdateTableCommand({
            TableName: deps.table.tableName,
            StreamSpecification: { StreamEnabled: true, StreamViewType: ENABLED_VIEW_TYPE },
          }),
          { abortSignal: signal },
        ),
      { signal, deadlineMs: RETRY_MS, reasons: ['throttled', 'server'] },
    );
  } catch (err) {
    if (err instanceof StoppedError) throw err;
    const name = (err as { name?: string }).name;
    const message = err instanceof Error ? err.message : '';
    if (name === 'ResourceInUseException') return false;
    if (name === 'ValidationException' && /already has an enabled stream/i.test(message)) return false;
    throw describeFailure(err, 'source', deps.table, 'dynamodb:UpdateTable');
  }
  deps.logger.info(
    { table: deps.table.tableName, viewType: ENABLED_VIEW_TYPE },
    `${deps.label}: enabling the source stream (enableStream: true)`,
  );
  return true;
}

async function describe(deps: EnableStreamDeps, signal: AbortSignal | undefined): Promise<TableDescription> {
  try {
    const out = await retrying(
      () =>
        deps.client.send(new DescribeTableCommand({ TableName: deps.table.tableName }), {
          abortSignal: signal,
        }),
      { signal, deadlineMs: RETRY_MS, reasons: ['throttled', 'server'] },
    );
    if (out.Table === undefined)
      throw new ConfigError(`DescribeTable returned nothing for ${deps.table.tableName}`);
    return out.Table;
  } catch (err) {
    if (err instanceof StoppedError || err instanceof ConfigError) throw err;
    throw describeFailure(err, 'source', deps.table, 'dynamodb:DescribeTable');
  }
}
