// Whether a stream change is an echo (a write the replicators made, not to be sent back) or the app's write (to
// be stamped and sent to the other side). The replicators only ever raise an item's stamp, and give it the digest
// of the content they wrote, or DELETING just before they delete it. So a change is an echo only when its stamp
// went up AND its content is what the stamp was given to. An app that copies the markers on read-modify-write
// fails one of the two: the stamp stays (or goes down, from a stale read), or the content no longer matches the
// digest; its write is replicated, whatever the race between its read and its write. A new item (INSERT) has no
// old image to compare with, so it is compared with the key's tombstone: every put the replicators make is above
// the tombstone (conditional-apply.ts), a copy of markers read before the delete is not.
import { MalformedRecordError, type ChangeEvent, type Item } from '../stream/change-record.js';
import { digestOf, isMarkedDeleting, matchesItsStamp, readStamp, type Markers } from './markers.js';
import { compareMaybeStamps, compareStamps } from './version-stamp.js';

/** The parts of a stream change the decision reads (a ChangeRecord of a NEW_AND_OLD_IMAGES stream has them). */
export interface ChangeImages {
  readonly eventName: ChangeEvent;
  readonly oldImage?: Item | undefined;
  readonly newImage: Item | undefined;
  readonly ttlDelete?: boolean | undefined;
}

/** The key's tombstone on this side as read: `stamp` undefined when there is none. */
export interface TombstoneRead {
  readonly stamp: string | undefined;
}

export type EchoReason = 'replicated-put' | 'marked-deleting' | 'replicated-delete';
export type AppPutReason = 'unstamped' | 'stamp-not-raised' | 'content-not-stamped' | 'not-above-tombstone';

export type ChangeOrigin =
  /**
   * Not sent to the other side. For 'marked-deleting' the runtime completes the delete on this side (deleteMarked
   * with the mark's stamp, a no-op once done): a mark stands for its delete, whether a replicator made it and
   * stopped before deleting, or an app wrote back a copy of a marked item it read.
   */
  | { readonly kind: 'echo'; readonly reason: EchoReason }
  /** `seenStamp`: the stamp the new image carries, which the local stamp's condition expects (undefined: none). */
  | { readonly kind: 'app-put'; readonly reason: AppPutReason; readonly seenStamp: string | undefined }
  | { readonly kind: 'app-delete'; readonly ttl: boolean; readonly seenStamp: string | undefined };

/** Whether classifyChange needs the key's tombstone: an INSERT whose content matches its stamp. */
export function needsTombstone(change: ChangeImages, markers: Markers): boolean {
  return change.eventName === 'INSERT' && matchesItsStamp(change.newImage, markers);
}

function appPut(reason: AppPutReason, image: Item, markers: Markers): ChangeOrigin {
  return { kind: 'app-put', reason, seenStamp: readStamp(image, markers) };
}

function required(image: Item | undefined, which: string, change: ChangeImages): Item {
  if (image === undefined) {
    throw new MalformedRecordError(
      `a ${change.eventName} record without its ${which} image: two-way replication needs NEW_AND_OLD_IMAGES`,
    );
  }
  return image;
}

export function classifyChange(
  change: ChangeImages,
  markers: Markers,
  tombstone?: TombstoneRead,
): ChangeOrigin {
  if (change.eventName === 'REMOVE') {
    const oldImage = required(change.oldImage, 'old', change);
    // Only a replicator marks an item DELETING, and it deletes only an item so marked.
    if (isMarkedDeleting(oldImage, markers)) return { kind: 'echo', reason: 'replicated-delete' };
    return { kind: 'app-delete', ttl: change.ttlDelete === true, seenStamp: readStamp(oldImage, markers) };
  }
  const newImage = required(change.newImage, 'new', change);
  const stamp = readStamp(newImage, markers);
  if (stamp === undefined) return appPut('unstamped', newImage, markers);

  if (change.eventName === 'INSERT') {
    if (!matchesItsStamp(newImage, markers)) return appPut('content-not-stamped', newImage, markers);
    if (tombstone === undefined) {
      throw new TypeError('classifyChange: an INSERT that matches its stamp needs the key tombstone read');
    }
    if (tombstone.stamp !== undefined && compareStamps(stamp, tombstone.stamp) <= 0) {
      return appPut('not-above-tombstone', newImage, markers);
    }
    return { kind: 'echo', reason: 'replicated-put' };
  }

  const oldImage = required(change.oldImage, 'old', change);
  // Same stamp: the app kept (copied) the markers. Lower: it wrote back markers read before a newer write.
  if (compareMaybeStamps(stamp, readStamp(oldImage, markers)) <= 0) {
    return appPut('stamp-not-raised', newImage, markers);
  }
  if (isMarkedDeleting(newImage, markers)) {
    // The mark before a delete changes the markers only; changed content is the app's.
    if (digestOf(newImage, markers) === digestOf(oldImage, markers))
      return { kind: 'echo', reason: 'marked-deleting' };
    return appPut('content-not-stamped', newImage, markers);
  }
  if (matchesItsStamp(newImage, markers)) return { kind: 'echo', reason: 'replicated-put' };
  return appPut('content-not-stamped', newImage, markers);
}
