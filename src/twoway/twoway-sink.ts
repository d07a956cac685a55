// One direction of two-way replication as a ChangeSink: the changes read from side X's stream, written by the rule
// of the README ("Two-way replication"). An app write is stamped on X (markers only, conditional on the stamp the
// stream showed) and the item as stamped is put on Y in a transaction with Y's tombstone (remote-puts.ts); an app
// delete leaves a tombstone on both sides and marks then deletes Y's item (twoway-delete.ts); echoes are skipped.
// Every refused condition that means a write lost is recorded in the conflict log. The changes of a flush have
// distinct keys, so they go out in parallel, bounded by the write slots, and their puts to Y travel in groups of
// keys; each request is fenced by the lease and has its deadline (twoway-requests.ts). The flush resolves once
// every change's writes are done, so the checkpoint never passes a change not applied. What a refused stamp leaves
// for the key's next record, when that record is read by a later flush, is a link in this side's tombstone table
// (key-link.ts), so that a restart or a lease moving in between forgets nothing.
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { itemKey } from '../buffer/item-key.js';
import type { ChangeRecord, Item } from '../stream/change-record.js';
import type { ChangeSink } from '../writer/change-sink.js';
import type { WriteOptions, WriteOutcome } from '../writer/table-writer.js';
import {
  deleteMarked,
  directionTargets,
  putIfNewerThanTombstone,
  restoreOver,
  stampIfUnchanged,
  type DirectionTargets,
} from './conditional-apply.js';
import { classifyChange, needsTombstone, type TombstoneRead } from './echo.js';
import { readBeforeFlush, waitsForReads } from './flush-reads.js';
import type { HybridClock } from './hybrid-clock.js';
import { linkFor, takeLink, writeLink, type KeyLink } from './key-link.js';
import { deletedUnderMark, replacedAppWrite } from './lost-writes.js';
import { digestOf, isMarkedDeleting, matchesItsStamp, readStamp } from './markers.js';
import { RemotePuts } from './remote-puts.js';
import { deletedBelow, nearestVersion, stampRefusal } from './stamp-refusal.js';
import { stampStatement } from './stamp-statement.js';
import { TwoWayDeletes } from './twoway-delete.js';
import { TwoWayRequests, type TwoWayFlush, type TwoWayRequestsDeps } from './twoway-requests.js';
import { parseStamp } from './version-stamp.js';

/** What the requests need (twoway-requests.ts), and the clock, the tombstones' horizon and what TTL deletes do. */
export interface TwoWaySinkDeps extends TwoWayRequestsDeps {
  readonly clock: HybridClock;
  readonly horizonMs: number;
  readonly ttlDeletes: 'replicate' | 'skip';
}

/** One key's run of changes in a flush: the version the next app write replaced, when its old image is not it. */
interface KeyRun {
  carried: Item | undefined;
}

export class TwoWaySink implements ChangeSink {
  readonly needsOldImages = true;
  readonly needsEarlier = true;
  readonly #deps: TwoWaySinkDeps;
  readonly #targets: DirectionTargets;
  readonly #io: TwoWayRequests;
  readonly #deletes: TwoWayDeletes;
  readonly #puts: RemotePuts;

  constructor(deps: TwoWaySinkDeps) {
    this.#deps = deps;
    this.#targets = directionTargets(deps, deps.markers, deps.keyAttributes, deps.horizonMs);
    this.#io = new TwoWayRequests(deps);
    this.#deletes = new TwoWayDeletes(deps, this.#io, this.#targets);
    this.#puts = new RemotePuts(deps, this.#io, this.#targets);
  }

  get tableName(): string {
    return this.#deps.remote.tableName;
  }

  async write(changes: readonly ChangeRecord[], options: WriteOptions): Promise<WriteOutcome> {
    const flush = this.#io.open(changes.length, options);
    let puts = 0;
    let deletes = 0;
    try {
      const reads = readBeforeFlush(this.#deps, changes, flush);
      // Handled here as well: a key that waits for the reads gets their failure, and the flush with it; the keys
      // that do not wait may all be done before the reads fail.
      reads.catch(() => undefined);
      // Distinct keys: no order between them. The write slots bound the requests in flight.
      const keys = Promise.all(
        changes.map(async (change) => {
          try {
            if (waitsForReads(change, this.#deps.markers)) await reads;
            await this.#applyKey(change, flush, (applied) => {
              if (applied === 'put') puts += 1;
              if (applied === 'delete') deletes += 1;
            });
          } finally {
            flush.load.keyDone();
          }
        }),
      );
      // Every key is at work: the next flush may start beside this one (flush-chain.ts). Its changes to keys of
      // this flush wait until this one has ended, and its checkpoint comes after this one's, so per-key order and
      // the checkpoint rule hold; a flush's keys go one request after another, so waiting for the last request
      // to go out, as one-way does, would leave the write slots idle for most of a flush.
      options.onAllSent?.();
      await keys;
    } finally {
      this.#io.close(flush);
    }
    return { puts, deletes, requests: flush.requests, retries: flush.retries };
  }

  /** Every change of one key of the flush, in order. */
  async #applyKey(
    change: ChangeRecord,
    flush: TwoWayFlush,
    counted: (applied: 'put' | 'delete' | 'none') => void,
  ): Promise<void> {
    // Every change of the key in order, squashed ones included: an app write that the other side's put
    // overwrote before it was stamped is a conflict to record, and an app delete must not vanish behind
    // the put that followed it. Only an app write the app itself overwrote next is skipped.
    const { earlier, ...last } = change;
    const run = [...(earlier ?? []), last];
    const keyRun: KeyRun = { carried: await this.#followLink(run[0], flush) };
    for (const [i, record] of run.entries()) {
      // Before the skip below: a replicator write that replaced an app write not yet stamped is recorded
      // from its record, whatever follows it.
      const lost =
        replacedAppWrite(record, this.#deps.markers) ??
        deletedUnderMark(record, run[i + 1], this.#deps.markers);
      if (lost !== undefined)
        await this.#io.conflict(this.#deps.local, record.keys, lost.loser, lost.winner, flush);
      const replaced = nearestVersion(record, keyRun.carried, this.#deps.markers);
      keyRun.carried = undefined;
      if (this.#overwrittenByApp(record, run[i + 1])) {
        // The next app write replaced this one, never stamped: the version before it is the one it replaced.
        keyRun.carried = replaced;
        if (this.#deps.logger.isLevelEnabled('trace'))
          this.#deps.logger.trace(
            { key: record.keys, seq: record.sequenceNumber, event: record.eventName },
            'two-way skipped: overwritten by the app',
          );
        continue;
      }
      counted(await this.#apply(record, flush, run[i + 1], i === 0, replaced, keyRun));
    }
  }

  /**
   * What an earlier flush left for the key's first record of this one (key-link.ts), taken: the version to carry
   * as the predecessor of that record's write ('over'), or the put-back of a version the other side's delete went
   * below ('gone', done here).
   */
  async #followLink(head: ChangeRecord | undefined, flush: TwoWayFlush): Promise<Item | undefined> {
    if (head === undefined) return undefined;
    const { markers, keyAttributes, local } = this.#deps;
    const link = linkFor(flush.links.get(itemKey(head.keys, keyAttributes)), head, markers);
    if (link === undefined) return undefined;
    if (link.takenBy === undefined) {
      // Taken first, so that no later record of the key follows it; a replay of this record takes it again.
      const take = takeLink(local.tombstoneTable, head.keys, keyAttributes, head.sequenceNumber);
      if ('refused' in (await this.#io.attempt(local.client, new UpdateItemCommand(take), flush)))
        return undefined;
    }
    this.#deps.logger.debug(
      { key: head.keys, kind: link.kind, seq: head.sequenceNumber },
      'two-way link followed',
    );
    if (link.kind === 'over') return link.replaced;
    const below = deletedBelow(link.follows, link.replaced, head, markers, this.#deps.side);
    await this.#putBackBelowDelete(head.keys, below, flush);
    return undefined;
  }

  /** Leaves the key's next record, read by a later flush, what it needs of this refused write (key-link.ts). */
  async #leaveLink(keys: Item, link: Omit<KeyLink, 'takenBy'>, flush: TwoWayFlush): Promise<void> {
    const { local, keyAttributes, horizonMs } = this.#deps;
    const input = writeLink(local.tombstoneTable, keys, keyAttributes, link, Date.now(), horizonMs);
    try {
      await this.#io.attempt(local.client, new UpdateItemCommand(input), flush);
    } catch (err) {
      if (!(err instanceof Error && err.name === 'ValidationException')) throw err;
      // The version does not fit in a link item (400 KB with the link's own attributes): the flush goes on
      // without it, as before links were kept, and the log says what may follow.
      this.#deps.logger.warn(
        { key: keys, kind: link.kind, err: err.message },
        `two-way: could not keep the link of a refused stamp in ${local.tombstoneTable} (${err.message}): if the key's next record is read after a restart, the tables may differ on this key until its next write`,
      );
    }
  }

  /** What one change makes this direction write; 'put' / 'delete' when it sent one to the other side. */
  async #apply(
    change: ChangeRecord,
    flush: TwoWayFlush,
    following: ChangeRecord | undefined,
    first: boolean,
    replaced: Item | undefined,
    keyRun: KeyRun,
  ): Promise<'put' | 'delete' | 'none'> {
    const { markers, clock } = this.#deps;
    for (const image of [change.oldImage, change.newImage]) {
      const stamp = readStamp(image, markers);
      if (stamp !== undefined) clock.observe(stamp);
    }
    let tombstone: TombstoneRead | undefined;
    if (needsTombstone(change, markers)) {
      // The key's first change may take the tombstone read before the flush: it can only have risen since, which
      // is the order of events where this change was read a moment earlier. A later change of the key reads it
      // again, because an earlier change of this very run may have raised it.
      const key = itemKey(change.keys, this.#deps.keyAttributes);
      const stamp =
        first && flush.tombstones.has(key)
          ? flush.tombstones.get(key)
          : await this.#io.tombstoneStamp(this.#deps.local, change.keys, flush);
      tombstone = { stamp };
      if (tombstone.stamp !== undefined) clock.observe(tombstone.stamp);
    }
    const origin = classifyChange(change, markers, tombstone);
    const keys = change.keys;
    if (this.#deps.logger.isLevelEnabled('trace'))
      this.#deps.logger.trace(
        {
          key: keys,
          event: change.eventName,
          origin,
          old: readStamp(change.oldImage, markers),
          new: readStamp(change.newImage, markers),
          seq: change.sequenceNumber,
          oldD: change.oldImage === undefined ? undefined : digestOf(change.oldImage, markers),
          newD: change.newImage === undefined ? undefined : digestOf(change.newImage, markers),
        },
        'two-way change',
      );
    if (origin.kind === 'echo') {
      const image = change.newImage;
      const stamp = readStamp(image, markers);
      if (origin.reason === 'marked-deleting' && stamp !== undefined) {
        // A mark stands for its delete: finish it here (a no-op once the replicator that marked it did).
        await this.#io.attempt(
          this.#deps.local.client,
          new DeleteItemCommand(deleteMarked(this.#targets.local, keys, stamp)),
          flush,
        );
        return 'none';
      }
      if (
        origin.reason === 'replicated-put' &&
        image !== undefined &&
        stamp !== undefined &&
        this.#isOwn(stamp)
      ) {
        // The echo of our own stamp. Put on the other side by this process already, unless it stopped (or lost
        // the shard) between stamping and the put: then the put is made now, from the echo's image.
        if (this.#puts.sentAlready(stamp)) {
          this.#deps.logger.trace({ key: keys, stamp }, 'two-way own echo: sent already');
          return 'none';
        }
        // What the app's write carried is the nearest known version it replaced.
        const predecessor = readStamp(change.oldImage, markers);
        return (await this.#puts.put(keys, image, flush, { predecessor })) ? 'put' : 'none';
      }
      return 'none';
    }
    if (origin.kind === 'app-delete') {
      if (origin.ttl && this.#deps.ttlDeletes === 'skip') return 'none';
      await this.#deletes.apply(keys, `${this.#deps.side}:${change.sequenceNumber}`, origin.seenStamp, flush);
      return 'delete';
    }
    const image = change.newImage;
    if (image === undefined) throw new TypeError('an app put without its new image');
    if (
      origin.reason === 'not-above-tombstone' &&
      origin.seenStamp !== undefined &&
      !this.#isOwn(origin.seenStamp)
    ) {
      // A put of the other side's replicator below this side's tombstone: it reached the table between the app's
      // delete and our tombstone. The delete is newer: it is undone here, and recorded as the put that lost.
      await this.#deletes.undoStalePut(keys, tombstone?.stamp, flush);
      return 'none';
    }
    return (await this.#stampAndSend(keys, image, replaced, flush, following, keyRun)) ? 'put' : 'none';
  }

  /** Whether the next change of the key is the app's own write over this one (no replicator write between). */
  #overwrittenByApp(record: ChangeRecord, next: ChangeRecord | undefined): boolean {
    if (next === undefined || record.eventName === 'REMOVE' || next.eventName === 'INSERT') return false;
    return classifyChange(next, this.#deps.markers).kind !== 'echo';
  }

  #isOwn(stamp: string): boolean {
    return parseStamp(stamp)?.side === this.#deps.side;
  }

  /** Stamps the app's write on this side, then puts the item as stamped on the other side. */
  async #stampAndSend(
    keys: Item,
    image: Item,
    replaced: Item | undefined,
    flush: TwoWayFlush,
    following: ChangeRecord | undefined,
    keyRun: KeyRun,
  ): Promise<boolean> {
    const { markers, clock } = this.#deps;
    // What the app's write replaced is the nearest known version it saw.
    const predecessor = readStamp(replaced, markers);
    const stamp = clock.nextStamp();
    const outcome = await this.#io.stamp(
      stampIfUnchanged(this.#targets.local, keys, image, stamp),
      stampStatement(this.#targets.local, keys, image, stamp),
      flush,
    );
    if ('refused' in outcome)
      return this.#stampRefused(keys, image, replaced, outcome.refused, flush, following, keyRun);
    const stamped = outcome.ok.Attributes;
    // Stamped, but the service did not return the item (it does, with ReturnValues ALL_NEW and RETURNING ALL NEW):
    // the stamp's own record puts it on the other side, from its image (the own echo in #apply).
    if (stamped === undefined) return false;
    // Another content is there than the stream showed: a later write that kept the markers, or (for an unstamped
    // item) a delete and a re-creation, whose records follow in this stream. Stamping that content now would put
    // it on the other side before the delete between. Nothing is sent: the stamp's own record, whose content does
    // not match its digest, is an app write and is stamped in its turn, after the records before it.
    if (!matchesItsStamp(stamped, markers)) return false;
    return this.#puts.put(keys, stamped, flush, { predecessor });
  }

  /** The stamp's condition failed: only a replay of our own stamp of this very content still has a put to make. */
  async #stampRefused(
    keys: Item,
    image: Item,
    replaced: Item | undefined,
    found: Item | undefined,
    flush: TwoWayFlush,
    following: ChangeRecord | undefined,
    keyRun: KeyRun,
  ): Promise<boolean> {
    const { markers } = this.#deps;
    const next = stampRefusal(image, found, markers, this.#deps.side, replaced);
    this.#deps.logger.trace({ key: keys, next }, 'two-way stamp refused');
    if (next.kind === 'lost') {
      const loser = { kind: 'put' as const, stamp: undefined, digest: digestOf(image, markers) };
      await this.#io.conflict(this.#deps.local, keys, loser, next.winner, flush);
    }
    if (next.kind === 'restore') {
      // The table went below a version it held: back to it (an echo here; the other side has it or higher).
      const put = await this.#io.attempt(
        this.#deps.local.client,
        new PutItemCommand(restoreOver(this.#targets.local, next.version, next.overStamp)),
        flush,
      );
      if ('ok' in put) {
        const version = readStamp(next.version, markers);
        if (version !== undefined) this.#puts.remember(version);
        // Over a mark, the loser is the other side's delete, which records its own loss when it finds its mark
        // gone (twoway-delete.ts).
        if (!isMarkedDeleting(next.over, markers)) {
          const over = {
            kind: 'put' as const,
            stamp: readStamp(next.over, markers),
            digest: digestOf(next.over, markers),
          };
          await this.#io.conflict(this.#deps.local, keys, over, { kind: 'put', stamp: version }, flush);
        }
      }
    }
    if (next.kind === 'nothing' && next.why === 'app-write-follows' && replaced !== undefined) {
      // A later app write is there, whose record follows: it replaced this one, never stamped, so the version
      // this one replaced is the one that write replaced.
      if (following !== undefined) keyRun.carried = replaced;
      else await this.#leaveLink(keys, { kind: 'over', follows: digestOf(image, markers), replaced }, flush);
    }
    if (next.kind === 'nothing' && next.why === 'gone' && replaced !== undefined) {
      const follows = digestOf(image, markers);
      if (following === undefined) {
        // What took the item is the key's next record, in a later flush: looked at there.
        await this.#leaveLink(keys, { kind: 'gone', follows, replaced }, flush);
      } else {
        await this.#putBackBelowDelete(
          keys,
          deletedBelow(follows, replaced, following, markers, this.#deps.side),
          flush,
        );
      }
    }
    if (next.kind !== 'send-own-stamp') return false;
    return this.#puts.put(keys, next.stamped, flush, { predecessor: readStamp(replaced, markers) });
  }

  /** The other side's delete marked the app's write below the version it had replaced: back to that version. */
  async #putBackBelowDelete(
    keys: Item,
    below: ReturnType<typeof deletedBelow>,
    flush: TwoWayFlush,
  ): Promise<void> {
    if (below === undefined) return;
    const { local } = this.#deps;
    const input = putIfNewerThanTombstone(
      this.#targets.local,
      this.#targets.localTombstones,
      keys,
      below.version,
    );
    if ((await this.#io.transact(input, flush, local)) !== undefined) return;
    const stamp = readStamp(below.version, this.#deps.markers);
    if (stamp !== undefined) this.#puts.remember(stamp);
    const loser = { kind: 'delete' as const, stamp: below.deleteStamp, digest: undefined };
    await this.#io.conflict(local, keys, loser, { kind: 'put', stamp }, flush);
  }
}
