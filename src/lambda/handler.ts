// `ddb-replicator/lambda`: a handler for a DynamoDB Streams event source mapping, on the CLI's core: each batch is
// squashed to the latest change per key (buffer/squash-buffer.ts) and written by the table writer with its retries
// and error classes; the stream record codec keeps every attribute exactly. Lambda is the reader, the lease table
// and the checkpoint: a batch counts as done only when this returns no failure, so a batch that was not written
// whole reports its first record (ReportBatchItemFailures) and Lambda retries from there, in order; it never
// reports success for a batch it did not write. Retries stop before the invocation's time runs out. One JSON log
// line per batch, and its figures as CloudWatch embedded metrics (no agent needed).
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient, DATA_PATH } from '../app/aws-clients.js';
import { SquashBuffer } from '../buffer/squash-buffer.js';
import { sideCredentials } from '../credentials/side-credentials.js';
import { errorMessage } from '../errors/replicator-error.js';
import { EventBus } from '../observability/events.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { toChangeRecord } from '../stream/change-record.js';
import { Semaphore } from '../util/semaphore.js';
import { TableWriter } from '../writer/table-writer.js';
import { buildLambdaConfig, type LambdaConfig } from './lambda-config.js';
import { fromLambdaRecord, type LambdaStreamEvent } from './lambda-record.js';

/** The part of Lambda's context the handler reads. */
export interface LambdaContext {
  getRemainingTimeInMillis?: () => number;
  awsRequestId?: string;
}

export interface BatchResponse {
  readonly batchItemFailures: readonly { readonly itemIdentifier: string }[];
}

/** Time kept back from the invocation's end: the failure must still be reported before Lambda stops the run. */
export const REPORT_MARGIN_MS = 2_000;

interface Prepared {
  readonly config: LambdaConfig;
  readonly client: DynamoDBClient;
  readonly writer: TableWriter;
  readonly keyAttributes: readonly string[];
  readonly logger: Logger;
}

async function prepare(env: NodeJS.ProcessEnv): Promise<Prepared> {
  const config = buildLambdaConfig(env);
  const logger = createLogger({ level: config.logLevel, format: 'json' });
  const { destination } = config;
  const credentials = sideCredentials({
    side: 'destination',
    source: destination.credentials,
    region: destination.region,
    sessionName: 'ddb-replicator-lambda',
    logger,
  });
  const client = createDynamoClient(destination, DATA_PATH, credentials.provider);
  const table = await client.send(new DescribeTableCommand({ TableName: destination.tableName }));
  const keys = [...(table.Table?.KeySchema ?? [])].sort((a, b) =>
    a.KeyType === b.KeyType ? 0 : a.KeyType === 'HASH' ? -1 : 1,
  );
  const keyAttributes = keys.map((k) => k.AttributeName ?? '?');
  const writer = new TableWriter({
    client,
    tableName: destination.tableName,
    keyAttributes,
    requestSlots: new Semaphore(config.writeConcurrency),
    events: new EventBus(),
    requestTimeoutMs: 10_000,
  });
  return { config, client, writer, keyAttributes, logger };
}

/** A handler over this environment (a test gives its own; `handler` below reads the function's). */
export function createHandler(
  env: NodeJS.ProcessEnv = process.env,
): (event: LambdaStreamEvent, context?: LambdaContext) => Promise<BatchResponse> {
  // Kept between invocations of one execution environment; a failed start is tried again at the next batch.
  let prepared: Promise<Prepared> | undefined;
  return async (event, context) => {
    const records = event.Records ?? [];
    const first = records[0]?.dynamodb?.SequenceNumber;
    if (records.length === 0 || first === undefined) return { batchItemFailures: [] };
    const last = records.at(-1)?.dynamodb?.SequenceNumber;
    prepared ??= prepare(env).catch((err: unknown) => {
      prepared = undefined;
      throw err;
    });
    let setup: Prepared;
    try {
      setup = await prepared;
    } catch (err) {
      // Nothing written: the whole batch again, and the reason in the log (a missing table, no permission, ...).
      createLogger({ format: 'json' }).error({ err: errorMessage(err), first, last }, 'batch not written');
      return { batchItemFailures: [{ itemIdentifier: first }] };
    }
    const started = performance.now();
    const remaining = context?.getRemainingTimeInMillis?.() ?? 60_000;
    const signal = AbortSignal.timeout(Math.max(1_000, remaining - REPORT_MARGIN_MS));
    try {
      const buffer = new SquashBuffer(setup.keyAttributes);
      buffer.addAll(records.map((record) => toChangeRecord(fromLambdaRecord(record))));
      const flush = buffer.drain();
      const outcome =
        flush === undefined
          ? { puts: 0, deletes: 0, requests: 0, retries: 0 }
          : await setup.writer.write(flush.changes, { signal });
      const newest = flush?.newestCreatedAtMs;
      const fields = {
        table: setup.config.destination.tableName,
        records: records.length,
        puts: outcome.puts,
        deletes: outcome.deletes,
        retries: outcome.retries,
        first,
        last,
        ms: Math.round(performance.now() - started),
        ...(newest === undefined ? {} : { newestRecordAgeMs: Date.now() - newest }),
      };
      setup.logger.info(fields, 'batch written');
      emitMetrics(fields);
      return { batchItemFailures: [] };
    } catch (err) {
      // Squashed writes give no per-record success: the batch is retried from its first record. Later changes of
      // a key are written again after earlier ones, in order, so a retry converges to the same table.
      setup.logger.error(
        { err: errorMessage(err), first, last, records: records.length, requestId: context?.awsRequestId },
        'batch not written; Lambda retries it from its first record',
      );
      return { batchItemFailures: [{ itemIdentifier: first }] };
    }
  };
}

/** CloudWatch embedded metric format: one stdout line that CloudWatch Logs turns into metrics. */
function emitMetrics(fields: {
  table: string;
  records: number;
  puts: number;
  deletes: number;
  retries: number;
  newestRecordAgeMs?: number;
}): void {
  const metrics = [
    { Name: 'Records', Unit: 'Count' },
    { Name: 'ItemsWritten', Unit: 'Count' },
    { Name: 'Retries', Unit: 'Count' },
    ...(fields.newestRecordAgeMs === undefined ? [] : [{ Name: 'NewestRecordAge', Unit: 'Milliseconds' }]),
  ];
  process.stdout.write(
    `${JSON.stringify({
      _aws: {
        Timestamp: Date.now(),
        CloudWatchMetrics: [{ Namespace: 'ddb-replicator', Dimensions: [['Table']], Metrics: metrics }],
      },
      Table: fields.table,
      Records: fields.records,
      ItemsWritten: fields.puts + fields.deletes,
      Retries: fields.retries,
      ...(fields.newestRecordAgeMs === undefined ? {} : { NewestRecordAge: fields.newestRecordAgeMs }),
    })}\n`,
  );
}

export const handler = createHandler();
