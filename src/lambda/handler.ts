// `ddb-replicator/lambda`: a handler for a DynamoDB Streams event source mapping, on the CLI's core: each batch is
// squashed to the latest change per key (buffer/squash-buffer.ts), passed through the CLI's rules when the
// environment sets any (lambda-rules.ts) and written by the table writer with its retries and error classes; the
// stream record codec keeps every attribute exactly. Lambda is the reader, the lease table and the checkpoint: a
// batch counts as done only when this returns no failure, so a batch that was not written whole reports its first
// record (ReportBatchItemFailures) and Lambda retries from there, in order; a transform that fails reports the
// record it failed on, after writing the records before it. It never reports success for a batch it did not
// write. Retries stop before the invocation's time runs out. One JSON log line per batch, and its figures as
// CloudWatch embedded metrics (no agent needed).
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient, DATA_PATH } from '../app/aws-clients.js';
import { keySchemaOf, type KeyAttribute } from '../app/startup-checks.js';
import { SquashBuffer } from '../buffer/squash-buffer.js';
import { sideCredentials } from '../credentials/side-credentials.js';
import { EventBus } from '../observability/events.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { loadRuleTransform } from '../rules/destination-rules.js';
import type { DestinationRules } from '../rules/destination-writes.js';
import type { TransformError } from '../rules/transform-call.js';
import type { LoadedTransform } from '../rules/transform-module.js';
import { toChangeRecord, type ChangeRecord } from '../stream/change-record.js';
import { Semaphore } from '../util/semaphore.js';
import { TableWriter, type WriteOutcome } from '../writer/table-writer.js';
import { buildLambdaConfig, failureLine, setupFailureLogLevel, type LambdaConfig } from './lambda-config.js';
import { fromLambdaRecord, tableOfStreamArn, type LambdaStreamEvent } from './lambda-record.js';
import { batchRules, planBatch } from './lambda-rules.js';

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
  readonly destinationKey: readonly KeyAttribute[];
  readonly transform: LoadedTransform | undefined;
  /** The rules of each stream seen (by table, view type and key), built once. */
  readonly rules: Map<string, DestinationRules>;
  readonly logger: Logger;
}

async function prepare(env: NodeJS.ProcessEnv, given: Logger | undefined): Promise<Prepared> {
  const config = buildLambdaConfig(env);
  const logger = given ?? createLogger({ level: config.logLevel, format: 'json' });
  const { destination } = config;
  const credentials = sideCredentials({
    side: 'destination',
    source: destination.credentials,
    region: destination.region,
    sessionName: 'ddb-replicator-lambda',
    logger,
  });
  // Loaded first: a module that cannot load is a mistake to report before any request.
  const transform = await loadRuleTransform(config.rules);
  const client = createDynamoClient(destination, DATA_PATH, credentials.provider);
  const table = await client.send(new DescribeTableCommand({ TableName: destination.tableName }));
  const destinationKey = table.Table === undefined ? [] : keySchemaOf(table.Table);
  const writer = new TableWriter({
    client,
    tableName: destination.tableName,
    keyAttributes: destinationKey.map((part) => part.name),
    requestSlots: new Semaphore(config.writeConcurrency),
    events: new EventBus(),
    requestTimeoutMs: 10_000,
  });
  return { config, client, writer, destinationKey, transform, rules: new Map(), logger };
}

/** What one batch did: its records [0, end) written, and the refusal that stopped it at `end`, if any. */
interface BatchOutcome extends WriteOutcome {
  readonly end: number;
  readonly filteredOut: number;
  readonly newestCreatedAtMs: number | undefined;
  readonly refusal: TransformError | undefined;
}

/** The rules of the stream a batch comes from (undefined: none set), built at its first batch. */
function rulesFor(
  setup: Prepared,
  first: ChangeRecord,
  event: LambdaStreamEvent,
): DestinationRules | undefined {
  const options = setup.config.rules;
  if (options === undefined) return undefined;
  const record = event.Records?.[0];
  const stream = {
    sourceTable: tableOfStreamArn(record?.eventSourceARN) ?? 'unknown',
    viewType: record?.dynamodb?.StreamViewType,
    keys: first.keys,
  };
  const known = JSON.stringify([stream.sourceTable, stream.viewType, Object.keys(first.keys)]);
  let rules = setup.rules.get(known);
  if (rules === undefined) {
    rules = batchRules(options, setup.transform, stream, {
      tableName: setup.config.destination.tableName,
      key: setup.destinationKey,
    });
    setup.rules.set(known, rules);
  }
  return rules;
}

/** Squashes the batch and writes it, through the rules when there are any, as the CLI's writer path does. */
async function writeBatch(
  setup: Prepared,
  event: LambdaStreamEvent,
  signal: AbortSignal,
): Promise<BatchOutcome> {
  const withRules = setup.config.rules !== undefined;
  const changes = (event.Records ?? []).map((record) => toChangeRecord(fromLambdaRecord(record), withRules));
  const first = changes[0];
  const none = { puts: 0, deletes: 0, requests: 0, retries: 0 };
  if (first === undefined)
    return { ...none, end: 0, filteredOut: 0, newestCreatedAtMs: undefined, refusal: undefined };
  // The source key as the records carry it (the destination's may be renamed, or changed by a transform).
  const keyAttributes = Object.keys(first.keys);
  const rules = rulesFor(setup, first, event);
  if (rules === undefined) {
    const buffer = new SquashBuffer(keyAttributes);
    buffer.addAll(changes);
    const flush = buffer.drain();
    const outcome = flush === undefined ? none : await setup.writer.write(flush.changes, { signal });
    return {
      ...outcome,
      end: changes.length,
      filteredOut: 0,
      newestCreatedAtMs: flush?.newestCreatedAtMs,
      refusal: undefined,
    };
  }
  const batch = await planBatch(changes, keyAttributes, rules);
  const outcome =
    batch.planned === undefined ? none : await setup.writer.writeRequests(batch.planned.requests, { signal });
  return {
    ...outcome,
    end: batch.end,
    filteredOut: batch.planned?.filteredOut ?? 0,
    newestCreatedAtMs: batch.flush?.newestCreatedAtMs,
    refusal: batch.refusal,
  };
}

/**
 * A handler over this environment (a test gives its own; `handler` below reads the function's), logging JSON
 * lines to stderr unless given a logger (a test reads what it says).
 */
export function createHandler(
  env: NodeJS.ProcessEnv = process.env,
  options: { readonly logger?: Logger } = {},
): (event: LambdaStreamEvent, context?: LambdaContext) => Promise<BatchResponse> {
  // Kept between invocations of one execution environment; a failed start is tried again at the next batch.
  let prepared: Promise<Prepared> | undefined;
  return async (event, context) => {
    const records = event.Records ?? [];
    const first = records[0]?.dynamodb?.SequenceNumber;
    if (records.length === 0 || first === undefined) return { batchItemFailures: [] };
    const last = records.at(-1)?.dynamodb?.SequenceNumber;
    prepared ??= prepare(env, options.logger).catch((err: unknown) => {
      prepared = undefined;
      throw err;
    });
    let setup: Prepared;
    try {
      setup = await prepared;
    } catch (err) {
      // Nothing written: the whole batch again, and the reason in the log (a missing table, no permission, ...).
      (options.logger ?? createLogger({ level: setupFailureLogLevel(env), format: 'json' })).error(
        { err: failureLine(err, env), first, last },
        'batch not written',
      );
      return { batchItemFailures: [{ itemIdentifier: first }] };
    }
    const started = performance.now();
    const remaining = context?.getRemainingTimeInMillis?.() ?? 60_000;
    // AbortSignal.timeout refuses a fraction (a runtime or a caller may give one): whole milliseconds.
    const signal = AbortSignal.timeout(Math.max(1_000, Math.floor(remaining - REPORT_MARGIN_MS)));
    try {
      const outcome = await writeBatch(setup, event, signal);
      const fields = {
        table: setup.config.destination.tableName,
        records: outcome.end,
        puts: outcome.puts,
        deletes: outcome.deletes,
        retries: outcome.retries,
        ...(setup.config.rules === undefined ? {} : { filteredOut: outcome.filteredOut }),
        first,
        last: outcome.refusal === undefined ? last : records[outcome.end - 1]?.dynamodb?.SequenceNumber,
        ms: Math.round(performance.now() - started),
        ...(outcome.newestCreatedAtMs === undefined
          ? {}
          : { newestRecordAgeMs: Date.now() - outcome.newestCreatedAtMs }),
      };
      if (outcome.end > 0) {
        setup.logger.info(fields, 'batch written');
        emitMetrics(fields);
      }
      if (outcome.refusal === undefined) return { batchItemFailures: [] };
      const failed = records[outcome.end]?.dynamodb?.SequenceNumber ?? first;
      // The records before it are written; Lambda retries from this one (its retries and on-failure destination
      // decide what becomes of a record the transform always fails on).
      setup.logger.error(
        {
          err: outcome.refusal.message,
          failed,
          first,
          last,
          written: outcome.end,
          requestId: context?.awsRequestId,
        },
        'transform failed; Lambda retries the batch from that record',
      );
      return { batchItemFailures: [{ itemIdentifier: failed }] };
    } catch (err) {
      // Squashed writes give no per-record success: the batch is retried from its first record. Later changes of
      // a key are written again after earlier ones, in order, so a retry converges to the same table.
      setup.logger.error(
        {
          err: failureLine(err, env),
          first,
          last,
          records: records.length,
          requestId: context?.awsRequestId,
        },
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
