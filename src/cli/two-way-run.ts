// `replicate --two-way`: both tables writable. The flags' source is side A and their destination side B (each
// side with its own credentials); the process runs two tasks as a plan runs its tasks (app/plan-runner.ts): A→B
// reading A's stream and B→A reading B's, each with its own lease table (so any fleet of such processes shares
// both), each writing through the two-way sink (app/twoway-setup.ts). A direction that fails stops the other:
// exit 1, so that a supervisor restarts the pair rather than leave one direction running alone.
import { PlanRunner, type PlanTaskSetup } from '../app/plan-runner.js';
import { where } from '../app/startup-checks.js';
import {
  prepareTwoWay,
  twoWayDirections,
  twoWaySink,
  type TwoWayDirection,
  type TwoWayOptions,
} from '../app/twoway-setup.js';
import { buildReplicationConfig, checkMetricsHost } from '../config/replication-config.js';
import { checkRange } from '../config/flag-checks.js';
import {
  directionTaskName,
  refusedForTwoWay,
  swapSides,
  twoWayRefusal,
  type TwoWayDirectionName,
} from '../config/two-way-flags.js';
import { ConfigError } from '../errors/replicator-error.js';
import { directionText } from '../twoway/direction-text.js';
import type { Logger } from '../observability/logger.js';
import type { PlanTask } from '../plan/plan-task.js';
import { Semaphore } from '../util/semaphore.js';
import { anyProfile, loadKnownProfiles } from './credential-flags.js';
import { runWithSignals } from './plan-run.js';
import { flagsFromArgs } from './replicate-command.js';
import type { ReplicateArgs } from './replicate-flags.js';
import { commandSessionName } from './session-name.js';

function refuseFlags(args: ReplicateArgs): void {
  const given = refusedForTwoWay(args);
  if (given.length === 0) return;
  throw new ConfigError(twoWayRefusal(given));
}

export function twoWayOptions(args: Pick<ReplicateArgs, 'marker-prefix' | 'tombstone-hours'>): TwoWayOptions {
  checkRange(args['tombstone-hours'], 1, 24 * 366, '--tombstone-hours');
  return {
    markerPrefix: args['marker-prefix'],
    tombstoneHorizonMs: Math.round(args['tombstone-hours'] * 3_600_000),
  };
}

/** The two directions the flags name (also for `conflicts`): A→B, then B→A. */
export async function twoWayFromArgs(args: ReplicateArgs): Promise<[TwoWayDirection, TwoWayDirection]> {
  refuseFlags(args);
  const profiles = await loadKnownProfiles(anyProfile(args, ['source', 'destination']));
  const flags = flagsFromArgs(args);
  const named = (direction: TwoWayDirectionName): string | undefined =>
    directionTaskName(flags.taskName, direction);
  // One line of progress for both directions, as for a plan.
  const common = { ...flags, progressIntervalMs: 0 };
  const ab = buildReplicationConfig({ ...common, taskName: named('a-b') }, process.env, profiles);
  const swapped = buildReplicationConfig(
    { ...swapSides(common), taskName: named('b-a') },
    process.env,
    profiles,
  );
  // B→A's source is the table the user gave with --dest- flags: its errors name those.
  const ba = {
    ...swapped,
    source: { ...swapped.source, namedBy: '--dest' as const },
    destination: { ...swapped.destination, namedBy: '--source' as const },
  };
  return twoWayDirections(ab, ba);
}

export async function runTwoWay(args: ReplicateArgs, logger: Logger): Promise<number> {
  checkMetricsHost(args['metrics-host']);
  const options = twoWayOptions(args);
  const directions = await twoWayFromArgs(args);
  const [{ config: ab }, { config: ba }] = directions;
  const sessionName = commandSessionName('replicate');
  const starting = new AbortController();
  await prepareTwoWay(directions, options, logger, starting.signal, sessionName);

  const setups: PlanTaskSetup[] = directions.map((direction) => ({
    config: direction.config,
    bootstrap: undefined,
    sink: twoWaySink(direction, options),
    side: direction.side,
  }));
  const tasks: PlanTask[] = setups.map((_, entry) => ({
    entry,
    selectedBy: 'name',
    enableStream: false,
    flags: {},
  }));
  const metrics =
    args['metrics-port'] === undefined
      ? undefined
      : new (await import('../observability/metrics.js')).ReplicatorMetrics();
  const runner = new PlanRunner({
    resolve: () => Promise.resolve(tasks),
    setup: (task) => {
      const setup = setups[task.entry];
      if (setup === undefined) throw new RangeError(`no two-way direction ${task.entry}`);
      return setup;
    },
    resources: {
      memory: new Semaphore(args['max-buffer-mb'] * 1024 * 1024),
      writeSlots: new Semaphore(args['write-concurrency']),
    },
    taskWriteConcurrency: args['write-concurrency'],
    refreshIntervalMs: 0,
    logger,
    metrics,
    endTogether: true,
  });
  const labels = new Map(
    directions.map(({ side, config }) => [
      config.taskName,
      directionText(side, config.source.tableName, config.destination.tableName),
    ]),
  );
  const twoWaySides = new Map(directions.map(({ side, config }) => [config.taskName, side]));
  logger.info(
    // Where each side is: the two tables often share a name (one per region), and the names alone do not say
    // which is A.
    {
      a: `${ab.source.tableName} in ${where(ab.source)}`,
      b: `${ba.source.tableName} in ${where(ba.source)}`,
      tasks: [ab.taskName, ba.taskName],
    },
    'two-way replication starting',
  );
  return runWithSignals(runner, { logger, metrics, copies: undefined, labels, twoWaySides }, args);
}
