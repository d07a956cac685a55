// One direction of two-way replication as a ChangeSink: the changes read from side X's stream, written by the rule
// of the README ("Two-way replication"). An app write is stamped on X (markers only, conditional on the stamp the
// stream showed) and the item as stamped is put on Y in a transaction with Y's tombstone; an app delete leaves a
// tombstone on both sides and marks then deletes Y's item; echoes are skipped. Every refused condition that means
// a write lost is recorded in the conflict log. The changes of a flush have distinct keys, so they go out in
// parallel, bounded by the write slots; each request is fenced by the lease (beforeSend) and has its deadline.
// The flush resolves once every change's writes are done, so the checkpoint never passes a change not applied.
import { setMaxListeners } from 'node:events';
import type { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type DynamoDBClient,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { Logger } from 'pino';
import { itemSizeBytes } from '../bootstrap/item-size.js';
import { itemKey } from '../buffer/item-key.js';
import { StoppedError } from '../errors/replicator-error.js';
import type { EventBus } from '../observability/events.js';
import type { ChangeRecord, Item } from '../stream/change-record.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../util/backoff.js';
import { retrying } from '../util/retry.js';
import type { Slots } from '../util/semaphore.js';
import { sleep } from '../util/sleep.js';
import { batchGet, MAX_BATCH_GET } from '../verify/batch-get.js';
import type { ChangeSink } from '../writer/change-sink.js';
import { RequestDeadlines } from '../writer/request-deadlines.js';
import type { WriteOptions, WriteOutcome } from '../writer/table-writer.js';
import {
  deleteMarked,
  markArrivedDeleting,
  markDeleting,
  restoreOver,
  putIfNewerThanTombstone,
  putIfSeen,
  raiseTombstone,
  recordDeleteOrigin,
  deleteOriginNames,
  refusal,
  stampIfUnchanged,
  type ApplyTarget,
  type TombstoneTarget,
} from './conditional-apply.js';
import { recordConflict, type Conflict } from './conflict-log.js';
import {
  deletedUnderMark,
  deleteReplacedVersion,
  overwritesVersion,
  replacedAppWrite,
} from './lost-writes.js';
import { deletedBelow, stampRefusal } from './stamp-refusal.js';
import { classifyChange, needsTombstone, type TombstoneRead } from './echo.js';
import type { HybridClock } from './hybrid-clock.js';
import { digestOf, isMarkedDeleting, matchesItsStamp, readStamp, type Markers } from './markers.js';
import { TOMBSTONE, tombstoneKey } from './tombstone.js';
import { TransactGroups } from './transact-groups.js';
import { parseStamp, type Side } from './version-stamp.js';

/** One side's table and tombstone table, reached with that side's client. */
export interface TwoWaySide {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly tombstoneTable: string;
}

export interface TwoWaySinkDeps {
  /** The side whose stream this direction reads (X); the other is Y. */
  readonly side: Side;
  readonly local: TwoWaySide;
  readonly remote: TwoWaySide;
  /** The conflict table of this direction, with the client that reaches it. */
  readonly conflicts: { readonly client: DynamoDBClient; readonly tableName: string };
  readonly keyAttributes: readonly string[];
  readonly markers: Markers;
  readonly clock: HybridClock;
  readonly horizonMs: number;
  readonly ttlDeletes: 'replicate' | 'skip';
  readonly writeSlots: Slots;
  readonly requestTimeoutMs: number;
  readonly events: EventBus;
  readonly logger: Logger;
}

/** Stamps of this side's writes already put on the other side: their echo needs no check (bounded). */
const SENT_LIMIT = 100_000;

/**
 * How long a key's put waits for others to join its group (transact-groups.ts) while other keys of the flush are
 * still at work elsewhere. A group is sent at once when it is full or when no other key can join it.
 */
const GROUP_WINDOW_MS = 50;

interface Flush {
  readonly signal: AbortSignal;
  readonly beforeSend: WriteOptions['beforeSend'];
  readonly deadlines: RequestDeadlines;
  readonly groups: TransactGroups;
  /** This side's tombstones of the keys whose first change needs one, read in one go before the flush starts. */
  readonly tombstones: Map<string, string | undefined>;
  requests: number;
  retries: number;
}

type Attempt<T> = { readonly ok: T } | { readonly refused: Item | undefined };

export class TwoWaySink implements ChangeSink {
  readonly needsOldImages = true;
  readonly needsEarlier = true;
  readonly #deps: TwoWaySinkDeps;
  readonly #local: ApplyTarget;
  readonly #remote: ApplyTarget;
  readonly #localTombstones: TombstoneTarget;
  readonly #remoteTombstones: TombstoneTarget;
  readonly #sent = new Set<string>();

  constructor(deps: TwoWaySinkDeps) {
    this.#deps = deps;
    this.#local = { tableName: deps.local.tableName, markers: deps.markers };
    this.#remote = { tableName: deps.remote.tableName, markers: deps.markers };
    const tombstones = (side: TwoWaySide): TombstoneTarget => ({
      tableName: side.tombstoneTable,
      keyAttributes: deps.keyAttributes,
      horizonMs: deps.horizonMs,
    });
    this.#localTombstones = tombstones(deps.local);
    this.#remoteTombstones = tombstones(deps.remote);
  }

  get tableName(): string {
    return this.#deps.remote.tableName;
  }

  async write(changes: readonly ChangeRecord[], options: WriteOptions): Promise<WriteOutcome> {
    // Every write of the flush waiting for a write slot or a backoff listens to this one signal (a flush of
    // hundreds of keys made Node warn of a listener leak).
    const signal = AbortSignal.any([options.signal]);
    setMaxListeners(0, signal);
    const partial: Omit<Flush, 'groups' | 'tombstones'> = {
      signal,
      beforeSend: options.beforeSend,
      deadlines: new RequestDeadlines(signal),
      requests: 0,
      retries: 0,
    };
    const groups = new TransactGroups({
      keys: changes.length,
      windowMs: GROUP_WINDOW_MS,
      signal,
      send: (target, input) =>
        this.#sendGroup(target === 'local' ? this.#deps.local : this.#deps.remote, input, flush),
    });
    const flush: Flush = Object.assign(partial, {
      groups,
      tombstones: new Map<string, string | undefined>(),
    });
    let puts = 0;
    let deletes = 0;
    try {
      await this.#prefetchTombstones(changes, flush);
      // Distinct keys: no order between them. The write slots bound the requests in flight.
      await Promise.all(
        changes.map(async (change) => {
          try {
            await this.#applyKey(change, flush, (applied) => {
              if (applied === 'put') puts += 1;
              if (applied === 'delete') deletes += 1;
            });
          } finally {
            groups.keyDone();
          }
        }),
      );
    } finally {
      groups.close();
      flush.deadlines.close();
    }
    options.onAllSent?.();
    return { puts, deletes, requests: flush.requests, retries: flush.retries };
  }

  /** Every change of one key of the flush, in order. */
  async #applyKey(
    change: ChangeRecord,
    flush: Flush,
    counted: (applied: 'put' | 'delete' | 'none') => void,
  ): Promise<void> {
    // Every change of the key in order, squashed ones included: an app write that the other side's put
    // overwrote before it was stamped is a conflict to record, and an app delete must not vanish behind
    // the put that followed it. Only an app write the app itself overwrote next is skipped.
    const { earlier, ...last } = change;
    const run = [...(earlier ?? []), last];
    for (const [i, record] of run.entries()) {
      // Before the skip below: a replicator write that replaced an app write not yet stamped is recorded
      // from its record, whatever follows it.
      const lost =
        replacedAppWrite(record, this.#deps.markers) ??
        deletedUnderMark(record, run[i + 1], this.#deps.markers);
      if (lost !== undefined)
        await this.#conflict(this.#deps.local.tableName, record.keys, lost.loser, lost.winner, flush);
      if (this.#overwrittenByApp(record, run[i + 1])) {
        if (this.#deps.logger.isLevelEnabled('trace'))
          this.#deps.logger.trace(
            { key: record.keys, seq: record.sequenceNumber, event: record.eventName },
            'two-way skipped: overwritten by the app',
          );
        continue;
      }
      counted(await this.#apply(record, flush, run[i + 1], i === 0));
    }
  }

  /** What one change makes this direction write; 'put' / 'delete' when it sent one to the other side. */
  async #apply(
    change: ChangeRecord,
    flush: Flush,
    following: ChangeRecord | undefined,
    first: boolean,
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
          : await this.#tombstoneStamp(this.#deps.local, change.keys, flush);
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
        await this.#attempt(
          this.#deps.local.client,
          new DeleteItemCommand(deleteMarked(this.#local, keys, stamp)),
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
        if (this.#sent.delete(stamp)) {
          this.#deps.logger.trace({ key: keys, stamp }, 'two-way own echo: sent already');
          return 'none';
        }
        // What the app's write carried is the nearest known version it replaced.
        const predecessor = readStamp(change.oldImage, markers);
        return (await this.#putRemote(keys, image, flush, { predecessor })) ? 'put' : 'none';
      }
      return 'none';
    }
    if (origin.kind === 'app-delete') {
      if (origin.ttl && this.#deps.ttlDeletes === 'skip') return 'none';
      await this.#delete(keys, `${this.#deps.side}:${change.sequenceNumber}`, origin.seenStamp, flush);
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
      await this.#undoStalePut(keys, image, tombstone?.stamp, flush);
      return 'none';
    }
    return (await this.#stampAndSend(keys, image, change.oldImage, flush, following)) ? 'put' : 'none';
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
    flush: Flush,
    following: ChangeRecord | undefined,
  ): Promise<boolean> {
    const { markers, clock } = this.#deps;
    // What the app's write replaced is the nearest known version it saw.
    const predecessor = readStamp(replaced, markers);
    const outcome = await this.#attempt<{ Attributes?: Item }>(
      this.#deps.local.client,
      new UpdateItemCommand(stampIfUnchanged(this.#local, keys, image, clock.nextStamp())),
      flush,
    );
    if ('refused' in outcome)
      return this.#stampRefused(keys, image, replaced, outcome.refused, flush, following);
    const stamped = outcome.ok.Attributes;
    if (stamped === undefined) throw new TypeError('UpdateItem with ReturnValues ALL_NEW returned no item');
    // Another content is there than the stream showed: a later write that kept the markers, or (for an unstamped
    // item) a delete and a re-creation, whose records follow in this stream. Stamping that content now would put
    // it on the other side before the delete between. Nothing is sent: the stamp's own record, whose content does
    // not match its digest, is an app write and is stamped in its turn, after the records before it.
    if (!matchesItsStamp(stamped, markers)) return false;
    return this.#putRemote(keys, stamped, flush, { predecessor });
  }

  /** The stamp's condition failed: only a replay of our own stamp of this very content still has a put to make. */
  async #stampRefused(
    keys: Item,
    image: Item,
    replaced: Item | undefined,
    found: Item | undefined,
    flush: Flush,
    following: ChangeRecord | undefined,
  ): Promise<boolean> {
    const { markers } = this.#deps;
    const next = stampRefusal(image, found, markers, this.#deps.side, replaced);
    this.#deps.logger.trace({ key: keys, next }, 'two-way stamp refused');
    if (next.kind === 'lost') {
      const loser = { kind: 'put' as const, stamp: undefined, digest: digestOf(image, markers) };
      await this.#conflict(this.#deps.local.tableName, keys, loser, next.winner, flush);
    }
    if (next.kind === 'restore') {
      // The table went below a version it held: back to it (an echo here; the other side has it or higher).
      const put = await this.#attempt(
        this.#deps.local.client,
        new PutItemCommand(restoreOver(this.#local, next.version, next.overStamp)),
        flush,
      );
      if ('ok' in put) {
        const version = readStamp(next.version, markers);
        if (version !== undefined) this.#remember(version);
        const over = {
          kind: 'put' as const,
          stamp: readStamp(next.over, markers),
          digest: digestOf(next.over, markers),
        };
        await this.#conflict(this.#deps.local.tableName, keys, over, { kind: 'put', stamp: version }, flush);
      }
    }
    const below =
      next.kind === 'nothing' && next.why === 'gone' && replaced !== undefined
        ? deletedBelow(image, replaced, following, markers, this.#deps.side)
        : undefined;
    if (below !== undefined) {
      // The other side's delete marked the app's write below the version it had replaced: back to that version.
      const local = this.#deps.local;
      const input = putIfNewerThanTombstone(this.#local, this.#localTombstones, keys, below.version);
      if ((await this.#transact(input, flush, local)) === undefined) {
        const stamp = readStamp(below.version, markers);
        if (stamp !== undefined) this.#remember(stamp);
        const loser = { kind: 'delete' as const, stamp: below.deleteStamp, digest: undefined };
        await this.#conflict(local.tableName, keys, loser, { kind: 'put', stamp }, flush);
      }
    }
    if (next.kind !== 'send-own-stamp') return false;
    return this.#putRemote(keys, next.stamped, flush, { predecessor: readStamp(replaced, markers) });
  }

  /** Puts a stamped item on the other side, unless it holds a higher stamp or a higher tombstone. */
  async #putRemote(
    keys: Item,
    item: Item,
    flush: Flush,
    seen?: { predecessor: string | undefined },
  ): Promise<boolean> {
    const { markers } = this.#deps;
    const stamp = readStamp(item, markers);
    if (stamp === undefined) throw new TypeError('a put to the other side without its stamp');
    let overwrote: Item | undefined;
    if (seen !== undefined) {
      // First only over what this side's app replaced: a version there that the app never saw is overwritten
      // next, as the rule says, and recorded as the write that lost.
      const first = await this.#transact(
        putIfSeen(this.#remote, this.#remoteTombstones, keys, item, seen.predecessor),
        flush,
      );
      if (first === undefined) {
        this.#remember(stamp);
        return true;
      }
      if (first[0]?.Code !== 'ConditionalCheckFailed') {
        // Read, not taken from the cancellation reason: DynamoDB Local does not return the whole item there.
        const found = await this.#read(this.#deps.remote, keys, flush);
        if (overwritesVersion(found, stamp, markers)) overwrote = found;
      }
    }
    const input = putIfNewerThanTombstone(this.#remote, this.#remoteTombstones, keys, item);
    const reasons = await this.#transact(input, flush);
    if (reasons === undefined && overwrote !== undefined) {
      await this.#conflict(
        this.#deps.remote.tableName,
        keys,
        { kind: 'put', stamp: readStamp(overwrote, markers), digest: digestOf(overwrote, markers) },
        { kind: 'put', stamp },
        flush,
      );
    }
    this.#remember(stamp);
    if (reasons === undefined) return true;
    const [tombstoneReason] = reasons;
    const loser = { kind: 'put' as const, stamp, digest: digestOf(item, markers) };
    if (tombstoneReason?.Code === 'ConditionalCheckFailed') {
      const winner = await this.#tombstoneStamp(this.#deps.remote, keys, flush);
      await this.#conflict(
        this.#deps.remote.tableName,
        keys,
        loser,
        { kind: 'delete', stamp: winner },
        flush,
      );
      return false;
    }
    const found = await this.#read(this.#deps.remote, keys, flush);
    const verdict = refusal(stamp, found, markers);
    if (verdict.kind === 'already-applied') return false;
    const winnerKind = isMarkedDeleting(found, markers) ? 'delete' : 'put';
    await this.#conflict(
      this.#deps.remote.tableName,
      keys,
      loser,
      { kind: winnerKind, stamp: verdict.winner },
      flush,
    );
    return false;
  }

  /** An app delete: tombstones on both sides, then the other side's item marked and deleted if it is lower. */
  async #delete(keys: Item, origin: string, seen: string | undefined, flush: Flush): Promise<void> {
    const { clock, local, remote } = this.#deps;
    // A delete keeps its stamp when its record is read again (a stop before the checkpoint): a new, higher stamp
    // would delete what the other side wrote since, there and not here.
    const side = this.#deps.side;
    const names = deleteOriginNames(side);
    const earlier = await this.#tombstone(local, keys, flush);
    const kept = earlier?.[names.origin]?.S === origin ? earlier[names.stamp]?.S : undefined;
    const stamp = kept ?? clock.nextStamp();
    if (kept === undefined) {
      await this.#attempt(
        local.client,
        new UpdateItemCommand(recordDeleteOrigin(this.#localTombstones, keys, side, origin, stamp)),
        flush,
      );
    }
    // This side's tombstone first: a put of the other side racing the delete here loses from now on.
    await this.#attempt(
      local.client,
      new UpdateItemCommand(raiseTombstone(this.#localTombstones, keys, stamp)),
      flush,
    );
    await this.#attempt(
      remote.client,
      new UpdateItemCommand(raiseTombstone(this.#remoteTombstones, keys, stamp)),
      flush,
    );
    // A put of the other side may have reached this table since the app's delete: it is below the delete.
    const other = this.#deps.side === 'a' ? 'b' : 'a';
    const arrived = await this.#attempt<{ Attributes?: Item }>(
      local.client,
      new UpdateItemCommand(markArrivedDeleting(this.#local, keys, stamp, other)),
      flush,
    );
    if ('ok' in arrived) {
      await this.#attempt(local.client, new DeleteItemCommand(deleteMarked(this.#local, keys, stamp)), flush);
      await this.#lostToDelete(local.tableName, keys, arrived.ok.Attributes, stamp, flush);
    }
    const mark = await this.#attempt<{ Attributes?: Item }>(
      remote.client,
      new UpdateItemCommand({ ...markDeleting(this.#remote, keys, stamp), ReturnValues: 'ALL_OLD' }),
      flush,
    );
    if ('ok' in mark) {
      // The app deleted what it saw; another stamped version there was written without seeing the delete.
      const old = mark.ok.Attributes;
      if (deleteReplacedVersion(old, seen, this.#deps.markers)) {
        await this.#lostToDelete(remote.tableName, keys, old, stamp, flush);
      }
    } else {
      const found = mark.refused;
      if (found === undefined) return; // nothing to delete there
      const foundStamp = readStamp(found, this.#deps.markers);
      if (!(foundStamp === stamp && isMarkedDeleting(found, this.#deps.markers))) {
        await this.#conflict(
          remote.tableName,
          keys,
          { kind: 'delete', stamp, digest: undefined },
          { kind: isMarkedDeleting(found, this.#deps.markers) ? 'delete' : 'put', stamp: foundStamp },
          flush,
        );
        return;
      }
    }
    const deleted = await this.#attempt(
      remote.client,
      new DeleteItemCommand(deleteMarked(this.#remote, keys, stamp)),
      flush,
    );
    if ('refused' in deleted && deleted.refused !== undefined) {
      // Written over between the mark and the delete, by a higher version: the delete lost.
      const foundStamp = readStamp(deleted.refused, this.#deps.markers);
      await this.#conflict(
        remote.tableName,
        keys,
        { kind: 'delete', stamp, digest: undefined },
        { kind: 'put', stamp: foundStamp },
        flush,
      );
    }
  }

  async #lostToDelete(
    table: string,
    keys: Item,
    old: Item | undefined,
    stamp: string,
    flush: Flush,
  ): Promise<void> {
    const { markers } = this.#deps;
    // An app write not yet stamped there is recorded from that side's stream (lost-writes.ts).
    if (old === undefined || !matchesItsStamp(old, markers)) return;
    await this.#conflict(
      table,
      keys,
      { kind: 'put', stamp: readStamp(old, markers), digest: digestOf(old, markers) },
      { kind: 'delete', stamp },
      flush,
    );
  }

  /** Deletes (mark, then delete) a put of the other side below this side's tombstone. */
  async #undoStalePut(keys: Item, image: Item, tombstone: string | undefined, flush: Flush): Promise<void> {
    const { markers, local } = this.#deps;
    if (tombstone === undefined) return;
    const mark = await this.#attempt(
      local.client,
      new UpdateItemCommand(markDeleting(this.#local, keys, tombstone)),
      flush,
    );
    if ('refused' in mark) return; // gone, or newer since
    await this.#attempt(
      local.client,
      new DeleteItemCommand(deleteMarked(this.#local, keys, tombstone)),
      flush,
    );
    await this.#conflict(
      local.tableName,
      keys,
      { kind: 'put', stamp: readStamp(image, markers), digest: digestOf(image, markers) },
      { kind: 'delete', stamp: tombstone },
      flush,
    );
  }

  #remember(stamp: string): void {
    if (!this.#isOwn(stamp)) return;
    if (this.#sent.size >= SENT_LIMIT) {
      // Oldest first (insertion order): a forgotten stamp costs one more conditional put, refused as applied.
      const oldest = this.#sent.values().next();
      if (oldest.done !== true) this.#sent.delete(oldest.value);
    }
    this.#sent.add(stamp);
  }

  async #conflict(
    table: string,
    keys: Item,
    loser: Omit<Conflict['loser'], 'side'>,
    winner: Conflict['winner'],
    flush: Flush,
  ): Promise<void> {
    const side =
      loser.stamp === undefined ? this.#deps.side : (parseStamp(loser.stamp)?.side ?? this.#deps.side);
    const conflict: Conflict = { table, keys, loser: { ...loser, side }, winner, at: Date.now() };
    const { client, tableName } = this.#deps.conflicts;
    await this.#send(
      () => 'conflict log',
      (signal) => recordConflict(client, tableName, conflict, this.#deps.keyAttributes, signal),
      flush,
    );
    this.#deps.events.emit('twoway.conflict', { table, loser: loser.kind, winner: winner.kind });
    this.#deps.logger.debug({ conflict }, 'two-way conflict');
  }

  async #tombstoneStamp(side: TwoWaySide, keys: Item, flush: Flush): Promise<string | undefined> {
    return (await this.#tombstone(side, keys, flush))?.[TOMBSTONE.stamp]?.S;
  }

  async #tombstone(side: TwoWaySide, keys: Item, flush: Flush): Promise<Item | undefined> {
    const out = await this.#send(
      () => side.tombstoneTable,
      (signal) =>
        side.client.send(
          new GetItemCommand({
            TableName: side.tombstoneTable,
            Key: tombstoneKey(keys, this.#deps.keyAttributes),
            ConsistentRead: true,
          }),
          { abortSignal: signal },
        ),
      flush,
    );
    return out.Item;
  }

  async #read(side: TwoWaySide, keys: Item, flush: Flush): Promise<Item | undefined> {
    const out = await this.#send(
      () => side.tableName,
      (signal) =>
        side.client.send(new GetItemCommand({ TableName: side.tableName, Key: keys, ConsistentRead: true }), {
          abortSignal: signal,
        }),
      flush,
    );
    return out.Item;
  }

  /** A conditional write: its answer, or the item DynamoDB returned with the refusal. */
  async #attempt<T>(
    client: DynamoDBClient,
    command: PutItemCommand | UpdateItemCommand | DeleteItemCommand,
    flush: Flush,
  ): Promise<Attempt<T>> {
    const table = command.input.TableName ?? '?';
    try {
      const ok = await this.#send(
        () => table,
        async (signal) => {
          const options = { abortSignal: signal };
          if (command instanceof PutItemCommand) return (await client.send(command, options)) as T;
          if (command instanceof UpdateItemCommand) return (await client.send(command, options)) as T;
          return (await client.send(command, options)) as T;
        },
        flush,
      );
      this.#traceWrite(command, 'ok', (ok as { Attributes?: Item }).Attributes);
      return { ok };
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        this.#traceWrite(command, 'refused', err.Item);
        return { refused: err.Item };
      }
      throw err;
    }
  }

  #traceWrite(
    command: {
      input: {
        TableName?: string | undefined;
        Key?: Item | undefined;
        Item?: Item | undefined;
        ConditionExpression?: string | undefined;
      };
    },
    outcome: string,
    item: Item | undefined,
  ): void {
    const { logger, markers } = this.#deps;
    if (!logger.isLevelEnabled('trace')) return;
    logger.trace(
      {
        op: command.constructor.name,
        table: command.input.TableName,
        key: command.input.Key ?? command.input.Item,
        cond: command.input.ConditionExpression,
        outcome,
        v: readStamp(item, markers),
        h: item?.[markers.digest]?.S,
        d: item === undefined ? undefined : digestOf(item, markers),
      },
      'two-way write',
    );
  }

  /**
   * A put transaction (one key), sent in a group of the flush's (transact-groups.ts): undefined when applied, else
   * the cancellation reasons of its own actions (conditions only). A conflict inside the transaction on this key
   * is waited out and the put sent again, as throttling is.
   */
  async #transact(
    input: ReturnType<typeof putIfNewerThanTombstone>,
    flush: Flush,
    side: TwoWaySide = this.#deps.remote,
  ): Promise<TransactionCanceledException['CancellationReasons']> {
    const actions = input.TransactItems ?? [];
    const member = {
      actions,
      token: input.ClientRequestToken,
      bytes: actions.reduce((n, a) => n + (a.Put?.Item === undefined ? 0 : itemSizeBytes(a.Put.Item)), 0),
    };
    const target = side === this.#deps.local ? 'local' : 'remote';
    for (let attempt = 0; ;) {
      const answer = await flush.groups.submit(target, member);
      if (answer.kind === 'applied') {
        this.#traceTransact(input, 'ok');
        return undefined;
      }
      if (answer.kind === 'refused') {
        this.#traceTransact(input, JSON.stringify(answer.reasons.map((r) => r.Code)));
        return answer.reasons;
      }
      if (answer.kind === 'contended') {
        flush.retries += 1;
        this.#deps.events.emit('write.retried', {
          table: side.tableName,
          reason: 'throttled',
          attempt: attempt + 1,
          items: 1,
          delayMs: 0,
        });
        await sleep(backoffDelay(attempt++, DEFAULT_BACKOFF), flush.signal);
      }
    }
  }

  /** One group of put transactions (several keys) to one side, as one request. */
  async #sendGroup(side: TwoWaySide, input: TransactWriteItemsCommandInput, flush: Flush): Promise<void> {
    await this.#send(
      () => side.tableName,
      (signal) => side.client.send(new TransactWriteItemsCommand(input), { abortSignal: signal }),
      flush,
    );
  }

  /** The tombstones of the keys whose first change needs one (echo.ts), read together: one request per 100. */
  async #prefetchTombstones(changes: readonly ChangeRecord[], flush: Flush): Promise<void> {
    const { keyAttributes, markers, local } = this.#deps;
    const keys = changes.flatMap((change) => {
      const first = change.earlier?.[0] ?? change;
      return needsTombstone(first, markers) ? [first.keys] : [];
    });
    if (keys.length === 0) return;
    const byTombstoneKey = new Map(
      keys.map((k) => [itemKey(tombstoneKey(k, keyAttributes), [TOMBSTONE.key]), k]),
    );
    flush.requests += Math.ceil(keys.length / MAX_BATCH_GET);
    const found = await batchGet(
      keys.map((k) => tombstoneKey(k, keyAttributes)),
      {
        client: local.client,
        tableName: local.tombstoneTable,
        keyAttributes: [TOMBSTONE.key],
        consistentRead: true,
        signal: flush.signal,
        onRetry: (reason) => {
          flush.retries += 1;
          this.#deps.events.emit('write.retried', {
            table: local.tombstoneTable,
            reason: reason === 'unprocessed' ? 'throttled' : reason,
            attempt: 1,
            items: 1,
            delayMs: 0,
          });
        },
      },
    );
    for (const [tk, k] of byTombstoneKey) {
      flush.tombstones.set(itemKey(k, keyAttributes), found.get(tk)?.[TOMBSTONE.stamp]?.S);
    }
  }

  #traceTransact(request: ReturnType<typeof putIfNewerThanTombstone>, outcome: string): void {
    const { logger, markers } = this.#deps;
    if (!logger.isLevelEnabled('trace')) return;
    const put = request.TransactItems?.[1]?.Put;
    logger.trace(
      {
        op: 'Transact',
        table: put?.TableName,
        key: put?.Item,
        cond: put?.ConditionExpression,
        pred: put?.ExpressionAttributeValues?.[':pred']?.S,
        outcome,
        v: readStamp(put?.Item, markers),
        d: put?.Item === undefined ? undefined : digestOf(put.Item, markers),
      },
      'two-way write',
    );
  }

  /** One request: a write slot, the lease check, its deadline, retried while retriable. */
  async #send<T>(table: () => string, send: (signal: AbortSignal) => Promise<T>, flush: Flush): Promise<T> {
    const { writeSlots, requestTimeoutMs, events } = this.#deps;
    return retrying(
      async () => {
        const release = await writeSlots.acquire(1, flush.signal);
        try {
          if (flush.signal.aborted) throw new StoppedError();
          const from = (await flush.beforeSend?.()) ?? performance.now();
          flush.requests += 1;
          return await flush.deadlines.run(requestTimeoutMs, send, from);
        } finally {
          release();
        }
      },
      {
        signal: flush.signal,
        onRetry: (reason, attempt) => {
          flush.retries += 1;
          events.emit('write.retried', { table: table(), reason, attempt, items: 1, delayMs: 0 });
        },
      },
    );
  }
}
