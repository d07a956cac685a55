// Pure: what the status page shows of a direction's conflict log: how many conflicts it holds and the latest few,
// each in the words of `conflicts list` (conflict-log.ts), so that the page, `status --two-way` and `conflicts
// list` say the same thing of the same conflict.
import { conflictKeyText, conflictTableText, loserText, winnerText, type Conflict } from './conflict-log.js';
import { parseStamp, type Side } from './version-stamp.js';

/** The latest conflicts the page lists per direction (`conflicts list` prints them all). */
export const LATEST_CONFLICTS = 5;

export interface ConflictRow {
  /** When it was recorded, ISO 8601 as `conflicts list` prints it. */
  readonly at: string;
  /** The table where the loser was refused or overwritten. */
  readonly table: string;
  readonly key: string;
  readonly loserKind: Conflict['loser']['kind'];
  readonly loserSide: Side;
  readonly winnerKind: Conflict['winner']['kind'];
  /** Undefined when the winner's stamp could not be read. */
  readonly winnerSide: Side | undefined;
  /** The loser and the winner as `conflicts list` names them. */
  readonly loser: string;
  readonly winner: string;
}

export interface ConflictSummary {
  readonly count: number;
  /** Newest first. */
  readonly latest: readonly ConflictRow[];
}

export function conflictSummary(
  conflicts: readonly Conflict[],
  latest: number = LATEST_CONFLICTS,
): ConflictSummary {
  // Newest first; of two recorded in one millisecond, the later in the log's order (readConflicts: oldest first).
  const newest = conflicts
    .map((conflict, index) => ({ conflict, index }))
    .sort((x, y) => y.conflict.at - x.conflict.at || y.index - x.index)
    .slice(0, Math.max(0, latest));
  return {
    count: conflicts.length,
    latest: newest.map(({ conflict }) => ({
      at: new Date(conflict.at).toISOString(),
      table: conflictTableText(conflict),
      key: conflictKeyText(conflict),
      loserKind: conflict.loser.kind,
      loserSide: conflict.loser.side,
      winnerKind: conflict.winner.kind,
      winnerSide: conflict.winner.stamp === undefined ? undefined : parseStamp(conflict.winner.stamp)?.side,
      loser: loserText(conflict),
      winner: winnerText(conflict),
    })),
  };
}

/** The count as `status --two-way` prints it under each direction, pointing at the command that lists them all. */
export function conflictCountText(count: number): string {
  return `conflicts: ${count} (ddb-replicator conflicts list)`;
}
