// The flags of `ddb-replicator replicate` (and of `bootstrap`, which shares them): the tables, the lease table,
// the worker's tuning, observability and the bootstrap copy, with their defaults and help texts.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Argv } from 'yargs';
import {
  DEFAULT_MAX_POLL_INTERVAL_MS,
  DEFAULT_STALL_TIMEOUT_MS,
  STREAM_VIEW_TYPES,
} from '../config/replication-config.js';
import { credentialFlags } from './credential-flags.js';
import { planFlag } from './plan-flag.js';
import { ruleFlags } from './rule-flags.js';
import { tableFlags } from './table-flags.js';

export function defaultWorkerId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function replicateFlags<T>(yargs: Argv<T>) {
  return ruleFlags(planFlag(credentialFlags(tableFlags(yargs), ['lease'])))
    .option('source-streams-endpoint', {
      type: 'string',
      describe: "Endpoint of the source's DynamoDB Streams API [default: --source-endpoint]",
    })
    .option('task-name', {
      type: 'string',
      alias: ['taskName'],
      describe:
        'Names the lease table (DynamoDBCrossRegionReplication<task>); workers with the same task share the work [default: MD5 of source region + table + destination region + table]',
    })
    .option('lease-region', {
      type: 'string',
      alias: ['kclRegion'],
      describe: 'Region of the lease table [default: --source-region]',
    })
    .option('lease-endpoint', {
      type: 'string',
      alias: ['kclEndpoint'],
      describe: 'Endpoint of the lease table [default: --source-endpoint, unless --lease-region is given]',
    })
    .option('create-dest-table', {
      type: 'boolean',
      default: false,
      describe:
        "Create a missing destination table from the source's description (keys, indexes, billing, table class, deletion protection, TTL); it is billable",
    })
    .option('dest-stream-view-type', {
      choices: STREAM_VIEW_TYPES,
      describe:
        'With --create-dest-table: give the new destination a stream (chained replication) [default: none]',
    })
    .option('dest-kms-key', {
      type: 'string',
      describe:
        "With --create-dest-table: the destination's KMS key (id, ARN or alias) [default: the AWS owned key]",
    })
    .option('copy-tags', {
      type: 'boolean',
      default: false,
      describe: "With --create-dest-table: copy the source table's tags",
    })
    .option('worker-id', {
      type: 'string',
      default: defaultWorkerId(),
      defaultDescription: 'host name + process id + random suffix',
      describe: 'Unique name of this worker in the lease table',
    })
    .option('start-position', {
      choices: ['trim-horizon', 'latest'] as const,
      default: 'trim-horizon',
      describe: 'Where a new task starts reading: the oldest record kept (24 h) or only new changes',
    })
    .option('batch-size', {
      type: 'number',
      alias: ['batchSize'],
      default: 1000,
      describe: 'GetRecords limit (1-1000)',
    })
    .option('write-concurrency', {
      type: 'number',
      default: 16,
      describe: 'BatchWriteItem requests in flight per worker',
    })
    .option('max-buffer-mb', {
      type: 'number',
      default: 32,
      describe: 'Stream records held in memory per worker before reading waits for the writer',
    })
    .option('poll-interval-ms', {
      type: 'number',
      default: 100,
      describe:
        'Wait before reading a shard again after a read that found no records (after one that found some: 25 ms; a full page: at once)',
    })
    .option('max-poll-interval-ms', {
      type: 'number',
      default: DEFAULT_MAX_POLL_INTERVAL_MS,
      describe:
        'The longest wait between reads of a shard that stays quiet: the wait doubles from --poll-interval-ms with every empty read (the first change after a quiet spell waits up to this long)',
    })
    .option('checkpoint-interval-ms', {
      type: 'number',
      default: 1_000,
      describe:
        'Least time between two checkpoint writes of a shard (0: after every flush); after a crash the next owner replays at most about this much',
    })
    .option('failover-ms', {
      type: 'number',
      default: 10_000,
      describe: 'A lease not renewed for this long is taken over by another worker',
    })
    .option('shard-sync-interval-ms', {
      type: 'number',
      default: 10_000,
      describe: 'How often to look for new shards',
    })
    .option('progress-interval-ms', {
      type: 'number',
      default: 10_000,
      describe: 'Progress line interval (0: none)',
    })
    .option('shutdown-timeout-ms', {
      type: 'number',
      default: 5_000,
      describe:
        'Time a stop may spend on the final flush; what is not written by then is replayed on restart',
    })
    .option('metrics-port', {
      type: 'number',
      describe:
        'Serve Prometheus /metrics, /healthz (liveness), /readyz (readiness) and the live status page (/, /status.json) on this port',
    })
    .option('metrics-host', {
      type: 'string',
      describe: 'The interface --metrics-port listens on (127.0.0.1: this machine only) [default: all]',
    })
    .option('stall-timeout-ms', {
      type: 'number',
      default: DEFAULT_STALL_TIMEOUT_MS,
      describe:
        'A held shard behind and without progress for this long makes the worker stuck: /healthz answers 503 and a warning names it every minute',
    })
    .option('log-level', {
      choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const,
      default: 'info' as const,
      describe: 'Log level',
    })
    .option('log-format', {
      choices: ['auto', 'json', 'pretty'] as const,
      default: 'auto',
      describe: 'auto: JSON lines unless stderr is a terminal',
    })
    .option('bootstrap', {
      type: 'boolean',
      default: false,
      describe:
        'Copy the existing items first (stream positions are recorded before the copy), then replicate from those positions',
    })
    .option('segments', {
      type: 'number',
      describe:
        'Parallel-scan segments of the copy, fixed at its first start [default: 1 per 256 MiB of the source table, 4 to 1000]',
    })
    .option('max-write-rate', {
      type: 'number',
      describe:
        'Items per second the copy writes to the destination, over all workers (each takes rate / workers copying) [default: no limit]',
    })
    .option('max-read-rate', {
      type: 'number',
      describe: 'Items per second the copy scans from the source, over all workers [default: no limit]',
    })
    .option('from-export', {
      type: 'string',
      describe:
        'Bootstrap from a DynamoDB export (full, then incremental) copied to this local folder instead of scanning the source; replication replays the stream from TRIM_HORIZON',
    })
    .option('copy-mode', {
      choices: ['auto', 'direct', 'spool'] as const,
      default: 'auto' as const,
      describe:
        "direct: replay the stream after the copy (the copy must end within the stream's 24 h); spool: spool the stream to a table beside the lease table during the copy, then drain it (a copy of any length); auto: spool when the copy is projected to take over half the retention",
    })
    .option('copy-concurrency', {
      type: 'number',
      default: 8,
      describe: 'Segments one worker copies at once',
    })
    .option('task-write-concurrency', {
      type: 'number',
      describe:
        'With --plan: BatchWriteItem requests in flight per task, within --write-concurrency, so that one busy table cannot starve the others [default: --write-concurrency]',
    })
    .option('plan-refresh-interval-ms', {
      type: 'number',
      default: 60_000,
      describe: "With --plan: how often the plan's globs are matched again against the source's tables",
    })
    .option('two-way', {
      type: 'boolean',
      default: false,
      describe:
        'Both tables writable: replicate source (side A) to destination (side B) and back, converging on the highest version of each key (README: Two-way replication)',
    })
    .option('marker-prefix', {
      type: 'string',
      default: '_ddbr',
      describe:
        'With --two-way: the prefix of the marker attributes every item carries (<prefix>_v, <prefix>_h)',
    })
    .option('tombstone-hours', {
      type: 'number',
      default: 48,
      describe:
        "With --two-way: how long a delete's tombstone is kept; longer than the stream's retention plus the longest lag",
    });
}

export type ReplicateArgs = Awaited<ReturnType<typeof replicateFlags>['argv']>;
