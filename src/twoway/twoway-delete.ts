// An app delete seen in one side's stream, applied by the rule of the README ("Two-way replication"): tombstones
// on both sides first (a put racing the delete loses from then on), a put of the other side that reached this table
// since the app's delete marked and deleted, then the other side's item marked (only if lower) and deleted (only
// while it holds the mark). And the undoing of a put of the other side that landed below this side's tombstone.
// Every refused condition that means a write lost is recorded in the conflict log.
import { DeleteItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { Item } from '../stream/change-record.js';
import {
  deleteMarked,
  deleteOriginNames,
  markArrivedDeleting,
  markDeleting,
  raiseTombstone,
  recordDeleteOrigin,
  type DirectionTargets,
} from './conditional-apply.js';
import type { HybridClock } from './hybrid-clock.js';
import { deleteReplacedVersion } from './lost-writes.js';
import { digestOf, isMarkedDeleting, matchesItsStamp, readStamp, type Markers } from './markers.js';
import type { TwoWayFlush, TwoWayRequests, TwoWaySide } from './twoway-requests.js';
import type { Side } from './version-stamp.js';

export interface TwoWayDeletesDeps {
  /** The side whose stream this direction reads. */
  readonly side: Side;
  readonly local: TwoWaySide;
  readonly remote: TwoWaySide;
  readonly markers: Markers;
  readonly clock: HybridClock;
}

export class TwoWayDeletes {
  readonly #deps: TwoWayDeletesDeps;
  readonly #io: TwoWayRequests;
  readonly #targets: DirectionTargets;

  constructor(deps: TwoWayDeletesDeps, io: TwoWayRequests, targets: DirectionTargets) {
    this.#deps = deps;
    this.#io = io;
    this.#targets = targets;
  }

  /** An app delete: tombstones on both sides, then the other side's item marked and deleted if it is lower. */
  async apply(keys: Item, origin: string, seen: string | undefined, flush: TwoWayFlush): Promise<void> {
    const { clock, local, remote } = this.#deps;
    // A delete keeps its stamp when its record is read again (a stop before the checkpoint): a new, higher stamp
    // would delete what the other side wrote since, there and not here.
    const side = this.#deps.side;
    const names = deleteOriginNames(side);
    const earlier = await this.#io.tombstone(local, keys, flush);
    const kept = earlier?.[names.origin]?.S === origin ? earlier[names.stamp]?.S : undefined;
    const stamp = kept ?? clock.nextStamp();
    if (kept === undefined) {
      await this.#io.attempt(
        local.client,
        new UpdateItemCommand(recordDeleteOrigin(this.#targets.localTombstones, keys, side, origin, stamp)),
        flush,
      );
    }
    // This side's tombstone first: a put of the other side racing the delete here loses from now on.
    await this.#io.attempt(
      local.client,
      new UpdateItemCommand(raiseTombstone(this.#targets.localTombstones, keys, stamp)),
      flush,
    );
    await this.#io.attempt(
      remote.client,
      new UpdateItemCommand(raiseTombstone(this.#targets.remoteTombstones, keys, stamp)),
      flush,
    );
    // A put of the other side may have reached this table since the app's delete: it is below the delete.
    const other = this.#deps.side === 'a' ? 'b' : 'a';
    const arrived = await this.#io.attempt<{ Attributes?: Item }>(
      local.client,
      new UpdateItemCommand(markArrivedDeleting(this.#targets.local, keys, stamp, other)),
      flush,
    );
    if ('ok' in arrived) {
      await this.#io.attempt(
        local.client,
        new DeleteItemCommand(deleteMarked(this.#targets.local, keys, stamp)),
        flush,
      );
      await this.#lostToDelete(local, keys, arrived.ok.Attributes, stamp, flush);
    }
    const mark = await this.#io.attempt<{ Attributes?: Item }>(
      remote.client,
      new UpdateItemCommand({ ...markDeleting(this.#targets.remote, keys, stamp), ReturnValues: 'ALL_OLD' }),
      flush,
    );
    if ('ok' in mark) {
      // The app deleted what it saw; another stamped version there was written without seeing the delete.
      const old = mark.ok.Attributes;
      if (deleteReplacedVersion(old, seen, this.#deps.markers)) {
        await this.#lostToDelete(remote, keys, old, stamp, flush);
      }
    } else {
      const found = mark.refused;
      if (found === undefined) return; // nothing to delete there
      const foundStamp = readStamp(found, this.#deps.markers);
      if (!(foundStamp === stamp && isMarkedDeleting(found, this.#deps.markers))) {
        await this.#io.conflict(
          remote,
          keys,
          { kind: 'delete', stamp, digest: undefined },
          { kind: isMarkedDeleting(found, this.#deps.markers) ? 'delete' : 'put', stamp: foundStamp },
          flush,
        );
        return;
      }
    }
    const deleted = await this.#io.attempt(
      remote.client,
      new DeleteItemCommand(deleteMarked(this.#targets.remote, keys, stamp)),
      flush,
    );
    if ('refused' in deleted && deleted.refused !== undefined) {
      // Written over between the mark and the delete, by a higher version: the delete lost.
      const foundStamp = readStamp(deleted.refused, this.#deps.markers);
      await this.#io.conflict(
        remote,
        keys,
        { kind: 'delete', stamp, digest: undefined },
        { kind: 'put', stamp: foundStamp },
        flush,
      );
    }
  }

  async #lostToDelete(
    where: TwoWaySide,
    keys: Item,
    old: Item | undefined,
    stamp: string,
    flush: TwoWayFlush,
  ): Promise<void> {
    const { markers } = this.#deps;
    // An app write not yet stamped there is recorded from that side's stream (lost-writes.ts).
    if (old === undefined || !matchesItsStamp(old, markers)) return;
    await this.#io.conflict(
      where,
      keys,
      { kind: 'put', stamp: readStamp(old, markers), digest: digestOf(old, markers) },
      { kind: 'delete', stamp },
      flush,
    );
  }

  /**
   * Deletes (mark, then delete) a put of the other side below this side's tombstone. The mark takes only a version
   * of the other side below the tombstone, as the delete's own does: the record may be read long after the put
   * (this direction behind, or a replay), when the item is an app write made since. An unstamped one took no stamp
   * yet and may have replaced a version above the tombstone: marking it would take the table below that version.
   */
  async undoStalePut(keys: Item, tombstone: string | undefined, flush: TwoWayFlush): Promise<void> {
    const { local } = this.#deps;
    if (tombstone === undefined) return;
    const other = this.#deps.side === 'a' ? 'b' : 'a';
    const mark = await this.#io.attempt<{ Attributes?: Item }>(
      local.client,
      new UpdateItemCommand(markArrivedDeleting(this.#targets.local, keys, tombstone, other)),
      flush,
    );
    if (!('ok' in mark)) return; // gone, or newer since
    await this.#io.attempt(
      local.client,
      new DeleteItemCommand(deleteMarked(this.#targets.local, keys, tombstone)),
      flush,
    );
    await this.#lostToDelete(local, keys, mark.ok.Attributes, tombstone, flush);
  }
}
