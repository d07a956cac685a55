// Pure: the pairs `verify --plan` compares for one task: its source with each of its destinations, the first with
// the task's own rules, each further one of a fan-out with its own rules and located as buildTaskSides locates it
// (the fan-out's `--dest-*` beside the task's source). A fan-out is so verified destination by destination, never
// by its first destination alone.
import type { TaskFlags } from '../config/replication-config.js';
import type { TableFlags } from '../config/table-locations.js';
import type { RuleFlags } from '../rules/rule-options.js';

export interface VerifyPairFlags {
  /** The pair's two tables. */
  readonly tables: TableFlags;
  /** The rules its destination is written with, as the plan gives them (files relative to the plan). */
  readonly rules: RuleFlags;
}

export function verifyPairFlags(flags: TaskFlags & RuleFlags): VerifyPairFlags[] {
  const source: TableFlags = {
    sourceTable: flags.sourceTable,
    sourceRegion: flags.sourceRegion,
    sourceEndpoint: flags.sourceEndpoint,
    sourceCredentials: flags.sourceCredentials,
  };
  const first: VerifyPairFlags = {
    tables: {
      ...source,
      destTable: flags.destTable,
      destRegion: flags.destRegion,
      destEndpoint: flags.destEndpoint,
      destCredentials: flags.destCredentials,
    },
    rules: rulesOf(flags),
  };
  return [
    first,
    ...(flags.fanOut ?? []).map((more) => ({
      tables: {
        ...source,
        destTable: more.destTable,
        destRegion: more.destRegion,
        destEndpoint: more.destEndpoint,
        destCredentials: more.destCredentials,
      },
      rules: rulesOf(more),
    })),
  ];
}

/** The rule fields alone: the plan's copy options (segments, rates) are the copy's, not verify's. */
function rulesOf(flags: RuleFlags): RuleFlags {
  return {
    filter: flags.filter,
    transform: flags.transform,
    excludeAttributes: flags.excludeAttributes,
    renameAttributes: flags.renameAttributes,
    ttlDeletes: flags.ttlDeletes,
  };
}
