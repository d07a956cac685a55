// Pure: one entry of a plan with `defaults` merged in, field by field (an entry's field wins; null clears a
// default), the mistakes that can be seen without listing any table (globs, excludes, placeholders), and the
// flags a selected source table gets: those `replicate` would get on its command line. A fan-out's list of
// `destinations` merges the same way, one level deeper: defaults.destination under each element, and the
// entry's rules under each element's (an element's field wins; null clears).
import type { CredentialFlags } from '../config/credential-source.js';
import type { FanOutFlags } from '../config/replication-config.js';
import { parseTableArn, plainTableName } from '../config/table-arn.js';
import { entryLabel, type PlanMistake } from './plan-error.js';
import type { PlanDefaults, PlanEntry } from './plan-schema.js';
import {
  directionTaskName,
  refusedForTwoWay,
  swapSides,
  TWO_WAY_REFUSAL_REASON,
  type TwoWayDirectionName,
} from '../config/two-way-flags.js';
import { ConfigError } from '../errors/replicator-error.js';
import { DEFAULT_MARKER_PREFIX, markerNames } from '../twoway/markers.js';
import { DEFAULT_TOMBSTONE_HORIZON_MS } from '../twoway/tombstone.js';
import { FLAG_FIELDS } from './plan-fields.js';
import type { PlanTaskFlags, PlanTaskOptions, PlanTwoWay } from './plan-task.js';
import { globMistake, isGlob } from './table-glob.js';

/** A destination table and where it is, with defaults.destination merged in. */
export interface MergedDestination {
  /** May hold `{name}`; undefined is a mistake entryMistakes reports. */
  readonly table?: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly credentials: CredentialFlags;
  readonly createTable?: boolean;
  readonly streamViewType?: string;
  readonly kmsKey?: string;
  readonly copyTags?: boolean;
}

/** What is done to the changes on their way to one destination. */
export type PlanRules = Pick<
  PlanTaskOptions,
  'filter' | 'transform' | 'excludeAttributes' | 'renameAttributes' | 'ttlDeletes'
>;

/** One destination of a fan-out, with its rules (the entry's, where its element sets none). */
export interface MergedFanOutDestination extends MergedDestination {
  readonly rules: PlanRules;
}

export interface MergedEntry {
  readonly index: number;
  /** The source table, a table ARN or a glob. */
  readonly table: string;
  readonly glob: boolean;
  readonly exclude: readonly string[];
  readonly source: {
    readonly region?: string;
    readonly endpoint?: string;
    readonly streamsEndpoint?: string;
    readonly credentials: CredentialFlags;
  };
  /** The first (or only) destination. */
  readonly destination: MergedDestination;
  /**
   * The entry's `destinations` (a fan-out), each with its rules; [0] is `destination`. Empty when the entry
   * gives `destination` (whose rules are those in `options`).
   */
  readonly destinations: readonly MergedFanOutDestination[];
  readonly lease: {
    readonly region?: string;
    readonly endpoint?: string;
    /** Undefined: the source side's, as without --lease-* flags. */
    readonly credentials: CredentialFlags | undefined;
  };
  readonly options: PlanTaskOptions;
  /** May hold `{name}`. */
  readonly taskName?: string;
  readonly enableStream: boolean;
  /** `mode: two-way`: the pair's settings; undefined for one-way replication. */
  readonly twoWay: { readonly markerPrefix: string; readonly tombstoneHorizonMs: number } | undefined;
}

export const NAME_PLACEHOLDER = '{name}';

export function mergeEntry(
  defaults: PlanDefaults | null | undefined,
  entry: PlanEntry,
  index: number,
): MergedEntry {
  const d = defaults ?? {};
  const ds = d.source ?? {};
  const dd = d.destination ?? {};
  const dl = d.lease ?? {};
  const es = entry.source;
  const ed = entry.destination ?? entry.destinations?.[0] ?? {};
  const el = entry.lease ?? {};
  const table = es.table;
  // An ARN names its region: a region from defaults would only contradict it.
  const sourceRegion =
    parseTableArn(table) === undefined ? pick(es.region, ds.region) : (es.region ?? undefined);
  const credentials = (
    entrySide: { profile?: string | null; roleArn?: string | null; externalId?: string | null },
    defaultSide: { profile?: string | null; roleArn?: string | null; externalId?: string | null },
  ): CredentialFlags =>
    defined({
      profile: pick(entrySide.profile, defaultSide.profile),
      roleArn: pick(entrySide.roleArn, defaultSide.roleArn),
      externalId: pick(entrySide.externalId, defaultSide.externalId),
    });
  const leaseCredentials = credentials(el, dl);
  const options: PlanTaskOptions = defined({
    startPosition: pick(entry.startPosition, d.startPosition),
    batchSize: pick(entry.batchSize, d.batchSize),
    pollIntervalMs: pick(entry.pollIntervalMs, d.pollIntervalMs),
    checkpointIntervalMs: pick(entry.checkpointIntervalMs, d.checkpointIntervalMs),
    bootstrap: pick(entry.bootstrap, d.bootstrap),
    segments: pick(entry.segments, d.segments),
    maxWriteRate: pick(entry.maxWriteRate, d.maxWriteRate),
    maxReadRate: pick(entry.maxReadRate, d.maxReadRate),
    copyConcurrency: pick(entry.copyConcurrency, d.copyConcurrency),
    copyMode: pick(entry.copyMode, d.copyMode),
    filter: pick(entry.filter, d.filter),
    transform: pick(entry.transform, d.transform),
    excludeAttributes: pick(entry.excludeAttributes, d.excludeAttributes),
    renameAttributes: pick(entry.renameAttributes, d.renameAttributes),
    ttlDeletes: pick(entry.ttlDeletes, d.ttlDeletes),
    onReject: pick(entry.onReject, d.onReject),
    deadLetterTable: pick(entry.deadLetterTable, d.deadLetterTable),
  });
  const destinationOf = (own: NonNullable<PlanEntry['destination']>): MergedDestination => ({
    ...defined({
      table: pick(own.table, dd.table),
      region: pick(own.region, dd.region),
      endpoint: pick(own.endpoint, dd.endpoint),
      createTable: pick(own.createTable, dd.createTable),
      streamViewType: pick(own.streamViewType, dd.streamViewType),
      kmsKey: pick(own.kmsKey, dd.kmsKey),
      copyTags: pick(own.copyTags, dd.copyTags),
    }),
    credentials: credentials(own, dd),
  });
  const destinations = (entry.destinations ?? []).map((element): MergedFanOutDestination => ({
    ...destinationOf(element),
    rules: defined({
      filter: pick(element.filter, options.filter),
      transform: pick(element.transform, options.transform),
      excludeAttributes: pick(element.excludeAttributes, options.excludeAttributes),
      renameAttributes: pick(element.renameAttributes, options.renameAttributes),
      ttlDeletes: pick(element.ttlDeletes, options.ttlDeletes),
    }),
  }));
  return {
    index,
    table,
    glob: isGlob(table),
    exclude: es.exclude ?? [],
    source: {
      ...defined({
        region: sourceRegion,
        endpoint: pick(es.endpoint, ds.endpoint),
        streamsEndpoint: pick(es.streamsEndpoint, ds.streamsEndpoint),
      }),
      credentials: credentials(es, ds),
    },
    destination: destinationOf(ed),
    destinations,
    lease: {
      ...defined({ region: pick(el.region, dl.region), endpoint: pick(el.endpoint, dl.endpoint) }),
      credentials: Object.keys(leaseCredentials).length === 0 ? undefined : leaseCredentials,
    },
    options,
    ...defined({ taskName: entry.taskName ?? undefined }),
    enableStream: pick(entry.enableStream, d.enableStream) === true,
    twoWay:
      pick(entry.mode, d.mode) === 'two-way'
        ? {
            markerPrefix: pick(entry.markerPrefix, d.markerPrefix) ?? DEFAULT_MARKER_PREFIX,
            tombstoneHorizonMs: Math.round(
              (pick(entry.tombstoneHours, d.tombstoneHours) ?? DEFAULT_TOMBSTONE_HORIZON_MS / 3_600_000) *
                3_600_000,
            ),
          }
        : undefined,
  };
}

/** What is wrong with an entry before any table is listed; empty when nothing is. */
export function entryMistakes(entry: MergedEntry): PlanMistake[] {
  const label = entryLabel(entry.index, entry.table);
  const found: string[] = [];
  if (entry.glob && entry.table.startsWith('arn:')) {
    found.push(
      `source.table ${JSON.stringify(entry.table)} is an ARN with a glob: a glob selects from the tables the source credentials' account lists; name another account's tables one by one by ARN`,
    );
  } else if (entry.glob) {
    const bad = globMistake(entry.table);
    if (bad !== undefined) found.push(`source.table ${JSON.stringify(entry.table)} ${bad}`);
  } else if (entry.exclude.length > 0) {
    found.push(
      `source.exclude only applies to a glob: source.table ${JSON.stringify(entry.table)} names one table`,
    );
  }
  entry.exclude.forEach((pattern, i) => {
    const bad = globMistake(pattern);
    if (bad !== undefined) found.push(`source.exclude[${i}] ${JSON.stringify(pattern)} ${bad}`);
  });
  if (entry.destinations.length === 0) {
    const destination = entry.destination.table;
    if (destination === undefined) {
      found.push(
        'destination.table is missing: name the destination table ("{name}" for the source table\'s own name), here or in defaults.destination',
      );
    } else {
      found.push(...placeholderMistakes(destination, 'destination.table', entry.glob));
    }
  } else {
    found.push(...fanOutMistakes(entry));
  }
  if (entry.taskName !== undefined) {
    found.push(...placeholderMistakes(entry.taskName, 'taskName', entry.glob));
  }
  const deadLetterTable = entry.options.deadLetterTable;
  if (deadLetterTable !== undefined) {
    found.push(...placeholderMistakes(deadLetterTable, 'deadLetterTable', entry.glob));
  }
  if (entry.twoWay !== undefined) found.push(...twoWayMistakes(entry, entry.twoWay.markerPrefix));
  return found.map((what) => ({ where: label, what }));
}

/** What `replicate --two-way` would refuse of the entry's flags, in the plan's words. */
function twoWayMistakes(entry: MergedEntry, markerPrefix: string): string[] {
  const found: string[] = [];
  const refused = refusedForTwoWay({
    ...taskFlags(entry, entry.table),
    fanOut: entry.destinations.length > 1,
  });
  if (refused.length > 0) {
    const fields = refused.map((flag) =>
      flag === 'fan-out'
        ? 'destinations'
        : flag === 'lease-credentials'
          ? 'lease'
          : (FLAG_FIELDS[`--${flag}`] ?? flag),
    );
    found.push(
      `mode two-way does not take ${[...new Set(fields)].join(', ')} (set in the entry or its defaults; null clears a default): ${TWO_WAY_REFUSAL_REASON}`,
    );
  }
  try {
    markerNames(markerPrefix);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    found.push(err.message.replace('marker prefix', 'markerPrefix'));
  }
  return found;
}

/** A two-way entry's task for one direction: B→A's flags are the entry's with the sides swapped. */
export function directionOf(
  entry: MergedEntry,
  sourceTable: string,
  direction: TwoWayDirectionName,
): {
  flags: PlanTaskFlags;
  twoWay: PlanTwoWay;
} {
  const pair = entry.twoWay;
  if (pair === undefined) throw new TypeError('directionOf: a one-way entry');
  const base = taskFlags(entry, sourceTable);
  const other: TwoWayDirectionName = direction === 'a-b' ? 'b-a' : 'a-b';
  const own = direction === 'a-b' ? base : swapSides(base);
  return {
    flags: { ...own, taskName: directionTaskName(base.taskName, direction) },
    twoWay: {
      side: direction === 'a-b' ? 'a' : 'b',
      otherTaskName: directionTaskName(base.taskName, other),
      markerPrefix: pair.markerPrefix,
      tombstoneHorizonMs: pair.tombstoneHorizonMs,
    },
  };
}

/** A fan-out's own mistakes: each element's table, one table named twice, dead letters for several tables. */
function fanOutMistakes(entry: MergedEntry): string[] {
  const found: string[] = [];
  const seen = new Map<string, number>();
  entry.destinations.forEach((destination, i) => {
    const field = `destinations[${i}].table`;
    const table = destination.table;
    if (table === undefined) {
      found.push(
        `${field} is missing: name this destination's table ("{name}" for the source table's own name), here or in defaults.destination`,
      );
      return;
    }
    found.push(...placeholderMistakes(table, field, entry.glob));
    const key = JSON.stringify([table, destination.region ?? null, destination.endpoint ?? null]);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else {
      found.push(
        `destinations[${first}].table and ${field} are both ${JSON.stringify(table)}${destination.region === undefined ? '' : ` in region ${destination.region}`}: every write would reach it twice; name each destination table once`,
      );
    }
  });
  if (entry.destinations.length > 1 && entry.options.onReject === 'dead-letter') {
    found.push(
      `onReject dead-letter does not work with several destinations yet: use onReject stop for this entry, or one entry per destination`,
    );
  }
  return found;
}

/** The flags `replicate` would get for one source table of this entry (a glob's selected table, or its own). */
export function taskFlags(entry: MergedEntry, sourceTable: string): PlanTaskFlags {
  const name = plainTableName(sourceTable);
  const [first, ...more] = entry.destinations;
  // The first destination's rules are the task's own (a fan-out's first element may set or clear the entry's).
  const rules: PlanRules = first?.rules ?? entry.options;
  return defined({
    sourceTable,
    sourceRegion: entry.source.region,
    sourceEndpoint: entry.source.endpoint,
    sourceStreamsEndpoint: entry.source.streamsEndpoint,
    sourceCredentials: entry.source.credentials,
    destTable: entry.destination.table?.replaceAll(NAME_PLACEHOLDER, name),
    destRegion: entry.destination.region,
    destEndpoint: entry.destination.endpoint,
    destCredentials: entry.destination.credentials,
    leaseRegion: entry.lease.region,
    leaseEndpoint: entry.lease.endpoint,
    leaseCredentials: entry.lease.credentials,
    taskName: entry.taskName?.replaceAll(NAME_PLACEHOLDER, name),
    createDestTable: entry.destination.createTable,
    destStreamViewType: entry.destination.streamViewType,
    destKmsKey: entry.destination.kmsKey,
    copyTags: entry.destination.copyTags,
    ...entry.options,
    filter: rules.filter,
    transform: rules.transform,
    excludeAttributes: rules.excludeAttributes,
    renameAttributes: rules.renameAttributes,
    ttlDeletes: rules.ttlDeletes,
    deadLetterTable: entry.options.deadLetterTable?.replaceAll(NAME_PLACEHOLDER, name),
    fanOut: more.length === 0 ? undefined : more.map((destination) => fanOutFlags(destination, name)),
  });
}

/** A further destination's flags, as `--dest-*` would name it, with its own rules. */
function fanOutFlags(destination: MergedFanOutDestination, name: string): FanOutFlags {
  return defined({
    destTable: destination.table?.replaceAll(NAME_PLACEHOLDER, name),
    destRegion: destination.region,
    destEndpoint: destination.endpoint,
    destCredentials: destination.credentials,
    createDestTable: destination.createTable,
    destStreamViewType: destination.streamViewType,
    destKmsKey: destination.kmsKey,
    copyTags: destination.copyTags,
    ...destination.rules,
  });
}

/** What a field without {name} would make the tables of a glob share. */
const SHARED: Readonly<Record<string, string>> = {
  taskName: 'task name',
  deadLetterTable: 'dead-letter table (their keys would mix)',
};

function placeholderMistakes(value: string, field: string, glob: boolean): string[] {
  const others = [...value.matchAll(/\{[^}]*\}/g)].map((m) => m[0]).filter((p) => p !== NAME_PLACEHOLDER);
  if (others.length > 0) {
    return [
      `${field} ${JSON.stringify(value)} holds ${others.join(', ')}: only {name} (the source table's name) is replaced`,
    ];
  }
  if (glob && !value.includes(NAME_PLACEHOLDER)) {
    return [
      `${field} ${JSON.stringify(value)} has no {name}: every table the glob selects would get the same ${SHARED[field] ?? 'destination'}; write e.g. "{name}" or "{name}-copy"`,
    ];
  }
  return [];
}

/** An entry's value wins over the default's; null (in either) is no value. */
function pick<T>(entryValue: T | null | undefined, defaultValue: T | null | undefined): T | undefined {
  return entryValue === undefined ? (defaultValue ?? undefined) : (entryValue ?? undefined);
}

/** The object without its undefined fields, so that a task's flags hold only what the plan says. */
function defined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
