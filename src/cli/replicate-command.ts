// `ddb-replicator replicate`: flags -> config -> one worker, until SIGTERM/SIGINT (clean stop, exit 0) or an
// error it cannot retry (exit 1), or a configuration mistake found at start (exit 2, one line).
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Argv } from 'yargs';
import { Replicator } from '../app/replicator.js';
import { buildBootstrapOptions, type BootstrapOptions } from '../bootstrap/bootstrap-options.js';
import {
  buildReplicationConfig,
  DEFAULT_STALL_TIMEOUT_MS,
  STREAM_VIEW_TYPES,
  type ReplicationConfig,
} from '../config/replication-config.js';
import { EventBus } from '../observability/events.js';
import { HealthMonitor } from '../observability/health-monitor.js';
import { logEvents } from '../observability/log-events.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { reportProgress } from '../observability/progress-reporter.js';
import { ProgressTracker } from '../observability/progress-tracker.js';
import { errorMessage } from '../errors/replicator-error.js';
import { exitCodeFor, reportFailure } from './report-failure.js';
import { anyProfile, credentialArgs, credentialFlags, loadKnownProfiles } from './credential-flags.js';
import { planFlag } from './plan-flag.js';
import { onStopSignals } from './stop-signals.js';
import { runPlan } from './plan-run.js';
import { tableFlags, tableFlagValues } from './table-flags.js';
import { EXIT_OK } from './exit-codes.js';
import { commandSessionName } from './session-name.js';
import {
  serveWithStatusPage,
  taskTables,
  writtenPerShard,
} from '../observability/status-page/status-wiring.js';

export function defaultWorkerId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function replicateFlags<T>(yargs: Argv<T>) {
  return planFlag(credentialFlags(tableFlags(yargs), ['lease']))
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
      describe: 'Wait before polling a shard that had no new records',
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
    });
}

export type ReplicateArgs = Awaited<ReturnType<typeof replicateFlags>['argv']>;

export async function configFromArgs(args: ReplicateArgs): Promise<ReplicationConfig> {
  const profiles = await loadKnownProfiles(anyProfile(args, ['source', 'destination', 'lease']));
  return buildReplicationConfig(
    {
      ...tableFlagValues(args),
      sourceStreamsEndpoint: args['source-streams-endpoint'],
      taskName: args['task-name'],
      leaseRegion: args['lease-region'],
      leaseEndpoint: args['lease-endpoint'],
      workerId: args['worker-id'],
      // yargs has checked the choice; this narrows the type.
      startPosition: args['start-position'] === 'latest' ? 'latest' : 'trim-horizon',
      batchSize: args['batch-size'],
      writeConcurrency: args['write-concurrency'],
      maxBufferMb: args['max-buffer-mb'],
      pollIntervalMs: args['poll-interval-ms'],
      checkpointIntervalMs: args['checkpoint-interval-ms'],
      failoverMs: args['failover-ms'],
      shardSyncIntervalMs: args['shard-sync-interval-ms'],
      progressIntervalMs: args['progress-interval-ms'],
      shutdownTimeoutMs: args['shutdown-timeout-ms'],
      metricsPort: args['metrics-port'],
      metricsHost: args['metrics-host'],
      stallTimeoutMs: args['stall-timeout-ms'],
      leaseCredentials: credentialArgs(args, 'lease'),
      createDestTable: args['create-dest-table'],
      destStreamViewType: args['dest-stream-view-type'],
      destKmsKey: args['dest-kms-key'],
      copyTags: args['copy-tags'],
    },
    process.env,
    profiles,
  );
}

/** The copy's settings from the same flags; `copyOnly` for the `bootstrap` command. */
export function bootstrapOptionsFromArgs(args: ReplicateArgs, copyOnly: boolean): BootstrapOptions {
  return buildBootstrapOptions({
    copyOnly,
    segments: args.segments,
    maxWriteRate: args['max-write-rate'],
    maxReadRate: args['max-read-rate'],
    copyConcurrency: args['copy-concurrency'],
    progressIntervalMs: args['progress-interval-ms'],
    // A bar redrawn in place only for a person at a terminal; log lines otherwise.
    progressBar: process.stderr.isTTY ? logFormat(args['log-format']) !== 'json' : false,
  });
}

function logFormat(value: string): 'auto' | 'json' | 'pretty' {
  return value === 'json' || value === 'pretty' ? value : 'auto';
}

export async function runReplicate(args: ReplicateArgs): Promise<number> {
  const logger = createLogger({ level: args['log-level'], format: logFormat(args['log-format']) });
  try {
    if (args.plan !== undefined) return await runPlan(args.plan, args, logger, false);
    const config = await configFromArgs(args);
    return await replicate(
      config,
      logger,
      args.bootstrap ? bootstrapOptionsFromArgs(args, false) : undefined,
    );
  } catch (err) {
    reportFailure(err, logger);
    return exitCodeFor(err);
  }
}

/** Runs one worker with signal handling; resolves with the process exit code. */
export async function replicate(
  config: ReplicationConfig,
  logger: Logger,
  bootstrap?: BootstrapOptions,
): Promise<number> {
  const events = new EventBus((err) => logger.error({ err: errorMessage(err) }, 'event listener failed'));
  logEvents(events, logger);
  const tracker = new ProgressTracker(events);
  const replicator = new Replicator({ config, events, logger, bootstrap, tracker });
  const health = new HealthMonitor({
    snapshot: () => ({ tasks: [replicator.health()], stopping: replicator.status === 'STOPPING' }),
    logger,
  });
  const background = new AbortController();
  const removeSignals = onStopSignals(
    logger,
    () => replicator.stop(),
    'stopping: flushing and checkpointing',
  );
  let metricsServer: { close(): void } | undefined;
  let polling: Promise<void> = Promise.resolve();
  try {
    if (config.metricsPort !== undefined) {
      // Loaded only when asked for: prom-client costs start-up time every worker would otherwise pay.
      const { ReplicatorMetrics } = await import('../observability/metrics.js');
      const metrics = new ReplicatorMetrics();
      metrics.attach(config.taskName, events, tracker, () => replicator.heldShards().length, {
        unownedShards: () => replicator.unownedShards(),
      });
      metrics.watchProcess({ health: () => health.verdict(), buffer: replicator.bufferMemory });
      const served = await serveWithStatusPage({
        registry: metrics.registry,
        port: config.metricsPort,
        host: config.metricsHost,
        health: () => health.verdict(),
        mode: 'task',
        tasks: () => [taskTables(config)],
        written: () => new Map([[config.taskName, writtenPerShard(tracker)]]),
        logger,
        sessionName: commandSessionName('replicate'),
        signal: background.signal,
      });
      metricsServer = served.server;
      polling = served.polling;
    }
    const progress = reportProgress(tracker, logger, config.progressIntervalMs, background.signal);
    const checking = health.run(background.signal);
    try {
      await replicator.run();
    } finally {
      background.abort();
      await Promise.all([progress, checking, polling]);
    }
    logger.info({ recordsWritten: tracker.snapshot().recordsWritten }, 'stopped');
    return EXIT_OK;
  } finally {
    // Also when the server could not start: the poller stops with the rest.
    background.abort();
    await polling;
    metricsServer?.close();
    removeSignals();
  }
}
