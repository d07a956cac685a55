// Which write lost, when a write of the replicators replaces something (pure; the sink records what these return
// in the conflict log). Two kinds of version can be replaced, and each is recorded by whoever can see it surely:
// - a stamped version (its content matches its stamp): by the replicator write that replaced it, from the item its
//   conditional write returned or read (it is the only writer that knows it replaced that version);
// - an app write not yet stamped (unstamped, or carrying markers its content does not match: a read-modify-write
//   copy): by the direction reading that side's stream, from the record of the replicator write that replaced it,
//   whose old image is that write. The stamp of such a write may never come (it is gone, or the item changed again
//   before the stamp was tried, or the process stopped and the replay finds another item), but the record does,
//   at least once, after every restart, so the loss is recorded whatever the timing (idempotently: same item).
import type { Item } from '../stream/change-record.js';
import type { Conflict } from './conflict-log.js';
import { classifyChange, type ChangeImages } from './echo.js';
import { digestOf, isMarkedDeleting, matchesItsStamp, readStamp, type Markers } from './markers.js';
import { compareMaybeStamps } from './version-stamp.js';

/** A write that lost, as the conflict log takes it (the side is the sink's to fill in). */
export interface LostWrite {
  readonly loser: Omit<Conflict['loser'], 'side'>;
  readonly winner: Conflict['winner'];
}

/** Whether an image is an app write that was never stamped: no stamp, or content its stamp was not given to. */
export function isUnstampedAppWrite(image: Item | undefined, markers: Markers): image is Item {
  return image !== undefined && !isMarkedDeleting(image, markers) && !matchesItsStamp(image, markers);
}

/**
 * The app write a replicator write replaced on this side before it was stamped, from the stream record of that
 * replicator write (an echo: a put of the other side, or the mark of its delete). Undefined when the record is
 * not a replicator write, or replaced a stamped version (recorded by its writer), or the same content (the stamp
 * of this very write, or the other side's copy of the same content, as after a bootstrap).
 */
export function replacedAppWrite(change: ChangeImages, markers: Markers): LostWrite | undefined {
  if (change.eventName !== 'MODIFY') return undefined; // an INSERT replaced nothing; a REMOVE echo, a mark
  const { oldImage, newImage } = change;
  if (!isUnstampedAppWrite(oldImage, markers) || newImage === undefined) return undefined;
  const origin = classifyChange(change, markers);
  if (origin.kind !== 'echo') return undefined;
  const winner = readStamp(newImage, markers);
  if (origin.reason === 'marked-deleting') {
    return {
      loser: { kind: 'put', stamp: undefined, digest: digestOf(oldImage, markers) },
      winner: { kind: 'delete', stamp: winner },
    };
  }
  if (digestOf(oldImage, markers) === digestOf(newImage, markers)) return undefined;
  return {
    loser: { kind: 'put', stamp: undefined, digest: digestOf(oldImage, markers) },
    winner: { kind: 'put', stamp: winner },
  };
}

/**
 * Whether the item a put of `stamp` is about to overwrite is a stamped version below it that the put's own side
 * never saw (the put's first, narrower condition refused it): it is recorded as the loser once the put applies.
 * An unstamped item there is an app write of that side, recorded from that side's stream (replacedAppWrite).
 */
export function overwritesVersion(found: Item | undefined, stamp: string, markers: Markers): found is Item {
  return matchesItsStamp(found, markers) && compareMaybeStamps(readStamp(found, markers), stamp) < 0;
}

/**
 * Whether a delete's mark replaced (`old`, what the mark returned) a stamped version other than the one the app
 * deleted (`seen`, the stamp the deleted item held): a version written without seeing the delete. The version the
 * app deleted, a mark, and an app write not yet stamped (recorded from its side's stream) are not.
 */
export function deleteReplacedVersion(
  old: Item | undefined,
  seen: string | undefined,
  markers: Markers,
): boolean {
  return matchesItsStamp(old, markers) && readStamp(old, markers) !== seen;
}

/**
 * The app write `record` made under a delete mark it read and copied, deleted with the mark by `next`, the key's
 * next record in this stream: a REMOVE of that very item (its content, the mark's stamp). Such a REMOVE is taken for
 * the mark's delete (echo.ts), so the app's content would go unrecorded; the stamp's refusal records it too when it
 * finds the item gone (stamp-refusal.ts), but not when a later write re-created the item before the record was read
 * (a replay after a restart). An app's own delete of such an item looks the same, and is recorded the same way.
 */
export function deletedUnderMark(
  record: ChangeImages,
  next: ChangeImages | undefined,
  markers: Markers,
): LostWrite | undefined {
  const written = record.newImage;
  if (record.eventName === 'REMOVE' || written === undefined || !isMarkedDeleting(written, markers))
    return undefined;
  if (next?.eventName !== 'REMOVE' || next.oldImage === undefined) return undefined;
  const stamp = readStamp(written, markers);
  if (readStamp(next.oldImage, markers) !== stamp || !isMarkedDeleting(next.oldImage, markers))
    return undefined;
  const digest = digestOf(written, markers);
  // The same content as the item before the app's write: the app wrote back what it read (no content of its own).
  if (record.oldImage !== undefined && digestOf(record.oldImage, markers) === digest) return undefined;
  if (digestOf(next.oldImage, markers) !== digest) return undefined;
  return { loser: { kind: 'put', stamp: undefined, digest }, winner: { kind: 'delete', stamp } };
}
