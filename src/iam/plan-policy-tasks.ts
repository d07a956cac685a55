// Pure: a plan's tasks as its policies see them, without listing a single table. An entry that names its table is
// the task resolvePlan makes of it (planTasks, with no listing: the same checks, the same task name and lease
// table); an entry with a glob is one task per IAM pattern of the glob (glob-patterns.ts), its destination the
// `{name}` template filled with that pattern. The policy so does not depend on the tables that exist today: a
// table created later that a glob selects is covered as it is (see glob-patterns.ts for why that matters). Each
// task is built by buildTaskSides from the flags replicate --plan gives it, so regions, credentials and the
// createTable options follow the same rules, and a plan the commands refuse is refused here in the same words. A
// fan-out's further destinations come with the task, each with its own credentials and createTable features.
import { DEFAULT_CREDENTIALS } from '../config/credential-source.js';
import {
  buildTaskSides,
  type FanOutSide,
  type TaskFlags,
  type TaskSides,
} from '../config/replication-config.js';
import { parseTableArn, plainTableName } from '../config/table-arn.js';
import { swapSides } from '../config/two-way-flags.js';
import { LEASE_TABLE_PREFIX, leaseTableName } from '../config/task-name.js';
import { buildDeadLetterOptions, type OnReject } from '../deadletter/dead-letter-options.js';
import { ConfigError } from '../errors/replicator-error.js';
import { mergeEntry, NAME_PLACEHOLDER, taskFlags, type MergedEntry } from '../plan/plan-entry.js';
import { entryLabel, planError, type PlanMistake } from '../plan/plan-error.js';
import { inPlanWords } from '../plan/plan-fields.js';
import type { Plan } from '../plan/plan-schema.js';
import type { PlanTask } from '../plan/plan-task.js';
import { planTasks, type PlanEnvironment } from '../plan/plan-tasks.js';
import { globPatterns } from './glob-patterns.js';
import type { IamFeature } from './iam-permissions.js';
import type { PolicyDestination, PolicyTable } from './identity-policies.js';
import type { PolicySide } from './side-accounts.js';

export interface PlanPolicyOptions extends PlanEnvironment {
  /** The command line's --bootstrap, --create-dest-table, --copy-tags: every task's unless its entry says so. */
  readonly bootstrap: boolean;
  readonly createDestTable: boolean;
  readonly copyTags: boolean;
  /** Further features for every task (verify, repair). */
  readonly features: readonly IamFeature[];
  /** The command line's --on-reject: every task's unless its entry says (as replicate --plan applies it). */
  readonly onReject?: OnReject | undefined;
}

export interface PlanPolicyTask {
  /** The entry it comes from, as the plan's messages name it: `replications[1] (source audit-*)`. */
  readonly label: string;
  readonly selectedBy: 'name' | 'glob';
  /** The task's sides, as buildTaskSides makes them; for a glob, table names are IAM patterns. */
  readonly sides: TaskSides;
  readonly tables: Readonly<Record<PolicySide, PolicyTable>>;
  /** The account of a source table the plan names by ARN. */
  readonly sourceAccount: string | undefined;
  readonly features: readonly IamFeature[];
  /** A fan-out's further destinations (a glob's `{name}` filled with its pattern); empty for a single pair. */
  readonly fanOut: readonly PolicyDestination[];
  /** With `onReject: dead-letter`: the dead-letter table beside the lease table (a glob's by pattern). */
  readonly deadLetterTable: string | undefined;
  /**
   * A glob's lease tables under the default task name (the MD5 of the pair, which no pattern of table names can
   * predict): named by the lease table prefix alone.
   */
  readonly leaseByPrefix: boolean;
  /** A direction of a two-way pair: the other direction's lease table (the destination's tombstones follow it). */
  readonly otherLeaseTable?: string | undefined;
  /** The destination table's account where it differs from the command's (a two-way pair's B→A). */
  readonly destinationAccount?: string | undefined;
  /**
   * A two-way pair's B→A: its source is the entry's destination (side B) and its destination side A, so the
   * command's --dest-account is its source's account and --source-account its destination's.
   */
  readonly sidesSwapped?: boolean | undefined;
}

/**
 * Stands for the table a glob selects while buildTaskSides checks the entry: a valid table name that no plan
 * uses, replaced by the glob's pattern afterwards (and by the glob in messages).
 */
const SELECTED = 'ddb-replicator-glob-selected-table';

export function planPolicyTasks(plan: Plan, options: PlanPolicyOptions): PlanPolicyTask[] {
  // Every check of a plan that needs no listing; a glob selects nothing here.
  const named = planTasks(plan, () => [], options).tasks;
  const mistakes: PlanMistake[] = [];
  const tasks: PlanPolicyTask[] = [];
  plan.replications.forEach((raw, index) => {
    const entry = mergeEntry(plan.defaults, raw, index);
    if (!entry.glob) {
      for (const task of named.filter((t) => t.entry === index)) {
        const resolved = resolvedTask(entry, task, options, mistakes);
        if (resolved !== undefined) tasks.push(resolved);
      }
      return;
    }
    const label = entryLabel(index, entry.table);
    if (entry.twoWay !== undefined) {
      mistakes.push({
        where: label,
        what: 'policy --plan does not cover a two-way entry with a glob yet: name its tables one by one, or print each pair with policy --two-way',
      });
      return;
    }
    const built = sidesOf(label, taskFlags(entry, SELECTED), options, mistakes, entry.table);
    if (built === undefined) return;
    for (const pattern of globPatterns(entry.table)) {
      const taskName = entry.taskName?.replaceAll(NAME_PLACEHOLDER, pattern);
      const sides: TaskSides = {
        ...built,
        source: { ...built.source, tableName: pattern },
        destination: {
          ...built.destination,
          tableName: built.destination.tableName.replaceAll(SELECTED, pattern),
        },
        fanOut: built.fanOut.map((target) => ({
          ...target,
          destination: {
            ...target.destination,
            tableName: target.destination.tableName.replaceAll(SELECTED, pattern),
          },
        })),
        lease: {
          ...built.lease,
          tableName: taskName === undefined ? `${LEASE_TABLE_PREFIX}*` : leaseTableName(taskName),
        },
        taskName: taskName ?? '*',
      };
      // A dead-letter table named per selected table ({name}) is checked with the stand-in name, then given the
      // glob's pattern, as the destination table is.
      const own = {
        ...entry.options,
        deadLetterTable: entry.options.deadLetterTable?.replaceAll(NAME_PLACEHOLDER, SELECTED),
      };
      const checked = deadLettersOf(label, own, sides, options, mistakes);
      if (checked === false) return;
      const deadLetters = checked?.replaceAll(SELECTED, pattern);
      const features = featuresOf(entry, sides, entry.options.bootstrap, options, deadLetters);
      tasks.push({
        label,
        selectedBy: 'glob',
        sides,
        tables: tablesOf(sides, pattern),
        sourceAccount: undefined,
        features,
        fanOut: fanOutOf(sides, features),
        deadLetterTable: deadLetters,
        leaseByPrefix: taskName === undefined,
      });
    }
  });
  if (mistakes.length > 0) throw planError(plan.file, mistakes);
  return tasks;
}

/**
 * The policy tasks of tasks resolvePlan resolved (with a listing): what a fleet needs for today's tables alone,
 * which the plan's policy must cover whatever the listing (plan-policy-set.test.ts checks it).
 */
export function resolvedPolicyTasks(
  plan: Plan,
  tasks: readonly PlanTask[],
  options: PlanPolicyOptions,
): PlanPolicyTask[] {
  const mistakes: PlanMistake[] = [];
  const resolved = tasks.flatMap((task) => {
    const raw = plan.replications[task.entry];
    if (raw === undefined) return [];
    return resolvedTask(mergeEntry(plan.defaults, raw, task.entry), task, options, mistakes) ?? [];
  });
  if (mistakes.length > 0) throw planError(plan.file, mistakes);
  return resolved;
}

/** One resolved task of an entry: a table the entry names, or one its glob selected. */
function resolvedTask(
  entry: MergedEntry,
  task: PlanTask,
  options: PlanPolicyOptions,
  mistakes: PlanMistake[],
): PlanPolicyTask | undefined {
  const selected = task.selectedBy === 'glob' ? task.flags.sourceTable : undefined;
  const label = entryLabel(entry.index, entry.table, selected);
  const sides = sidesOf(label, task.flags, options, mistakes);
  if (sides === undefined) return undefined;
  const deadLetters = deadLettersOf(label, task.flags, sides, options, mistakes);
  if (deadLetters === false) return undefined;
  const features = featuresOf(entry, sides, task.flags.bootstrap, options, deadLetters);
  const pair = task.twoWay;
  // A direction of a two-way pair: its own writes and tables (its flags refused a bootstrap and dead letters).
  const otherLeaseTable =
    pair === undefined
      ? undefined
      : sidesOf(label, { ...swapSides(task.flags), taskName: pair.otherTaskName }, options, mistakes)?.lease
          .tableName;
  return {
    ...(otherLeaseTable === undefined ? {} : { otherLeaseTable }),
    ...(pair?.side === 'b' ? { sidesSwapped: true } : {}),
    label: pair === undefined ? label : `${label} ${pair.side === 'a' ? 'A→B' : 'B→A'}`,
    selectedBy: task.selectedBy,
    sides,
    tables: tablesOf(sides, plainTableName(sides.source.tableName)),
    sourceAccount: parseTableArn(sides.source.tableName)?.account,
    features: pair === undefined ? features : [...features, 'two-way'],
    fanOut: fanOutOf(sides, features),
    deadLetterTable: deadLetters,
    leaseByPrefix: false,
  };
}

/**
 * The task's dead-letter table as replicate --plan names it (buildDeadLetterOptions: the entry's onReject, else the
 * command line's; the entry's deadLetterTable, else `<lease table>-dead-letters`), undefined with onReject stop,
 * false after a mistake.
 */
function deadLettersOf(
  label: string,
  own: { readonly onReject?: OnReject | undefined; readonly deadLetterTable?: string | undefined },
  sides: TaskSides,
  options: PlanPolicyOptions,
  mistakes: PlanMistake[],
): string | undefined | false {
  try {
    return buildDeadLetterOptions(
      { onReject: own.onReject ?? options.onReject, deadLetterTable: own.deadLetterTable },
      sides.lease.tableName,
    )?.tableName;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    mistakes.push({ where: label, what: inPlanWords(err.message) });
    return false;
  }
}

/** A task's sides by buildTaskSides, or its mistake in the plan's words (a glob's table named by the glob). */
function sidesOf(
  label: string,
  flags: TaskFlags,
  options: PlanPolicyOptions,
  mistakes: PlanMistake[],
  glob?: string,
): TaskSides | undefined {
  const given = withCommandLine(flags, options);
  if (options.copyTags && flags.copyTags !== true && given.createDestTable !== true) {
    // The command line's --copy-tags, not the plan's: said in the flag's words, as replicate --plan does.
    mistakes.push({
      where: label,
      what: '--copy-tags only applies to a table that createTable creates: add destination.createTable to the entry (or pass --create-dest-table), or leave --copy-tags out',
    });
    return undefined;
  }
  try {
    return buildTaskSides(given, options.env ?? process.env, options.profiles);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const message = glob === undefined ? err.message : err.message.replaceAll(SELECTED, glob);
    mistakes.push({ where: label, what: inPlanWords(message) });
    return undefined;
  }
}

/**
 * The command line's per-task flags where the plan says nothing, as replicate --plan applies them: to the first
 * destination and to each further one of a fan-out.
 */
function withCommandLine(flags: TaskFlags, options: PlanPolicyOptions): TaskFlags {
  return {
    ...flags,
    createDestTable: flags.createDestTable === true || options.createDestTable,
    copyTags: flags.copyTags === true || options.copyTags,
    fanOut: flags.fanOut?.map((more) => ({
      ...more,
      createDestTable: more.createDestTable === true || options.createDestTable,
      copyTags: more.copyTags === true || options.copyTags,
    })),
  };
}

/** Each further destination of a fan-out with the task's features, createTable's as its own entry says. */
function fanOutOf(sides: TaskSides, features: readonly IamFeature[]): PolicyDestination[] {
  return sides.fanOut.map((target) => ({
    table: { region: target.destination.region, table: target.destination.tableName },
    credentials: target.destination.credentials ?? DEFAULT_CREDENTIALS,
    features: destinationFeatures(features, target),
  }));
}

/** The features of a task with create-dest-table and copy-tags as one destination's createTable says. */
function destinationFeatures(features: readonly IamFeature[], target: Pick<FanOutSide, 'createDestTable'>) {
  const own: [boolean, IamFeature][] = [
    [target.createDestTable !== undefined, 'create-dest-table'],
    [target.createDestTable?.copyTags === true, 'copy-tags'],
  ];
  return [
    ...features.filter((f) => f !== 'create-dest-table' && f !== 'copy-tags'),
    ...own.flatMap(([on, feature]) => (on ? [feature] : [])),
  ];
}

function tablesOf(sides: TaskSides, sourceTable: string): Record<PolicySide, PolicyTable> {
  return {
    source: { region: sides.source.region, table: sourceTable },
    destination: { region: sides.destination.region, table: sides.destination.tableName },
    lease: { region: sides.lease.region, table: sides.lease.tableName },
  };
}

function featuresOf(
  entry: MergedEntry,
  sides: TaskSides,
  bootstrap: boolean | undefined,
  options: PlanPolicyOptions,
  deadLetterTable: string | undefined,
): IamFeature[] {
  const asked: [boolean, IamFeature][] = [
    [bootstrap === true || options.bootstrap, 'bootstrap'],
    [sides.createDestTable !== undefined, 'create-dest-table'],
    [sides.createDestTable?.copyTags === true, 'copy-tags'],
    [entry.glob, 'plan-glob'],
    [entry.enableStream, 'enable-stream'],
    [deadLetterTable !== undefined, 'dead-letter'],
  ];
  return [...options.features, ...asked.flatMap(([on, feature]) => (on ? [feature] : []))];
}
