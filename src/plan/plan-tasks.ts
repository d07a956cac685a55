// Pure: a plan and the table names each source side listed -> the tasks, and the log of every choice made on
// the way (table pairs, what each glob selected and excluded, a glob that selects nothing). Each task is built
// with buildTaskSides, the rules `replicate` applies to its flags, so a plan cannot name a task a plain run
// would refuse; two tasks onto one destination table (any destination of a fan-out counts) or with one task
// name (one lease table) are refused by both entries' names. Pure so that a running fleet can re-resolve the plan as tables appear (resolve-plan.ts
// does the listing).
import { credentialSource, type KnownProfiles } from '../config/credential-source.js';
import { checkEndpoint } from '../config/flag-checks.js';
import {
  buildTaskSides,
  type Location,
  type TableLocation,
  type TaskSides,
} from '../config/replication-config.js';
import { LEASE_TABLE_PREFIX } from '../config/task-name.js';
import { ConfigError } from '../errors/replicator-error.js';
import { entryLabel, planError, type PlanMistake } from './plan-error.js';
import { directionOf, mergeEntry, taskFlags, type MergedEntry } from './plan-entry.js';
import { inPlanWords } from './plan-fields.js';
import type { Plan } from './plan-schema.js';
import type { PlanTask, PlanTaskFlags, PlanTwoWay } from './plan-task.js';
import { tableMatcher } from './table-glob.js';

/** One line of the resolution's log, for the caller's logger (`logger[level](fields, msg)`). */
export interface PlanChoice {
  readonly level: 'info' | 'warn';
  readonly msg: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface PlanResolution {
  readonly tasks: readonly PlanTask[];
  readonly choices: readonly PlanChoice[];
}

/** A source side whose tables a glob selects from: listed once however many entries use it. */
export interface SourceSide {
  readonly key: string;
  readonly location: Location;
  /** The entries (indexes) whose globs select from it. */
  readonly entries: readonly number[];
}

export interface PlanEnvironment {
  /** For the regions the flags fall back to (AWS_REGION); process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
  /** The profiles of the shared files, where any entry names one (as the commands load them). */
  readonly profiles?: KnownProfiles | undefined;
}

/** The table names each source side listed (ListTables); undefined when that side was not listed. */
export type TablesOf = (side: Location) => readonly string[] | undefined;

export function sourceSideKey(location: Location): string {
  const c = location.credentials ?? {};
  return JSON.stringify([location.region, location.endpoint ?? null, c.profile, c.roleArn, c.externalId]);
}

/** The source sides the plan's globs select from, each once: what resolve-plan.ts lists. */
export function planSourceSides(plan: Plan, environment: PlanEnvironment = {}): SourceSide[] {
  const sides = new Map<string, { location: Location; entries: number[] }>();
  const mistakes: PlanMistake[] = [];
  plan.replications.forEach((raw, index) => {
    const entry = mergeEntry(plan.defaults, raw, index);
    if (!entry.glob) return;
    const location = attempt(entry, undefined, mistakes, () => globSource(entry, environment));
    if (location === undefined) return;
    const key = sourceSideKey(location);
    const side = sides.get(key) ?? { location, entries: [] };
    side.entries.push(index);
    sides.set(key, side);
  });
  if (mistakes.length > 0) throw planError(plan.file, mistakes);
  return [...sides.entries()].map(([key, side]) => ({ key, ...side }));
}

interface Candidate {
  readonly entry: MergedEntry;
  readonly sourceTable: string;
  readonly selectedBy: 'name' | 'glob';
  /** Where a glob listed it (to tell it apart from the plan's destinations). */
  readonly listedIn?: Location;
  readonly sides?: TaskSides;
  /** A direction of a two-way entry: its own flags (B→A's sides swapped) and the pair's settings. */
  readonly direction?: { readonly flags: PlanTaskFlags; readonly twoWay: PlanTwoWay };
}

/** The flags a candidate's task runs with. */
function flagsOf(c: Candidate): PlanTaskFlags {
  return c.direction?.flags ?? taskFlags(c.entry, c.sourceTable);
}

export function planTasks(plan: Plan, tablesOf: TablesOf, environment: PlanEnvironment = {}): PlanResolution {
  const env = environment.env ?? process.env;
  const mistakes: PlanMistake[] = [];
  const choices: PlanChoice[] = [];
  const candidates: Candidate[] = [];
  const globs: {
    entry: MergedEntry;
    location: Location;
    listed: number;
    matched: string[];
    excluded: string[];
  }[] = [];
  plan.replications.forEach((raw, index) => {
    const entry = mergeEntry(plan.defaults, raw, index);
    if (!entry.glob) {
      candidates.push({ entry, sourceTable: entry.table, selectedBy: 'name' });
      return;
    }
    const location = attempt(entry, undefined, mistakes, () => globSource(entry, environment));
    if (location === undefined) return;
    const listed = tablesOf(location);
    if (listed === undefined) throw new Error(`no listing of source side ${sourceSideKey(location)}`);
    const include = tableMatcher([entry.table]);
    const exclude = tableMatcher(entry.exclude);
    const matched = [...new Set(listed)].filter(include).sort();
    const excluded = matched.filter(exclude);
    globs.push({ entry, location, listed: listed.length, matched, excluded });
    for (const table of matched) {
      if (exclude(table)) continue;
      candidates.push({ entry, sourceTable: table, selectedBy: 'glob', listedIn: location });
    }
  });
  const built = candidates.map((candidate) => {
    const c =
      candidate.entry.twoWay === undefined
        ? candidate
        : { ...candidate, direction: directionOf(candidate.entry, candidate.sourceTable, 'a-b') };
    return {
      ...c,
      sides: attempt(c.entry, c, [], () => buildTaskSides(flagsOf(c), env, environment.profiles)),
    };
  });
  // A glob never selects a lease table, nor a table this plan writes to: `*` -> `{name}-copy` in one region
  // would otherwise copy each copy again, one level deeper at every re-resolution.
  const destinations = new Map<string, Candidate>();
  for (const c of built) {
    if (c.sides === undefined) continue;
    for (const destination of destinationsOf(c.sides)) destinations.set(tableKey(destination), c);
  }
  const notSources = new Map<MergedEntry, string[]>();
  const selected = built.filter((c) => {
    if (c.listedIn === undefined) return true;
    const reason = c.sourceTable.startsWith(LEASE_TABLE_PREFIX)
      ? 'a lease table'
      : destinationOf(destinations.get(tableKey({ ...c.listedIn, tableName: c.sourceTable })));
    if (reason === undefined) return true;
    notSources.set(c.entry, [...(notSources.get(c.entry) ?? []), `${c.sourceTable} (${reason})`]);
    return false;
  });
  // Each two-way pair's B→A direction follows its A→B (a glob selects side A's tables only: B's are its
  // destinations, never sources of the glob).
  const kept = selected.flatMap((c): Candidate[] => {
    if (c.direction === undefined) return [c];
    const direction = directionOf(c.entry, c.sourceTable, 'b-a');
    const twin: Candidate = {
      entry: c.entry,
      sourceTable: direction.flags.sourceTable ?? '?',
      selectedBy: c.selectedBy,
      direction,
    };
    return [
      c,
      {
        ...twin,
        sides: attempt(c.entry, c, [], () => buildTaskSides(direction.flags, env, environment.profiles)),
      },
    ];
  });
  for (const c of kept) {
    // B→A is built from the same values as its A→B: its mistakes are A→B's, reported once in the entry's words.
    if (c.sides === undefined && c.direction?.twoWay.side !== 'b') {
      attempt(c.entry, c, mistakes, () => buildTaskSides(flagsOf(c), env, environment.profiles));
    }
  }
  mistakes.push(...duplicates(kept));
  if (mistakes.length > 0) throw planError(plan.file, mistakes);

  const tasks: PlanTask[] = [];
  for (const entry of plan.replications.map((raw, index) => mergeEntry(plan.defaults, raw, index))) {
    const own = kept.filter((c) => c.entry.index === entry.index);
    const glob = globs.find((g) => g.entry.index === entry.index);
    if (glob === undefined) {
      const [c] = own;
      if (c?.sides !== undefined) choices.push(pairChoice(c, c.sides));
    } else {
      choices.push(globChoice(glob, own, notSources.get(glob.entry) ?? []));
    }
    for (const c of own) {
      tasks.push({
        entry: entry.index,
        selectedBy: c.selectedBy,
        enableStream: entry.enableStream,
        flags: flagsOf(c),
        ...(c.direction === undefined ? {} : { twoWay: c.direction.twoWay }),
      });
    }
  }
  return { tasks, choices };
}

/** The source side of a glob entry, by the rules tableLocations applies to --source-* flags. */
function globSource(entry: MergedEntry, environment: PlanEnvironment): Location {
  const env = environment.env ?? process.env;
  const credentials = credentialSource(entry.source.credentials, 'source', environment.profiles);
  const profileRegion =
    credentials.profile === undefined ? undefined : environment.profiles?.region(credentials.profile);
  const region = entry.source.region ?? profileRegion ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (region === undefined || region === '') {
    throw new ConfigError(
      "missing source.region: name the region whose tables the glob selects from (or set AWS_REGION, or a region in source.profile's profile)",
    );
  }
  return { region, endpoint: checkEndpoint(entry.source.endpoint, '--source-endpoint'), credentials };
}

/** Runs a check of the flag rules; a ConfigError becomes a mistake of the entry, in the plan's words. */
function attempt<T>(
  entry: MergedEntry,
  candidate: Candidate | undefined,
  mistakes: PlanMistake[],
  check: () => T,
): T | undefined {
  try {
    return check();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    mistakes.push({ where: labelOf(entry, candidate), what: inPlanWords(err.message) });
    return undefined;
  }
}

function labelOf(entry: MergedEntry, candidate: Candidate | undefined): string {
  return entryLabel(
    entry.index,
    entry.table,
    candidate?.selectedBy === 'glob' ? candidate.sourceTable : undefined,
  );
}

function tableKey(table: { region: string; endpoint: string | undefined; tableName: string }): string {
  return JSON.stringify([table.region, table.endpoint ?? null, table.tableName]);
}

/** Every table a task writes: its destination and a fan-out's further ones. */
function destinationsOf(sides: TaskSides): TableLocation[] {
  return [sides.destination, ...sides.fanOut.map((target) => target.destination)];
}

function destinationOf(candidate: Candidate | undefined): string | undefined {
  return candidate === undefined ? undefined : `the destination of ${labelOf(candidate.entry, candidate)}`;
}

/** A fan-out's further destination in the log: its table and where it is. */
function tableText(table: TableLocation): string {
  return `${table.tableName} (${where(table)})`;
}

function where(location: { region: string; endpoint: string | undefined }): string {
  return location.endpoint === undefined
    ? `region ${location.region}`
    : `region ${location.region} at ${location.endpoint}`;
}

/** Two tasks writing one table, or sharing one task name (hence one lease table): each pair by both entries. */
function duplicates(tasks: readonly Candidate[]): PlanMistake[] {
  const found: PlanMistake[] = [];
  const byDestination = new Map<string, Candidate>();
  const byTaskName = new Map<string, Candidate>();
  for (const c of tasks) {
    const sides = c.sides;
    if (sides === undefined) continue;
    // The tasks this one shares a destination with: their task names are then no news.
    const clashes = new Set<Candidate>();
    for (const destination of destinationsOf(sides)) {
      const key = tableKey(destination);
      const first = byDestination.get(key);
      if (first === undefined) byDestination.set(key, c);
      else if (first !== c) {
        clashes.add(first);
        found.push({
          where: '',
          what: `${labelOf(first.entry, first)} and ${labelOf(c.entry, c)} both write destination table ${destination.tableName} in ${where(destination)}: give each pair its own destination table`,
        });
      }
    }
    const named = byTaskName.get(sides.taskName);
    if (named === undefined) byTaskName.set(sides.taskName, c);
    else if (!clashes.has(named)) {
      found.push({
        where: '',
        what: `${labelOf(named.entry, named)} and ${labelOf(c.entry, c)} both have task name ${sides.taskName} (one lease table): give each its own taskName`,
      });
    }
  }
  return found;
}

function pairChoice(c: Candidate, sides: TaskSides): PlanChoice {
  return {
    level: 'info',
    msg: 'plan: table pair',
    fields: {
      entry: labelOf(c.entry, c),
      source: sides.source.tableName,
      sourceRegion: sides.source.region,
      destination: sides.destination.tableName,
      destinationRegion: sides.destination.region,
      ...(sides.fanOut.length === 0
        ? {}
        : { fanOut: sides.fanOut.map((target) => tableText(target.destination)) }),
      taskName: sides.taskName,
      ...(c.direction === undefined
        ? {}
        : { mode: 'two-way', otherTaskName: c.direction.twoWay.otherTaskName ?? '(from its pair)' }),
      ...(c.entry.enableStream ? { enableStream: true } : {}),
    },
  };
}

function globChoice(
  glob: { entry: MergedEntry; location: Location; listed: number; matched: string[]; excluded: string[] },
  selected: readonly Candidate[],
  notSources: readonly string[],
): PlanChoice {
  const fields = {
    entry: entryLabel(glob.entry.index, glob.entry.table),
    glob: glob.entry.table,
    ...(glob.entry.exclude.length === 0 ? {} : { exclude: glob.entry.exclude }),
    sourceRegion: glob.location.region,
    listed: glob.listed,
    selected: selected.map(
      (c) =>
        `${c.sourceTable} -> ${
          c.sides === undefined
            ? '?'
            : destinationsOf(c.sides)
                .map((d) => d.tableName)
                .join(', ')
        }`,
    ),
    excluded: glob.excluded,
    ...(notSources.length === 0 ? {} : { notSources }),
    ...(glob.entry.enableStream ? { enableStream: true } : {}),
  };
  if (selected.length > 0) return { level: 'info', msg: 'plan: glob selected tables', fields };
  const left = [
    glob.excluded.length === 0 ? '' : `${glob.excluded.length} excluded`,
    notSources.length === 0 ? '' : `${notSources.length} not sources: ${notSources.join(', ')}`,
  ].filter((s) => s !== '');
  return {
    level: 'warn',
    msg: `${fields.entry}: the glob selects none of the ${glob.listed} tables in ${where(glob.location)}${left.length === 0 ? '' : ` (${left.join('; ')})`}: nothing to replicate for it until a matching table appears`,
    fields,
  };
}

/** Whether any side of the plan names a profile (then the shared config files are read, as for the flags). */
export function planNamesProfile(plan: Plan): boolean {
  const sides = [
    plan.defaults?.source,
    plan.defaults?.destination,
    plan.defaults?.lease,
    ...plan.replications.flatMap((entry) => [
      entry.source,
      entry.destination,
      ...(entry.destinations ?? []),
      entry.lease,
    ]),
  ];
  return sides.some((side) => typeof side?.profile === 'string');
}
