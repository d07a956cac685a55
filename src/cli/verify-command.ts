// `ddb-replicator verify`: compares the source and destination tables item by item and prints what differs
// (--json for scripts); --repair fixes it. Exit 0 when the tables are equal (or, with --repair, when every
// difference found was written), 1 when differences remain, 2 for a configuration mistake (one line). With
// --plan, every pair of the plan in turn (a fan-out's source with each of its destinations), and one line per pair
// at the end. With the replication's rule flags (or a plan entry's rule fields, a fan-out destination's own), the
// destination is compared with the source as the rules make it.
import type { Argv } from 'yargs';
import { DATA_PATH, STARTUP } from '../app/aws-clients.js';
import { SideClients } from '../app/side-clients.js';
import { buildTaskSides, type TaskSides } from '../config/replication-config.js';
import type { KnownProfiles } from '../config/credential-source.js';
import { swapSides } from '../config/two-way-flags.js';
import type { PlanTaskFlags, PlanTwoWay } from '../plan/plan-task.js';
import type { TableFlags } from '../config/table-locations.js';
import { ConfigError, StoppedError } from '../errors/replicator-error.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { ProgressBar } from '../observability/progress-bar.js';
import { checkStreams, taskLabel } from '../plan/check-streams.js';
import { loadPlan } from '../plan/load-plan.js';
import { inPlanWords } from '../plan/plan-fields.js';
import { planNamesProfile } from '../plan/plan-tasks.js';
import {
  formatPlanVerify,
  planVerifyExitCode,
  planVerifyJson,
  pairWhere,
  type PairOutcome,
} from '../plan/plan-verify-report.js';
import { verifyPairFlags } from '../plan/plan-verify-pairs.js';
import { resolvePlan } from '../plan/resolve-plan.js';
import { destinationRules, expectedDestinationKey, loadRuleTransform } from '../rules/destination-rules.js';
import type { DestinationRules } from '../rules/destination-writes.js';
import type { RuleOptions } from '../rules/rule-options.js';
import type { LoadedTransform } from '../rules/transform-module.js';
import { defaultSegments } from '../scan/scan-segment.js';
import { buildVerifyConfig, type VerifyConfig, type VerifyFlags } from '../verify/verify-config.js';
import { verifyPreflight, type VerifyTables } from '../verify/verify-preflight.js';
import { VerifyRun } from '../verify/verify-run.js';
import {
  formatVerifySummary,
  summaryJson,
  verifyExitCode,
  verifyResult,
  type VerifySummary,
} from '../verify/verify-summary.js';
import { twoWayTableNames } from '../app/twoway-setup.js';
import { markerNames } from '../twoway/markers.js';
import type { Side as TwoWaySide } from '../twoway/version-stamp.js';
import { TwoWayResolver } from '../verify/two-way-resolver.js';
import { EXIT_INTERRUPTED } from './exit-codes.js';
import { twoWayOptions } from './two-way-run.js';
import { twoWaySides } from './two-way-sides.js';
import { planFlag, refuseWithPlan, TABLE_PAIR_FLAGS } from './plan-flag.js';
import { exitCodeFor, reportFailure } from './report-failure.js';
import { anyProfile, loadKnownProfiles } from './credential-flags.js';
import { planRuleFlags } from './plan-rule-flags.js';
import { ruleFlags, ruleFlagValues } from './rule-flags.js';
import { commandSessionName } from './session-name.js';
import { tableFlags, tableFlagValues } from './table-flags.js';

/** The rule flags that name one pair's rules: with --plan, its entries say them (--ttl-deletes is a default). */
const PAIR_RULE_FLAGS = ['filter', 'transform', 'exclude-attributes', 'rename-attributes'] as const;

export function verifyFlags<T>(yargs: Argv<T>) {
  return ruleFlags(planFlag(tableFlags(yargs)))
    .option('segments', {
      type: 'number',
      describe: 'Parallel scan segments per table [default: from the table size, one per 256 MiB, 4 to 1000]',
    })
    .option('max-read-rate', {
      type: 'number',
      describe: 'Items read per second, both tables together [default: no limit]',
    })
    .option('max-write-rate', {
      type: 'number',
      describe: 'Items written per second by --repair [default: no limit]',
    })
    .option('page-size', {
      type: 'number',
      default: 1000,
      describe: 'Scan page size (Limit); pages also end at 1 MB',
    })
    .option('show', {
      type: 'number',
      default: 0,
      describe: 'Print the first N keys of each kind of difference',
    })
    .option('repair', {
      type: 'boolean',
      default: false,
      describe: "Fix the differences: write the source's current item, delete extra items",
    })
    .option('recheck-delay-ms', {
      type: 'number',
      default: 2000,
      describe:
        'Wait before reading a differing item again (consistent reads); later looks wait 2x and 4x this',
    })
    .option('recheck-rounds', {
      type: 'number',
      default: 3,
      describe: 'Looks before a differing item counts as drift (more while the destination still changes)',
    })
    .option('json', { type: 'boolean', default: false, describe: 'Print the summary as JSON on stdout' })
    .option('two-way', {
      type: 'boolean',
      default: false,
      describe:
        'Compare the two sides of a replicate --two-way pair (source: side A, destination: side B), markers included; each difference is won by the higher version stamp, a delete above it, or --prefer',
    })
    .option('prefer', {
      type: 'string',
      choices: ['a', 'b'],
      describe:
        'With --two-way (or --plan, for its two-way entries): the side that wins where no version orders the two (an unstamped item on either side)',
    })
    .option('task-name', {
      type: 'string',
      describe: 'With --two-way: as given to replicate --two-way (names the tombstone tables)',
    })
    .option('marker-prefix', {
      type: 'string',
      default: '_ddbr',
      describe: 'With --two-way: as given to replicate --two-way',
    })
    .option('tombstone-hours', {
      type: 'number',
      default: 48,
      describe: 'With --two-way --repair: how long the tombstone of a delete written by the repair is kept',
    });
}

export type VerifyArgs = Awaited<ReturnType<typeof verifyFlags>['argv']>;

export async function runVerify(args: VerifyArgs): Promise<number> {
  const logger = createLogger();
  try {
    if (args['two-way']) return await verifyTwoWay(args, logger);
    if (args.plan !== undefined) {
      // --prefer applies to the plan's two-way entries.
      refuseWithPlan(args, [...TABLE_PAIR_FLAGS, ...PAIR_RULE_FLAGS, 'task-name']);
      return await verifyPlan(args.plan, args, logger);
    }
    refuseWithoutTwoWay(args);
    const profiles = await loadKnownProfiles(anyProfile(args, ['source', 'destination']));
    const config = buildVerifyConfig(
      { ...tableFlagValues(args), ...ruleFlagValues(args), ...verifyOptions(args) },
      process.env,
      profiles,
    );
    return await verify(config, { json: args.json, logger });
  } catch (err) {
    reportFailure(err, logger);
    return exitCodeFor(err);
  }
}

/** The flags that apply to every pair (the tables come from the flags or the plan). */
function verifyOptions(args: VerifyArgs): Omit<VerifyFlags, keyof TableFlags> {
  return {
    segments: args.segments,
    maxReadRate: args['max-read-rate'],
    maxWriteRate: args['max-write-rate'],
    pageSize: args['page-size'],
    show: args.show,
    repair: args.repair,
    recheckDelayMs: args['recheck-delay-ms'],
    recheckRounds: args['recheck-rounds'],
  };
}

/** The flags that only mean something with --two-way. */
const TWO_WAY_ONLY = ['prefer', 'task-name'] as const;

function refuseWithoutTwoWay(args: VerifyArgs): void {
  const given = TWO_WAY_ONLY.filter((flag) => args[flag] !== undefined);
  if (given.length === 0) return;
  throw new ConfigError(
    `${given.map((flag) => `--${flag}`).join(', ')} ${given.length === 1 ? 'is' : 'are'} for verify --two-way: add --two-way, or leave ${given.length === 1 ? 'it' : 'them'} out`,
  );
}

/** `verify --two-way`: side A (the source flags) against side B (the dest flags), each difference decided. */
async function verifyTwoWay(args: VerifyArgs, logger: Logger): Promise<number> {
  if (args.plan !== undefined) {
    throw new ConfigError(
      "--two-way names one pair with the table flags: leave out --plan (verify --plan compares a plan's two-way entries as two-way pairs)",
    );
  }
  const rules = PAIR_RULE_FLAGS.filter((flag) => args[flag] !== undefined);
  if (rules.length > 0) {
    throw new ConfigError(
      `--two-way does not take ${rules.map((flag) => `--${flag}`).join(', ')}: every item goes both ways as it is (README, "Two-way replication")`,
    );
  }
  const profiles = await loadKnownProfiles(anyProfile(args, ['source', 'destination']));
  const tables = tableFlagValues(args);
  const config = buildVerifyConfig({ ...tables, ...verifyOptions(args) }, process.env, profiles);
  const [ab, ba] = twoWaySides(tables, args['task-name'], profiles);
  const options = twoWayOptions(args);
  return verify(config, {
    json: args.json,
    logger,
    twoWay: twoWayVerify([ab, ba], options.markerPrefix, options.tombstoneHorizonMs, args),
  });
}

/** A pair's verify --two-way settings: each side's tombstone table beside the lease table of the direction reading it. */
function twoWayVerify(
  [ab, ba]: readonly [TaskSides, TaskSides],
  markerPrefix: string,
  horizonMs: number,
  args: VerifyArgs,
): TwoWayVerify {
  return {
    prefer: args.prefer as TwoWaySide | undefined,
    markerPrefix,
    horizonMs,
    tombstoneTables: {
      a: twoWayTableNames(ab.lease.tableName).tombstones,
      b: twoWayTableNames(ba.lease.tableName).tombstones,
    },
  };
}

/** What verify --two-way adds to a pair's run. */
export interface TwoWayVerify {
  readonly prefer: TwoWaySide | undefined;
  readonly markerPrefix: string;
  readonly horizonMs: number;
  /** Each side's tombstone table, on that side. */
  readonly tombstoneTables: Readonly<Record<TwoWaySide, string>>;
}

/** One verify run with signal handling; resolves with the exit code. */
export async function verify(
  config: VerifyConfig,
  options: { readonly json: boolean; readonly logger: Logger; readonly twoWay?: TwoWayVerify | undefined },
): Promise<number> {
  const { logger } = options;
  return interruptible(logger, async (signal) => {
    const summary = await verifyPair(config, { logger, twoWay: options.twoWay }, signal);
    process.stdout.write(
      options.json
        ? `${JSON.stringify(summaryJson(summary), null, 2)}\n`
        : `${formatVerifySummary(summary)}\n`,
    );
    return verifyExitCode(verifyResult(summary));
  });
}

/**
 * Compares one pair and resolves with what it found, printing nothing but its progress; rejects with
 * StoppedError when `signal` aborts first, with a ConfigError (one line) for a table it cannot compare.
 */
export async function verifyPair(
  config: VerifyConfig,
  options: { readonly logger: Logger; readonly label?: string; readonly twoWay?: TwoWayVerify | undefined },
  signal: AbortSignal,
): Promise<VerifySummary> {
  const { logger } = options;
  const clients = new SideClients(config, { logger, sessionName: commandSessionName('verify') });
  const startup = {
    source: clients.dynamo('source', STARTUP),
    destination: clients.dynamo('destination', STARTUP),
  };
  const sourceClient = clients.dynamo('source', DATA_PATH);
  const destinationClient = clients.dynamo('destination', DATA_PATH);
  let bar: ProgressBar | undefined;
  try {
    await clients.checkCredentials(['source', 'destination']);
    const loaded = await loadRuleTransform(config.rules);
    if (loaded?.changesKey === true) {
      // A destination item's source cannot be found from its key, so an extra item could not be told apart.
      throw new ConfigError(
        `transform module ${loaded.path} changes keys (changesKey = true): verify cannot find a destination item's source item from its key, so it cannot compare ${config.source.tableName} with ${config.destination.tableName} through this transform`,
      );
    }
    const tables = await verifyPreflight(
      {
        sourceClient: startup.source,
        destinationClient: startup.destination,
        source: config.source,
        destination: config.destination,
        ...(config.rules === undefined
          ? {}
          : { expectedDestinationKey: (key) => expectedDestinationKey(key, config.rules, loaded) ?? key }),
      },
      signal,
    );
    const rules =
      config.rules === undefined ? undefined : verifyRules(config, config.rules, loaded, tables, logger);
    const segments = {
      source: config.segments ?? defaultSegments(tables.sourceSizeBytes),
      destination: config.segments ?? defaultSegments(tables.destinationSizeBytes),
    };
    const progress = new ProgressBar({
      label: options.label ?? 'verify',
      total: tables.sourceItemCount,
      log: logger,
      extra: () => {
        const live = run.live();
        return { dest: live.destination, rechecking: live.rechecking, differ: live.differ };
      },
    });
    bar = progress;
    const twoWay = options.twoWay;
    let resolver: TwoWayResolver | undefined;
    const run = new VerifyRun({
      config,
      sourceClient,
      destinationClient,
      keyAttributes: tables.keyAttributes,
      rules,
      segments,
      estimatedItems: tables.sourceItemCount,
      onCompared: (n) => progress.add(n),
      ...(twoWay === undefined
        ? {}
        : {
            driftSink: (writeLimiter) => {
              resolver = new TwoWayResolver({
                sides: {
                  a: { client: sourceClient, table: config.source, tombstoneTable: twoWay.tombstoneTables.a },
                  b: {
                    client: destinationClient,
                    table: config.destination,
                    tombstoneTable: twoWay.tombstoneTables.b,
                  },
                },
                keyAttributes: tables.keyAttributes,
                markers: markerNames(twoWay.markerPrefix, tables.keyAttributes),
                prefer: twoWay.prefer,
                repair: config.repair,
                horizonMs: twoWay.horizonMs,
                show: config.show,
                writeLimiter,
              });
              return resolver;
            },
          }),
    });
    progress.start();
    const summary = await run.run(signal);
    return resolver === undefined ? summary : { ...summary, twoWay: resolver.report() };
  } finally {
    await bar?.stop();
    for (const client of [startup.source, startup.destination, sourceClient, destinationClient]) {
      client.destroy();
    }
  }
}

/** The rules verify compares with (a transform that keeps keys); says what it cannot see. */
function verifyRules(
  config: VerifyConfig,
  options: RuleOptions,
  loaded: LoadedTransform | undefined,
  tables: VerifyTables,
  logger: Logger,
): DestinationRules {
  const rules = destinationRules(options, loaded, {
    sourceTable: config.source.tableName,
    destinationTable: config.destination.tableName,
    // Only a key-changing transform needs old images, and verifyPair refused it.
    viewType: 'NEW_AND_OLD_IMAGES',
    sourceKey: tables.keySchema,
    destinationKey: tables.destinationKeySchema,
  });
  if (rules.filter !== undefined && !rules.filter.imageOnly) {
    logger.warn(
      `--filter reads more than the item (eventName, OldImage or other record fields): verify tests each source item as an INSERT, the way the bootstrap copy writes it, so items that replication let through by their changes may show as extra or missing`,
    );
  }
  if (rules.ttlDeletes === 'skip') {
    logger.info(
      "--ttl-deletes skip: destination items whose source item is gone are not counted as extra (the source's TTL may have deleted them)",
    );
  }
  return rules;
}

/**
 * `verify --plan`: every pair the plan resolves to, one after the other (the same options for each), then one
 * line per pair. A pair that cannot be compared (a table missing, access refused) is reported and the others
 * go on; exit codes as planVerifyExitCode says.
 */
async function verifyPlan(file: string, args: VerifyArgs, logger: Logger): Promise<number> {
  const plan = await loadPlan(file);
  const profiles = await loadKnownProfiles(planNamesProfile(plan));
  const deps = { logger, sessionName: commandSessionName('verify'), profiles };
  return interruptible(logger, async (signal) => {
    const { tasks } = await resolvePlan(plan, deps, signal);
    const { ready } = await checkStreams(plan, tasks, { ...deps, enable: false }, signal);
    // Every pair's settings first, so that a flag mistake ends the run before any pair is compared. A fan-out is
    // one pair per destination, each with its own rules.
    const pairs = ready.flatMap((task) => {
      const sides = buildTaskSides(task.flags, process.env, profiles);
      const taskName = sides.taskName;
      // A two-way pair is compared once, from its A→B task, by the two-way rule.
      if (task.twoWay?.side === 'b') return [];
      const twoWay =
        task.twoWay === undefined
          ? undefined
          : planTwoWayVerify(task.flags, task.twoWay, sides, profiles, args);
      const destinations = verifyPairFlags(task.flags);
      return destinations.map(({ tables, rules }) => ({
        task,
        label: taskLabel(plan, task),
        taskName,
        destinations: destinations.length,
        config: buildVerifyConfig(
          {
            ...tables,
            // A plan's rule files are found beside it, wherever the command runs.
            ...planRuleFlags(rules, file, args['ttl-deletes']),
            ...verifyOptions(args),
          },
          process.env,
          profiles,
        ),
        twoWay,
      }));
    });
    const outcomes: PairOutcome[] = [];
    for (const pair of pairs) {
      const common = {
        label: pair.label,
        taskName: pair.taskName,
        source: pair.config.source,
        destination: pair.config.destination,
        destinations: pair.destinations,
      };
      // A fan-out's lines name the destination: the entry alone would not tell its pairs apart.
      const where = pairWhere(common);
      if (signal.aborted) {
        outcomes.push({ ...common, outcome: { kind: 'interrupted' } });
        continue;
      }
      try {
        const label = `verify ${pair.config.source.tableName}${pair.destinations > 1 ? ` -> ${pair.config.destination.tableName}` : ''}`;
        const summary = await verifyPair(pair.config, { logger, label, twoWay: pair.twoWay }, signal);
        outcomes.push({ ...common, outcome: { kind: 'verified', summary } });
        logger.info(
          {
            source: pair.config.source.tableName,
            destination: pair.config.destination.tableName,
            result: verifyResult(summary),
            compared: summary.compared,
            missing: summary.missing,
            extra: summary.extra,
            different: summary.different,
          },
          `${where}: verified`,
        );
      } catch (err) {
        if (err instanceof StoppedError) {
          outcomes.push({ ...common, outcome: { kind: 'interrupted' } });
        } else if (err instanceof ConfigError) {
          const error = inPlanWords(err.message);
          logger.error(`${where}: ${error}`);
          outcomes.push({ ...common, outcome: { kind: 'failed', error } });
        } else {
          throw err;
        }
      }
    }
    if (signal.aborted) logger.warn('verify stopped before the end: pairs not reached have no verdict');
    process.stdout.write(
      args.json
        ? `${JSON.stringify(planVerifyJson(outcomes), null, 2)}\n`
        : `${formatPlanVerify(outcomes)}\n`,
    );
    return planVerifyExitCode(outcomes);
  });
}

/** What verify --two-way needs of a plan's two-way entry, from its A→B task. */
function planTwoWayVerify(
  flags: PlanTaskFlags,
  pair: PlanTwoWay,
  ab: TaskSides,
  profiles: KnownProfiles | undefined,
  args: VerifyArgs,
): TwoWayVerify {
  const ba = buildTaskSides({ ...swapSides(flags), taskName: pair.otherTaskName }, process.env, profiles);
  return twoWayVerify([ab, ba], pair.markerPrefix, pair.tombstoneHorizonMs, args);
}

/** The first SIGINT/SIGTERM aborts the signal; a second exits at once (130). */
/**
 * Runs a verify with SIGTERM/SIGINT stopping it (a second one exits at once): a run stopped before its end has no
 * verdict (exit 130).
 */
async function interruptible(logger: Logger, run: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const stop = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts += 1;
    if (interrupts > 1) process.exit(EXIT_INTERRUPTED);
    logger.warn({ signal }, 'verify interrupted: stopping');
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    return await run(stop.signal);
  } catch (err) {
    if (err instanceof StoppedError) {
      logger.warn('verify stopped before the end: no verdict');
      return EXIT_INTERRUPTED;
    }
    throw err;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
