// What a refused stamp leaves to do (pure). The stamp of an app write is refused when the item no longer holds the
// stamp the stream showed: the write was deleted, overwritten by the app (its record follows in this stream), or
// replaced by a write of the replicators, whose own record here names the write that lost (lost-writes.ts). Only
// one case still has a put to make: the item holds our own stamp of this very content, left by a run that stopped
// between stamping and the put on the other side (the replay of the record finds it).
import type { Item } from '../stream/change-record.js';
import { digestOf, isMarkedDeleting, matchesItsStamp, readStamp, type Markers } from './markers.js';
import { parseStamp, type Side } from './version-stamp.js';

export type StampRefusal =
  | { readonly kind: 'send-own-stamp'; readonly stamped: Item }
  | { readonly kind: 'nothing'; readonly why: 'gone' | 'app-write-follows' | 'replaced' | 'stamped-later' };

/** `image`: the app write the stream showed; `found`: the item the refusal returned; `side`: this side. */
export function stampRefusal(
  image: Item,
  found: Item | undefined,
  markers: Markers,
  side: Side,
): StampRefusal {
  if (found === undefined) return { kind: 'nothing', why: 'gone' };
  if (isMarkedDeleting(found, markers)) return { kind: 'nothing', why: 'replaced' }; // a delete under way
  // Content its markers were not given to: a newer app write, stamped in its turn from its own record.
  if (!matchesItsStamp(found, markers)) return { kind: 'nothing', why: 'app-write-follows' };
  const stamp = readStamp(found, markers);
  if (stamp === undefined || parseStamp(stamp)?.side !== side) return { kind: 'nothing', why: 'replaced' };
  if (digestOf(found, markers) !== digestOf(image, markers)) return { kind: 'nothing', why: 'stamped-later' };
  return { kind: 'send-own-stamp', stamped: found };
}
