// `ddb-replicator replicate`: flags -> config -> one worker, until SIGTERM/SIGINT (clean stop, exit 0) or an
// error it cannot retry (exit 1), or a configuration mistake found at start (exit 2, one line).
import { Replicator } from '../app/replicator.js';
import { ConfigError } from '../errors/replicator-error.js';
import { buildBootstrapOptions, type BootstrapOptions } from '../bootstrap/bootstrap-options.js';
import { fromExportOption } from '../export/export-flag.js';
import {
  buildReplicationConfig,
  type ReplicationConfig,
  type ReplicationFlags,
} from '../config/replication-config.js';
import { EventBus } from '../observability/events.js';
import { HealthMonitor } from '../observability/health-monitor.js';
import { logEvents } from '../observability/log-events.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { reportProgress } from '../observability/progress-reporter.js';
import { ProgressTracker } from '../observability/progress-tracker.js';
import { errorMessage } from '../errors/replicator-error.js';
import { exitCodeFor, reportFailure } from './report-failure.js';
import { anyProfile, credentialArgs, loadKnownProfiles } from './credential-flags.js';
import { onStopSignals } from './stop-signals.js';
import { runPlan } from './plan-run.js';
import { runTwoWay } from './two-way-run.js';
import { tableFlagValues } from './table-flags.js';
import { ruleFlagValues } from './rule-flags.js';
import type { ReplicateArgs } from './replicate-flags.js';
import { EXIT_OK } from './exit-codes.js';
import { commandSessionName } from './session-name.js';
import {
  serveWithStatusPage,
  taskTables,
  writtenPerShard,
} from '../observability/status-page/status-wiring.js';

export async function configFromArgs(args: ReplicateArgs): Promise<ReplicationConfig> {
  const profiles = await loadKnownProfiles(anyProfile(args, ['source', 'destination', 'lease']));
  return buildReplicationConfig(flagsFromArgs(args), process.env, profiles);
}

/** The flags of one task as `replicate` takes them (the config is built from them). */
export function flagsFromArgs(args: ReplicateArgs): ReplicationFlags {
  return {
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
    maxPollIntervalMs: args['max-poll-interval-ms'],
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
    ...ruleFlagValues(args),
  };
}

/** The copy's settings from the same flags; `copyOnly` for the `bootstrap` command. */
export function bootstrapOptionsFromArgs(args: ReplicateArgs, copyOnly: boolean): BootstrapOptions {
  const options = buildBootstrapOptions({
    copyOnly,
    segments: args.segments,
    maxWriteRate: args['max-write-rate'],
    maxReadRate: args['max-read-rate'],
    copyConcurrency: args['copy-concurrency'],
    copyMode: args['copy-mode'],
    progressIntervalMs: args['progress-interval-ms'],
    // A bar redrawn in place only for a person at a terminal; log lines otherwise.
    progressBar: process.stderr.isTTY ? logFormat(args['log-format']) !== 'json' : false,
  });
  const fromExport = fromExportOption({ fromExport: args['from-export'], bootstrap: true, plan: args.plan });
  if (fromExport !== undefined && options.copyMode === 'spool') {
    throw new ConfigError(
      '--copy-mode spool does not work with --from-export (the export load replays the stream)',
    );
  }
  return fromExport === undefined ? options : { ...options, fromExport };
}

function logFormat(value: string): 'auto' | 'json' | 'pretty' {
  return value === 'json' || value === 'pretty' ? value : 'auto';
}

export async function runReplicate(args: ReplicateArgs): Promise<number> {
  const logger = createLogger({ level: args['log-level'], format: logFormat(args['log-format']) });
  try {
    fromExportOption({ fromExport: args['from-export'], bootstrap: args.bootstrap, plan: args.plan });
    if (args['two-way']) return await runTwoWay(args, logger);
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
