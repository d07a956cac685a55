// Pure: which side of a two-way pair is right about a key the two tables hold differently (verify --two-way), by
// the rule the runtime converges on: the highest stamp wins, and a delete (its tombstone, or an item marked
// `delete`) above an item's stamp means the item should be absent. An item counts as stamped as the runtime's echo
// test counts it (echo.ts): an S stamp and content that matches its digest; anything else is an app write the
// runtime has not stamped yet, which no stamp can be ordered against: --prefer decides those, and without it the
// key is reported as needing a preference. A key that one side holds unstamped and the other never held (no
// delete on record) needs no preference: nothing competes with it (a bootstrap's copy, or data written before
// two-way ran).
import type { Item } from './item-compare.js';
import { isMarkedDeleting, matchesItsStamp, readStamp, type Markers } from '../twoway/markers.js';
import { compareMaybeStamps, compareStamps, type Side } from '../twoway/version-stamp.js';

export interface KeyState {
  readonly a: Item | undefined;
  readonly b: Item | undefined;
  /** The key's tombstone stamp on each side (undefined: none). */
  readonly tombstones: { readonly a: string | undefined; readonly b: string | undefined };
}

export type TwoWayDecision =
  /** Nothing to do: the sides hold the same (or both should hold nothing and do). */
  | { readonly kind: 'equal' }
  /** The winner's item goes to the other side; `stamp`: it is unstamped and is stamped first. */
  | { readonly kind: 'put'; readonly from: Side; readonly stamp: boolean; readonly preferred: boolean }
  /** The key should be absent: the items on `on` are deleted under the delete's stamp. */
  | {
      readonly kind: 'delete';
      readonly on: readonly Side[];
      readonly stamp: string;
      readonly preferred: boolean;
    }
  /** The stamps cannot order the two: --prefer decides. */
  | { readonly kind: 'needs-preference' };

/** What one side holds, as the rule sees it. */
type Held =
  | { readonly kind: 'absent' }
  /** An item a delete stamped above it should have removed (or one marked `delete`). */
  | { readonly kind: 'dead' }
  | { readonly kind: 'stamped'; readonly stamp: string }
  | { readonly kind: 'unstamped' };

function maxStamp(stamps: readonly (string | undefined)[]): string | undefined {
  return stamps.reduce<string | undefined>((max, s) => (compareMaybeStamps(s, max) > 0 ? s : max), undefined);
}

/** The highest delete on record for the key: either side's tombstone, or an item marked `delete`. */
export function deleteStamp(state: KeyState, markers: Markers): string | undefined {
  const marks = [state.a, state.b].map((item) =>
    isMarkedDeleting(item, markers) ? readStamp(item, markers) : undefined,
  );
  return maxStamp([state.tombstones.a, state.tombstones.b, ...marks]);
}

function held(item: Item | undefined, deleted: string | undefined, markers: Markers): Held {
  if (item === undefined) return { kind: 'absent' };
  if (isMarkedDeleting(item, markers)) return { kind: 'dead' };
  if (!matchesItsStamp(item, markers)) return { kind: 'unstamped' };
  const stamp = readStamp(item, markers) ?? '';
  // At or below the delete: the runtime's put is refused there, and an INSERT of it is not an echo.
  if (deleted !== undefined && compareStamps(stamp, deleted) <= 0) return { kind: 'dead' };
  return { kind: 'stamped', stamp };
}

const other = (side: Side): Side => (side === 'a' ? 'b' : 'a');

/** The winner when `--prefer` decides: the preferred side's state goes to the other side. */
function preferring(side: Side, sides: Record<Side, Held>, deleted: string | undefined): TwoWayDecision {
  const mine = sides[side];
  if (mine.kind === 'stamped' || mine.kind === 'unstamped') {
    return { kind: 'put', from: side, stamp: mine.kind === 'unstamped', preferred: true };
  }
  // The preferred side holds nothing (or a dead item): only reached with a delete on record.
  if (deleted === undefined) throw new RangeError('a preference for absence without a delete on record');
  return { kind: 'delete', on: presentOn(sides), stamp: deleted, preferred: true };
}

function presentOn(sides: Record<Side, Held>): Side[] {
  return (['a', 'b'] as const).filter((side) => sides[side].kind !== 'absent');
}

export function decideTwoWay(state: KeyState, markers: Markers, prefer: Side | undefined): TwoWayDecision {
  const deleted = deleteStamp(state, markers);
  const sides: Record<Side, Held> = {
    a: held(state.a, deleted, markers),
    b: held(state.b, deleted, markers),
  };
  const { a, b } = sides;
  const gone = (h: Held): boolean => h.kind === 'absent' || h.kind === 'dead';
  if (gone(a) && gone(b)) {
    const on = presentOn(sides);
    if (on.length === 0) return { kind: 'equal' };
    if (deleted === undefined) throw new RangeError('a dead item without a delete on record');
    return { kind: 'delete', on, stamp: deleted, preferred: false };
  }
  if (a.kind === 'stamped' && b.kind === 'stamped') {
    const order = compareStamps(a.stamp, b.stamp);
    // Equal stamps with different content: both match their digests, so a digest collided or a marker was forged.
    if (order === 0)
      return prefer === undefined ? { kind: 'needs-preference' } : preferring(prefer, sides, deleted);
    return { kind: 'put', from: order > 0 ? 'a' : 'b', stamp: false, preferred: false };
  }
  for (const side of ['a', 'b'] as const) {
    const mine = sides[side];
    const theirs = sides[other(side)];
    if (mine.kind === 'stamped' && gone(theirs))
      return { kind: 'put', from: side, stamp: false, preferred: false };
    // Unstamped against nothing at all: nothing competes with it.
    if (mine.kind === 'unstamped' && theirs.kind === 'absent' && deleted === undefined) {
      return { kind: 'put', from: side, stamp: true, preferred: false };
    }
  }
  return prefer === undefined ? { kind: 'needs-preference' } : preferring(prefer, sides, deleted);
}
