// Pure: how a direction of a two-way pair is named to people, by `status --two-way` and the status page alike:
// the sides (side A is the one the --source-* flags, or a plan entry's `source`, name) and the tables.
import type { Side } from './version-stamp.js';

/** `A → B (orders → orders-copy)` for the direction reading `side`'s stream. */
export function directionText(side: Side, sourceTable: string, destinationTable: string): string {
  const sides = side === 'a' ? 'A → B' : 'B → A';
  return `${sides} (${sourceTable} → ${destinationTable})`;
}
