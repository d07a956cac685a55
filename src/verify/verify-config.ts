// Pure: the validated settings of one `verify` run, from its flags. Every mistake becomes one ConfigError line
// naming the flag, as for `replicate`.
import type { KnownProfiles } from '../config/credential-source.js';
import { checkRange } from '../config/flag-checks.js';
import { tableLocations, type TableFlags, type TableLocation } from '../config/table-locations.js';
import { buildRuleOptions, type RuleFlags, type RuleOptions } from '../rules/rule-options.js';

export interface VerifyConfig {
  readonly source: TableLocation;
  readonly destination: TableLocation;
  /** Parallel scan segments per table; undefined: from each table's size (defaultSegments). */
  readonly segments: number | undefined;
  /** Items per second read, both sides together; Infinity for no limit. */
  readonly maxReadRate: number;
  /** Items per second written by --repair; Infinity for no limit. */
  readonly maxWriteRate: number;
  /** Scan page size (Limit). */
  readonly pageSize: number;
  /** Keys of each kind of difference to keep for the report. */
  readonly show: number;
  readonly repair: boolean;
  readonly recheckDelayMs: number;
  readonly recheckRounds: number;
  /** The replication's rules: the destination is compared with the source as they make it; undefined: as it is. */
  readonly rules: RuleOptions | undefined;
}

export interface VerifyFlags extends TableFlags, RuleFlags {
  readonly segments?: number | undefined;
  readonly maxReadRate?: number | undefined;
  readonly maxWriteRate?: number | undefined;
  readonly pageSize: number;
  readonly show: number;
  readonly repair: boolean;
  readonly recheckDelayMs: number;
  readonly recheckRounds: number;
}

export function buildVerifyConfig(
  flags: VerifyFlags,
  env: NodeJS.ProcessEnv = process.env,
  profiles?: KnownProfiles,
): VerifyConfig {
  const { source, destination } = tableLocations(flags, env, profiles);
  if (flags.segments !== undefined) checkRange(flags.segments, 1, 1_000_000, '--segments');
  if (flags.maxReadRate !== undefined) checkRange(flags.maxReadRate, 1, 1e9, '--max-read-rate');
  if (flags.maxWriteRate !== undefined) checkRange(flags.maxWriteRate, 1, 1e9, '--max-write-rate');
  checkRange(flags.pageSize, 1, 1_000_000, '--page-size');
  checkRange(flags.show, 0, 1_000_000, '--show');
  checkRange(flags.recheckDelayMs, 0, 3_600_000, '--recheck-delay-ms');
  checkRange(flags.recheckRounds, 1, 20, '--recheck-rounds');
  return {
    source,
    destination,
    segments: flags.segments,
    maxReadRate: flags.maxReadRate ?? Infinity,
    maxWriteRate: flags.maxWriteRate ?? Infinity,
    pageSize: flags.pageSize,
    show: flags.show,
    repair: flags.repair,
    recheckDelayMs: flags.recheckDelayMs,
    recheckRounds: flags.recheckRounds,
    rules: buildRuleOptions(flags),
  };
}
