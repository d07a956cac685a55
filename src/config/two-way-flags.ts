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

/** Why: the end of the one-line refusal. */
export const TWO_WAY_REFUSAL_REASON =
  'each direction\'s lease table lives with the side it reads, and every item goes both ways as it is (README, "Two-way replication")';

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
