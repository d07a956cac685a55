// Pure: one entry of a plan with `defaults` merged in, field by field (an entry's field wins; null clears a
// default), the mistakes that can be seen without listing any table (globs, excludes, placeholders), and the
// flags a selected source table gets: those `replicate` would get on its command line.
import type { CredentialFlags } from '../config/credential-source.js';
import { parseTableArn, plainTableName } from '../config/table-arn.js';
import { entryLabel, type PlanMistake } from './plan-error.js';
import type { PlanDefaults, PlanEntry } from './plan-schema.js';
import type { PlanTaskFlags, PlanTaskOptions } from './plan-task.js';
import { globMistake, isGlob } from './table-glob.js';

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
  readonly destination: {
    /** May hold `{name}`; undefined is a mistake entryMistakes reports. */
    readonly table?: string;
    readonly region?: string;
    readonly endpoint?: string;
    readonly credentials: CredentialFlags;
    readonly createTable?: boolean;
    readonly streamViewType?: string;
    readonly kmsKey?: string;
    readonly copyTags?: boolean;
  };
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
  const ed = entry.destination ?? {};
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
    filter: pick(entry.filter, d.filter),
    transform: pick(entry.transform, d.transform),
    excludeAttributes: pick(entry.excludeAttributes, d.excludeAttributes),
    renameAttributes: pick(entry.renameAttributes, d.renameAttributes),
    ttlDeletes: pick(entry.ttlDeletes, d.ttlDeletes),
    onReject: pick(entry.onReject, d.onReject),
    deadLetterTable: pick(entry.deadLetterTable, d.deadLetterTable),
  });
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
    destination: {
      ...defined({
        table: pick(ed.table, dd.table),
        region: pick(ed.region, dd.region),
        endpoint: pick(ed.endpoint, dd.endpoint),
        createTable: pick(ed.createTable, dd.createTable),
        streamViewType: pick(ed.streamViewType, dd.streamViewType),
        kmsKey: pick(ed.kmsKey, dd.kmsKey),
        copyTags: pick(ed.copyTags, dd.copyTags),
      }),
      credentials: credentials(ed, dd),
    },
    lease: {
      ...defined({ region: pick(el.region, dl.region), endpoint: pick(el.endpoint, dl.endpoint) }),
      credentials: Object.keys(leaseCredentials).length === 0 ? undefined : leaseCredentials,
    },
    options,
    ...defined({ taskName: entry.taskName ?? undefined }),
    enableStream: pick(entry.enableStream, d.enableStream) === true,
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
  const destination = entry.destination.table;
  if (destination === undefined) {
    found.push(
      'destination.table is missing: name the destination table ("{name}" for the source table\'s own name), here or in defaults.destination',
    );
  } else {
    found.push(...placeholderMistakes(destination, 'destination.table', entry.glob));
  }
  if (entry.taskName !== undefined) {
    found.push(...placeholderMistakes(entry.taskName, 'taskName', entry.glob));
  }
  const deadLetterTable = entry.options.deadLetterTable;
  if (deadLetterTable !== undefined) {
    found.push(...placeholderMistakes(deadLetterTable, 'deadLetterTable', entry.glob));
  }
  return found.map((what) => ({ where: label, what }));
}

/** The flags `replicate` would get for one source table of this entry (a glob's selected table, or its own). */
export function taskFlags(entry: MergedEntry, sourceTable: string): PlanTaskFlags {
  const name = plainTableName(sourceTable);
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
    deadLetterTable: entry.options.deadLetterTable?.replaceAll(NAME_PLACEHOLDER, name),
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
