// Pure: what two-way replication takes of a table pair's flags, for `replicate --two-way` and a plan's
// `mode: two-way` entry alike. B→A's flags are A→B's with the sides swapped (each with its credentials), and a
// given task name becomes `<name>.a-b` and `<name>.b-a`; the flags that have no meaning for a pair are refused
// rather than half applied: each direction's lease table lives with the side it reads, and every item goes both
// ways as it is.
import type { TableFlags } from './table-locations.js';

/** The flags (camelCase, as yargs and a plan's task flags both hold them) two-way refuses. */
export const NOT_TWO_WAY = [
  'plan',
  'bootstrap',
  'fromExport',
  'createDestTable',
  'sourceStreamsEndpoint',
  'leaseRegion',
  'leaseEndpoint',
  'leaseProfile',
  'leaseRoleArn',
  'leaseExternalId',
  'leaseCredentials',
  'filter',
  'transform',
  'excludeAttributes',
  'renameAttributes',
  'deadLetterTable',
  'fanOut',
] as const;

/** The refused flags that are set (`onReject` only when it puts changes aside), in kebab case. */
export function refusedForTwoWay(flags: Readonly<Record<string, unknown>>): string[] {
  const given: string[] = NOT_TWO_WAY.filter((name) => {
    const value = flags[name];
    return value !== undefined && value !== false && value !== null;
  });
  if (flags.onReject === 'dead-letter') given.push('onReject');
  return given.map((name) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
}

/** Why: the end of a plan's one-line refusal. */
export const TWO_WAY_REFUSAL_REASON =
  'each direction\'s lease table lives with the side it reads, and every item goes both ways as it is (README, "Two-way replication")';

/** What a user does instead of each refused flag (kebab case): the refusal names the fix, not only the rule. */
const INSTEAD: Readonly<Record<string, string>> = {
  plan: 'a plan runs a pair as an entry with mode: two-way (README, "Two-way pairs in a plan")',
  bootstrap:
    'to fill an empty side B, run `ddb-replicator bootstrap` with the same table flags first, then replicate --two-way',
  'from-export':
    'to fill an empty side B, run `ddb-replicator bootstrap --from-export` first, then replicate --two-way',
  'create-dest-table':
    "create side B's table first, with the same key and a NEW_AND_OLD_IMAGES stream (aws dynamodb create-table ... --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES)",
  'copy-tags': "create side B's table first, with its tags",
  'source-streams-endpoint': "each side's stream is read at that side's --source-endpoint or --dest-endpoint",
  lease: "each direction's lease table lives with the side it reads",
  rules: 'every item goes both ways as it is',
  'dead-letters':
    'a write that loses is recorded in the conflict log (ddb-replicator conflicts list), not put aside',
  'fan-out': 'a pair has one table on each side',
};

const GROUP: Readonly<Record<string, string>> = {
  'lease-region': 'lease',
  'lease-endpoint': 'lease',
  'lease-profile': 'lease',
  'lease-role-arn': 'lease',
  'lease-external-id': 'lease',
  'lease-credentials': 'lease',
  filter: 'rules',
  transform: 'rules',
  'exclude-attributes': 'rules',
  'rename-attributes': 'rules',
  'dead-letter-table': 'dead-letters',
  'on-reject': 'dead-letters',
};

/** The one-line refusal of `--two-way` with the given refused flags (kebab case): which, and what to do instead. */
export function twoWayRefusal(
  given: readonly string[],
  command: 'replicate' | 'policy' = 'replicate',
): string {
  const flags = given.map((flag) => `--${flag}`).join(', ');
  const instead = [...new Set(given.map((flag) => GROUP[flag] ?? flag))].map((group) =>
    command === 'policy' && group === 'bootstrap'
      ? 'policy --bootstrap without --two-way prints what the one-way copy that fills an empty side B needs'
      : (INSTEAD[group] ?? TWO_WAY_REFUSAL_REASON),
  );
  return `--two-way does not take ${flags}: leave ${given.length === 1 ? 'it' : 'them'} out; ${instead.join('; ')}`;
}

/** B→A's flags from A→B's: the sides swapped, each with its credentials. */
export function swapSides<Flags extends TableFlags>(flags: Flags): Flags {
  return {
    ...flags,
    sourceTable: flags.destTable,
    sourceRegion: flags.destRegion,
    sourceEndpoint: flags.destEndpoint,
    sourceCredentials: flags.destCredentials,
    destTable: flags.sourceTable,
    destRegion: flags.sourceRegion,
    destEndpoint: flags.sourceEndpoint,
    destCredentials: flags.sourceCredentials,
  };
}

export type TwoWayDirectionName = 'a-b' | 'b-a';

/** A direction's task name: the pair's with its suffix, or undefined (then the MD5 of the direction's own pair). */
export function directionTaskName(
  taskName: string | undefined,
  direction: TwoWayDirectionName,
): string | undefined {
  return taskName === undefined ? undefined : `${taskName}.${direction}`;
}
