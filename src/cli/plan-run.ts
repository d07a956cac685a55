// `replicate --plan` and `bootstrap --plan`: every table pair of a plan in this one process (app/plan-runner.ts),
// with the process's flags (worker id, memory, write slots, timings, metrics, logs) and each task's from the plan.
// Until SIGTERM/SIGINT (exit 0, or 1 listing the tasks that failed), or until every task has ended on its own
// (exit 1 when any failed; `bootstrap` ends once every copy is done); a mistake in the plan is exit 2, one line.
// `bootstrap --plan` shows one progress display for all its copies (bootstrap/plan-copy-progress.ts).
import { dirname, resolve as resolvePath } from 'node:path';
import { buildBootstrapOptions } from '../bootstrap/bootstrap-options.js';
import { PlanCopyProgress } from '../bootstrap/plan-copy-progress.js';
import { PlanRunner, type PlanOutcome, type PlanTaskSetup } from '../app/plan-runner.js';
import { prepareTwoWay, twoWayDirections, twoWaySink, type TwoWayDirection } from '../app/twoway-setup.js';
import { swapSides } from '../config/two-way-flags.js';
import type { Side } from '../twoway/version-stamp.js';
import { Semaphore } from '../util/semaphore.js';
import {
  buildReplicationConfig,
  checkMetricsHost,
  type FanOutFlags,
  type ReplicationConfig,
  type ReplicationFlags,
} from '../config/replication-config.js';
import { checkRange } from '../config/flag-checks.js';
import { createLogger, silentLogger, type Logger } from '../observability/logger.js';
import type { ReplicatorMetrics } from '../observability/metrics.js';
import { reportPlanProgress } from '../observability/progress-reporter.js';
import {
  serveWithStatusPage,
  taskTables,
  writtenPerShard,
} from '../observability/status-page/status-wiring.js';
import { checkStreams, taskLabel } from '../plan/check-streams.js';
import { loadPlan } from '../plan/load-plan.js';
import type { PlanTask, PlanTwoWay } from '../plan/plan-task.js';
import { planNamesProfile } from '../plan/plan-tasks.js';
import { resolvePlan } from '../plan/resolve-plan.js';
import { loadKnownProfiles } from './credential-flags.js';
import { EXIT_CONFIG, EXIT_FAILED, EXIT_OK } from './exit-codes.js';
import { refuseWithPlan, TABLE_PAIR_FLAGS } from './plan-flag.js';
import { planRuleFlags } from './plan-rule-flags.js';
import type { ReplicateArgs } from './replicate-flags.js';
import { commandSessionName } from './session-name.js';
import { onStopSignals } from './stop-signals.js';

/** The flags that name one task and so have no place beside a plan (its entries say them per pair). */
const TASK_FLAGS = [
  ...TABLE_PAIR_FLAGS,
  'source-streams-endpoint',
  'task-name',
  'lease-region',
  'lease-endpoint',
  'lease-profile',
  'lease-role-arn',
  'lease-external-id',
  'dest-stream-view-type',
  'dest-kms-key',
  'filter',
  'transform',
  'exclude-attributes',
  'rename-attributes',
  'dead-letter-table',
] as const;

export async function runPlan(
  file: string,
  args: ReplicateArgs,
  commandLogger: Logger,
  copyOnly: boolean,
): Promise<number> {
  refuseWithPlan(args, TASK_FLAGS);
  const { copies, logger } = copyDisplay(args, commandLogger, copyOnly);
  const plan = await loadPlan(file);
  const profiles = await loadKnownProfiles(planNamesProfile(plan));
  checkRange(args['plan-refresh-interval-ms'], 1_000, 86_400_000, '--plan-refresh-interval-ms');
  checkRange(args['task-write-concurrency'] ?? 1, 1, 256, '--task-write-concurrency');
  checkMetricsHost(args['metrics-host']);
  const environment = { env: process.env, profiles, logger, sessionName: commandSessionName('replicate') };
  // The process's own settings, the same for every task; each task adds its tables and options from the plan.
  const processFlags = {
    workerId: args['worker-id'],
    writeConcurrency: args['write-concurrency'],
    maxBufferMb: args['max-buffer-mb'],
    failoverMs: args['failover-ms'],
    shardSyncIntervalMs: args['shard-sync-interval-ms'],
    maxPollIntervalMs: args['max-poll-interval-ms'],
    shutdownTimeoutMs: args['shutdown-timeout-ms'],
    metricsPort: args['metrics-port'],
    metricsHost: args['metrics-host'],
    stallTimeoutMs: args['stall-timeout-ms'],
    // One progress line for the whole plan (and the copies' own lines), not one per task.
    progressIntervalMs: 0,
  };
  const besidePlan = (path: string): string => resolvePath(dirname(resolvePath(file)), path);
  // Each task's name in the plan's words, for the status page (as `status --plan` shows it).
  const labels = new Map<string, string>();
  const setup = (task: PlanTask): PlanTaskSetup => {
    // The plan's value for the task, else the command line's (its own default included).
    const own = task.flags;
    const flags: ReplicationFlags = {
      ...processFlags,
      ...own,
      startPosition: own.startPosition ?? (args['start-position'] === 'latest' ? 'latest' : 'trim-horizon'),
      batchSize: own.batchSize ?? args['batch-size'],
      pollIntervalMs: own.pollIntervalMs ?? args['poll-interval-ms'],
      checkpointIntervalMs: own.checkpointIntervalMs ?? args['checkpoint-interval-ms'],
      createDestTable: own.createDestTable === true || args['create-dest-table'],
      copyTags: own.copyTags === true || args['copy-tags'],
      // A plan's files are found beside it, wherever the command runs.
      filter: own.filter?.startsWith('@') === true ? `@${besidePlan(own.filter.slice(1))}` : own.filter,
      transform: own.transform === undefined ? undefined : besidePlan(own.transform),
      ttlDeletes: own.ttlDeletes ?? args['ttl-deletes'],
      fanOut: planFanOutFlags(own.fanOut, file, args),
      onReject: own.onReject ?? args['on-reject'],
      // One table name for every task would mix their keys: the plan names it per entry, if at all.
      deadLetterTable: own.deadLetterTable,
    };
    const config = buildReplicationConfig(flags, process.env, profiles);
    labels.set(
      config.taskName,
      `${taskLabel(plan, task)}${task.twoWay === undefined ? '' : ` (two-way, ${task.twoWay.side === 'a' ? 'A→B' : 'B→A'})`}`,
    );
    if (task.twoWay !== undefined) return twoWayTaskSetup(task.twoWay, flags, config);
    const copy = copyOnly || own.bootstrap === true || args.bootstrap;
    return {
      config,
      bootstrap: copy
        ? {
            ...buildBootstrapOptions({
              copyOnly,
              segments: own.segments ?? args.segments,
              maxWriteRate: own.maxWriteRate ?? args['max-write-rate'],
              maxReadRate: own.maxReadRate ?? args['max-read-rate'],
              copyConcurrency: own.copyConcurrency ?? args['copy-concurrency'],
              copyMode: own.copyMode ?? args['copy-mode'],
              progressIntervalMs: args['progress-interval-ms'],
              // Many copies at once: never a bar each, fighting over one terminal. Under the plan's bar, as under
              // a single copy's, the per-segment lines go to debug.
              progressBar: copies?.bar === true,
            }),
            // `bootstrap --plan`: every copy reports to the plan's one display. `replicate --plan`: each copy
            // logs its own lines, beside the plan's replication `progress` line.
            progressSink: copies?.display.task(config.taskName, config.source.tableName),
          }
        : undefined,
    };
  };
  /** Each two-way task's direction, by task name, for its start-up checks. */
  const directions = new Map<string, TwoWayDirection>();
  /** A direction of a two-way entry: its sink writes both sides, and its twin is the other direction. */
  const twoWayTaskSetup = (
    pair: PlanTwoWay,
    flags: ReplicationFlags,
    config: ReplicationConfig,
  ): PlanTaskSetup => {
    const other = buildReplicationConfig(
      { ...swapSides(flags), taskName: pair.otherTaskName },
      process.env,
      profiles,
    );
    // B is named as the plan names it (destination.*), whichever direction reads it.
    const asB = (c: ReplicationConfig): ReplicationConfig => ({
      ...c,
      source: { ...c.source, namedBy: '--dest' as const },
      destination: { ...c.destination, namedBy: '--source' as const },
    });
    const direction: TwoWayDirection =
      pair.side === 'a'
        ? { side: 'a', config, other: asB(other) }
        : { side: 'b', config: asB(config), other };
    directions.set(config.taskName, direction);
    return {
      config: direction.config,
      bootstrap: undefined,
      sink: twoWaySink(direction, pair),
      partner: other.taskName,
      side: direction.side,
    };
  };
  const shared = {
    memory: new Semaphore(args['max-buffer-mb'] * 1024 * 1024),
    writeSlots: new Semaphore(args['write-concurrency']),
  };
  // Every choice of the first resolution is logged; a later one (every refresh) logs only what changed.
  let logged = new Set<string>();
  const resolveQuietly = async (signal: AbortSignal): Promise<readonly PlanTask[]> => {
    const first = logged.size === 0;
    const resolution = await resolvePlan(
      plan,
      { ...environment, logger: first ? logger : silentLogger() },
      signal,
    );
    const now = new Set<string>();
    for (const choice of resolution.choices) {
      const key = JSON.stringify([choice.msg, choice.fields]);
      now.add(key);
      if (!first && !logged.has(key)) logger[choice.level](choice.fields, choice.msg);
    }
    logged = now;
    return resolution.tasks;
  };
  // Loaded only when asked for: prom-client costs start-up time every worker would otherwise pay.
  const metrics =
    args['metrics-port'] === undefined
      ? undefined
      : new (await import('../observability/metrics.js')).ReplicatorMetrics();
  const runner = new PlanRunner({
    resolve: (signal) => resolveQuietly(signal),
    setup,
    prepare: async (task, taskSetup, signal) => {
      const direction = directions.get(taskSetup.config.taskName);
      if (task.twoWay !== undefined && direction !== undefined) {
        // Both streams with both images, one key, the tables of ours: checked (and created) by either direction.
        const { config, other } = direction;
        const pair =
          direction.side === 'a' ? twoWayDirections(config, other) : twoWayDirections(other, config);
        await prepareTwoWay(pair, task.twoWay, logger, signal, environment.sessionName);
        return 'start';
      }
      const { ready } = await checkStreams(plan, [task], { ...environment, enable: true }, signal);
      if (ready.length > 0) return 'start';
      copies?.display.skipped(taskSetup.config.taskName);
      return 'skip';
    },
    resources: shared,
    taskWriteConcurrency: args['task-write-concurrency'] ?? args['write-concurrency'],
    refreshIntervalMs: copyOnly ? 0 : args['plan-refresh-interval-ms'],
    logger,
    metrics,
  });
  const twoWaySides = {
    get: (name: string): Side | undefined => directions.get(name)?.side,
  };
  return runWithSignals(runner, { logger, metrics, copies: copies?.display, labels, twoWaySides }, args);
}

/**
 * A fan-out's further destinations as `replicate --plan` runs them, each as its first destination is run: its
 * filter file and transform module beside the plan, and the command line's --create-dest-table, --copy-tags and
 * --ttl-deletes where the plan says nothing.
 */
export function planFanOutFlags(
  fanOut: readonly FanOutFlags[] | undefined,
  planFile: string,
  args: Pick<ReplicateArgs, 'create-dest-table' | 'copy-tags' | 'ttl-deletes'>,
): FanOutFlags[] | undefined {
  return fanOut?.map((more) => ({
    ...more,
    createDestTable: more.createDestTable === true || args['create-dest-table'],
    copyTags: more.copyTags === true || args['copy-tags'],
    ...planRuleFlags(more, planFile, args['ttl-deletes']),
  }));
}

/**
 * `bootstrap --plan`'s display: a bar by the rule a single `bootstrap` follows (stderr a terminal, logs not JSON),
 * else lines. Under the bar the logger erases the bar's line before each of its lines (the bar is drawn again at
 * its next tick), so that the tasks' lines do not run on after it.
 */
function copyDisplay(
  args: ReplicateArgs,
  logger: Logger,
  copyOnly: boolean,
): { copies: { display: PlanCopyProgress; bar: boolean } | undefined; logger: Logger } {
  if (!copyOnly) return { copies: undefined, logger };
  const format = args['log-format'];
  const bar = process.stderr.isTTY && format !== 'json';
  const shown = bar
    ? createLogger({
        level: args['log-level'],
        format: format === 'pretty' ? 'pretty' : 'auto',
        // Called only when a line is logged, after `display` exists.
        beforeLine: () => display.clearLine(),
      })
    : logger;
  const display = new PlanCopyProgress({ bar, intervalMs: args['progress-interval-ms'], logger: shown });
  return { copies: { display, bar }, logger: shown };
}

export async function runWithSignals(
  runner: PlanRunner,
  {
    logger,
    metrics,
    copies,
    labels,
    twoWaySides,
  }: {
    readonly logger: Logger;
    readonly metrics: ReplicatorMetrics | undefined;
    readonly copies: PlanCopyProgress | undefined;
    readonly labels: ReadonlyMap<string, string>;
    /** The two-way directions among the tasks, by task name: the side each reads. */
    readonly twoWaySides: Pick<ReadonlyMap<string, Side>, 'get'>;
  },
  args: ReplicateArgs,
): Promise<number> {
  const removeSignals = onStopSignals(
    logger,
    () => runner.stop(),
    'stopping every task: flushing and checkpointing',
  );
  const background = new AbortController();
  let metricsServer: { close(): void } | undefined;
  let polling: Promise<void> = Promise.resolve();
  try {
    const port = args['metrics-port'];
    if (port !== undefined && metrics !== undefined) {
      const served = await serveWithStatusPage({
        registry: metrics.registry,
        port,
        host: args['metrics-host'],
        health: () => runner.health(),
        mode: 'plan',
        tasks: () =>
          [...runner.configs()].map(([name, config]) =>
            taskTables(config, labels.get(name) ?? name, twoWaySides.get(name)),
          ),
        written: () =>
          new Map([...runner.trackers()].map(([name, tracker]) => [name, writtenPerShard(tracker)])),
        logger,
        sessionName: commandSessionName('replicate'),
        signal: background.signal,
      });
      metricsServer = served.server;
      polling = served.polling;
    }
    // `bootstrap --plan` replicates nothing: the copies' display is its only progress.
    copies?.start(runner);
    const progress =
      copies !== undefined
        ? Promise.resolve()
        : reportPlanProgress(
            { trackers: () => runner.trackers(), states: () => runner.states() },
            logger,
            args['progress-interval-ms'],
            background.signal,
          );
    let outcome: PlanOutcome;
    try {
      outcome = await runner.run();
    } catch (err) {
      // The run's error (a plan mistake, exit 2) is the last word, not a summary of copies that never ran.
      await copies?.stop();
      throw err;
    } finally {
      background.abort();
      await progress;
    }
    await copies?.stop(outcome);
    return exitCode(outcome, logger);
  } finally {
    background.abort();
    await polling;
    metricsServer?.close();
    removeSignals();
  }
}

/** 0 when no task failed; 2 when every task failed its startup checks; else 1, with the failed tasks listed. */
function exitCode(outcome: PlanOutcome, logger: Logger): number {
  const { failures } = outcome;
  if (failures.length === 0) {
    logger.info({ tasks: outcome.tasks }, 'stopped');
    return EXIT_OK;
  }
  const list = failures.map((f) => `${f.taskName} (${f.message})`).join('; ');
  logger.fatal(`${failures.length} of ${outcome.tasks} tasks failed: ${list}`);
  return failures.length === outcome.tasks && failures.every((f) => f.config) ? EXIT_CONFIG : EXIT_FAILED;
}
