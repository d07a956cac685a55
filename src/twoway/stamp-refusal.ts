// What a refused stamp leaves to do (pure). The stamp of an app write is refused when the item no longer holds the
// stamp the stream showed: the write was deleted, overwritten by the app (its record follows in this stream), or
// replaced by a write of the replicators, whose own record here names the write that lost (lost-writes.ts).
// Three cases still have work:
// - the item holds our own stamp of this very content, left by a run that stopped between stamping and the put on
//   the other side (the replay of the record finds it): the put is made now;
// - the app wrote its content under a delete mark it read and copied (read-modify-write of an item a replicator
//   was deleting): a replicator write that replaces such an item shows a marked old image in the stream, which
//   cannot tell the app's content from the content that was marked, so the loss is recorded from here: the item is
//   gone (the mark's delete took the app's content with it), marked by another delete, or holds the other side's
//   put. An app delete of that item looks the same from here (its REMOVE shows a marked item: an echo) and is
//   recorded as the write's loss too;
// - the other side's put replaced the app's write, or its delete marked it, with a stamp below the version the
//   write had replaced (an unstamped item takes any stamp): the table went (or is going) down the order, and that
//   version is put back.
import type { Item } from '../stream/change-record.js';
import type { Conflict } from './conflict-log.js';
import type { ChangeImages } from './echo.js';
import { digestOf, isMarkedDeleting, matchesItsStamp, readStamp, type Markers } from './markers.js';
import { compareMaybeStamps, parseStamp, type Side } from './version-stamp.js';

export type StampRefusal =
  | { readonly kind: 'send-own-stamp'; readonly stamped: Item }
  | { readonly kind: 'lost'; readonly winner: Conflict['winner'] }
  | { readonly kind: 'restore'; readonly version: Item; readonly over: Item; readonly overStamp: string }
  | { readonly kind: 'nothing'; readonly why: 'gone' | 'app-write-follows' | 'replaced' | 'stamped-later' };

/**
 * `image`: the app write the stream showed; `found`: the item the refusal returned; `side`: this side;
 * `replaced`: the stream's old image of the app write (what it replaced).
 */
export function stampRefusal(
  image: Item,
  found: Item | undefined,
  markers: Markers,
  side: Side,
  replaced?: Item,
): StampRefusal {
  const underMark = isMarkedDeleting(image, markers);
  const stamp = readStamp(found, markers);
  const own = stamp !== undefined && parseStamp(stamp)?.side === side;
  if (found === undefined) {
    if (!underMark) return { kind: 'nothing', why: 'gone' };
    return { kind: 'lost', winner: { kind: 'delete', stamp: readStamp(image, markers) } };
  }
  if (isMarkedDeleting(found, markers)) {
    // Marked again by a delete: with the stamp the app copied, that is the app's own later write of the mark.
    if (underMark && stamp !== readStamp(image, markers))
      return { kind: 'lost', winner: { kind: 'delete', stamp } };
    // The other side's delete marked the app's write (the content the stream showed) below the version that write
    // had replaced: an unstamped item takes a mark of any stamp, and the delete would take the table down the
    // order. That version is put back over the mark (the delete then finds its mark gone, and lost).
    const restore =
      !underMark && !own && digestOf(found, markers) === digestOf(image, markers)
        ? restoreBelow(found, replaced, markers)
        : undefined;
    if (restore !== undefined) return restore;
    return { kind: 'nothing', why: 'replaced' };
  }
  // Content its markers were not given to: a newer app write, stamped in its turn from its own record.
  if (!matchesItsStamp(found, markers)) return { kind: 'nothing', why: 'app-write-follows' };
  if (!own) {
    if (underMark) return { kind: 'lost', winner: { kind: 'put', stamp } };
    // The other side's put came over the app's write, but below the version that write replaced: an unstamped item
    // takes any stamp, so the table went down the order, and nothing would bring that version back here (the other
    // side has it, or higher). It is put back.
    const restore = restoreBelow(found, replaced, markers);
    if (restore !== undefined) return restore;
    return { kind: 'nothing', why: 'replaced' };
  }
  if (digestOf(found, markers) !== digestOf(image, markers)) return { kind: 'nothing', why: 'stamped-later' };
  return { kind: 'send-own-stamp', stamped: found };
}

/** A put back of `replaced` over `found`, when `found` holds a stamp below that stamped version. */
function restoreBelow(found: Item, replaced: Item | undefined, markers: Markers): StampRefusal | undefined {
  const stamp = readStamp(found, markers);
  if (stamp === undefined || replaced === undefined || !matchesItsStamp(replaced, markers)) return undefined;
  if (compareMaybeStamps(stamp, readStamp(replaced, markers)) >= 0) return undefined;
  return { kind: 'restore', version: replaced, over: found, overStamp: stamp };
}

/**
 * After a refused stamp found the item gone: the version the app's write (its content's digest, `imageDigest`)
 * had replaced (`replaced`), when the key's next record (`next`) is the other side's delete mark over that write,
 * below that version. An
 * unstamped item takes a mark of any stamp, so the delete took the table down the order; the other side keeps that
 * version or higher. Undefined otherwise (an app delete, or a next record not read yet: not known from here).
 */
export function deletedBelow(
  imageDigest: string,
  replaced: Item,
  next: ChangeImages | undefined,
  markers: Markers,
  side: Side,
): { readonly version: Item; readonly deleteStamp: string } | undefined {
  if (next?.eventName !== 'MODIFY' || next.oldImage === undefined || next.newImage === undefined)
    return undefined;
  const mark = readStamp(next.newImage, markers);
  if (mark === undefined || !isMarkedDeleting(next.newImage, markers) || parseStamp(mark)?.side === side)
    return undefined;
  if (digestOf(next.oldImage, markers) !== imageDigest) return undefined;
  if (!matchesItsStamp(replaced, markers) || compareMaybeStamps(mark, readStamp(replaced, markers)) >= 0)
    return undefined;
  return { version: replaced, deleteStamp: mark };
}

/**
 * The version an app write replaced: its old image when that is a stamped version, else (an app write of its own
 * that was never stamped) the version that one replaced, `carried`, and so on back. An INSERT replaced nothing.
 */
export function nearestVersion(
  record: ChangeImages,
  carried: Item | undefined,
  markers: Markers,
): Item | undefined {
  const old = record.oldImage;
  if (old === undefined || record.eventName !== 'MODIFY') return old;
  if (matchesItsStamp(old, markers) || carried === undefined) return old;
  return carried;
}
