// The put of a stamped item on the other side (Y) of one direction of two-way replication: first only over the
// version this side's app replaced (what it saw), then over anything lower, as the rule says, recording what it
// overwrote or lost to. It also remembers the stamps of this side's own writes it put there, so that their echo in
// this side's stream needs no request (twoway-sink.ts).
import type { Item } from '../stream/change-record.js';
import { putIfNewerThanTombstone, putIfSeen, refusal, type DirectionTargets } from './conditional-apply.js';
import { overwritesVersion } from './lost-writes.js';
import { digestOf, isMarkedDeleting, readStamp } from './markers.js';
import type { TwoWayFlush, TwoWayRequests, TwoWayRequestsDeps } from './twoway-requests.js';
import { parseStamp } from './version-stamp.js';

/** Stamps of this side's writes already put on the other side: their echo needs no check (bounded). */
const SENT_LIMIT = 100_000;

export class RemotePuts {
  readonly #deps: TwoWayRequestsDeps;
  readonly #io: TwoWayRequests;
  readonly #targets: DirectionTargets;
  readonly #sent = new Set<string>();

  constructor(deps: TwoWayRequestsDeps, io: TwoWayRequests, targets: DirectionTargets) {
    this.#deps = deps;
    this.#io = io;
    this.#targets = targets;
  }

  /** Whether this stamp of ours was put on the other side by this process (forgotten once asked). */
  sentAlready(stamp: string): boolean {
    return this.#sent.delete(stamp);
  }

  /** Puts a stamped item on the other side, unless it holds a higher stamp or a higher tombstone. */
  async put(
    keys: Item,
    item: Item,
    flush: TwoWayFlush,
    seen?: { predecessor: string | undefined },
  ): Promise<boolean> {
    const { markers } = this.#deps;
    const stamp = readStamp(item, markers);
    if (stamp === undefined) throw new TypeError('a put to the other side without its stamp');
    let overwrote: Item | undefined;
    if (seen !== undefined) {
      // First only over what this side's app replaced: a version there that the app never saw is overwritten
      // next, as the rule says, and recorded as the write that lost.
      const first = await this.#io.transact(
        putIfSeen(this.#targets.remote, this.#targets.remoteTombstones, keys, item, seen.predecessor),
        flush,
      );
      if (first === undefined) {
        this.remember(stamp);
        return true;
      }
      if (first[0]?.Code !== 'ConditionalCheckFailed') {
        // Read, not taken from the cancellation reason: DynamoDB Local does not return the whole item there.
        const found = await this.#io.read(this.#deps.remote, keys, flush);
        if (overwritesVersion(found, stamp, markers)) overwrote = found;
      }
    }
    const input = putIfNewerThanTombstone(this.#targets.remote, this.#targets.remoteTombstones, keys, item);
    const reasons = await this.#io.transact(input, flush);
    if (reasons === undefined && overwrote !== undefined) {
      await this.#io.conflict(
        this.#deps.remote,
        keys,
        { kind: 'put', stamp: readStamp(overwrote, markers), digest: digestOf(overwrote, markers) },
        { kind: 'put', stamp },
        flush,
      );
    }
    this.remember(stamp);
    if (reasons === undefined) return true;
    const [tombstoneReason] = reasons;
    const loser = { kind: 'put' as const, stamp, digest: digestOf(item, markers) };
    if (tombstoneReason?.Code === 'ConditionalCheckFailed') {
      const winner = await this.#io.tombstoneStamp(this.#deps.remote, keys, flush);
      await this.#io.conflict(this.#deps.remote, keys, loser, { kind: 'delete', stamp: winner }, flush);
      return false;
    }
    const found = await this.#io.read(this.#deps.remote, keys, flush);
    const verdict = refusal(stamp, found, markers);
    if (verdict.kind === 'already-applied') return false;
    const winnerKind = isMarkedDeleting(found, markers) ? 'delete' : 'put';
    await this.#io.conflict(
      this.#deps.remote,
      keys,
      loser,
      { kind: winnerKind, stamp: verdict.winner },
      flush,
    );
    return false;
  }

  /** Notes a stamp of this side's as on the other side already, so that its echo needs no check. */
  remember(stamp: string): void {
    if (parseStamp(stamp)?.side !== this.#deps.side) return;
    if (this.#sent.size >= SENT_LIMIT) {
      // Oldest first (insertion order): a forgotten stamp costs one more conditional put, refused as applied.
      const oldest = this.#sent.values().next();
      if (oldest.done !== true) this.#sent.delete(oldest.value);
    }
    this.#sent.add(stamp);
  }
}
