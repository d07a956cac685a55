// verify --two-way: what happens to each key the scan and the re-check found different between side A and side B.
// The key's tombstones are read on both sides (consistent), the rule decides (two-way-decision.ts) and, with
// --repair, the winner is written to the losing side only while the loser still holds what was compared
// (unchanged-condition.ts), so a write that arrived meanwhile is never overwritten: that key is counted as changed
// and left to replication or the next verify. Every write is one the running replication sees as an echo, so
// none is sent back: an unstamped winner is stamped on its own side first (markers only, above every stamp the
// key showed), the put carries a stamp above what it replaces with the digest of its content, and a delete marks
// the item `delete` with the delete's stamp before deleting it (README, "Two-way replication", verify --two-way).
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  ResourceNotFoundException,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { describeFailure } from '../app/startup-checks.js';
import type { TableLocation } from '../config/table-locations.js';
import { classifyError } from '../errors/classify-error.js';
import { ReplicatorError, StoppedError, errorMessage } from '../errors/replicator-error.js';
import { deleteMarked, raiseTombstone } from '../twoway/conditional-apply.js';
import { HybridClock } from '../twoway/hybrid-clock.js';
import { DELETING, digestOf, readStamp, stampImage, type Markers } from '../twoway/markers.js';
import { TOMBSTONE, tombstoneKey } from '../twoway/tombstone.js';
import type { Side } from '../twoway/version-stamp.js';
import type { Item } from './item-compare.js';
import type { MeteredRateLimiter } from './metered-rate-limiter.js';
import type { Drift } from './rechecker.js';
import { decideTwoWay, type KeyState, type TwoWayDecision } from './two-way-decision.js';
import { setMarkersIfUnchanged, unchangedCondition, type Condition } from './unchanged-condition.js';
import { keyToJson, type KeyJson } from './verify-summary.js';

/** One side of the pair: its table and its tombstone table, with the client that reaches both. */
export interface TwoWaySide {
  readonly client: DynamoDBClient;
  readonly table: TableLocation;
  readonly tombstoneTable: string;
}

export interface TwoWayResolverOptions {
  readonly sides: Readonly<Record<Side, TwoWaySide>>;
  readonly keyAttributes: readonly string[];
  readonly markers: Markers;
  readonly prefer: Side | undefined;
  readonly repair: boolean;
  readonly horizonMs: number;
  /** Keys to keep of those that need a preference. */
  readonly show: number;
  readonly writeLimiter: MeteredRateLimiter;
}

export interface TwoWayRepairStats {
  /** Winners put on the losing side. */
  readonly written: number;
  /** Unstamped winners stamped on their own side first. */
  readonly stamped: number;
  /** Items deleted under a delete's stamp. */
  readonly deleted: number;
  /** Keys whose loser (or unstamped winner) changed after it was read: left alone. */
  readonly changed: number;
  readonly failed: number;
  readonly failures: readonly { readonly key: KeyJson; readonly error: string }[];
}

export interface TwoWayReport {
  readonly prefer: Side | undefined;
  /** Keys side A's item wins (to be put on B), side B's wins, and keys that should be absent. */
  readonly winners: { readonly a: number; readonly b: number; readonly absent: number };
  /** Of those, decided by --prefer. */
  readonly byPreference: number;
  /** Keys the stamps cannot order and no --prefer was given for. */
  readonly needPreference: number;
  readonly needPreferenceKeys: readonly KeyJson[];
  readonly repair?: TwoWayRepairStats;
}

const KEPT_FAILURES = 10;

type Outcome = 'done' | 'changed';

export class TwoWayResolver {
  readonly #options: TwoWayResolverOptions;
  readonly #winners = { a: 0, b: 0, absent: 0 };
  #byPreference = 0;
  #needPreference = 0;
  readonly #needKeys: KeyJson[] = [];
  readonly #repair = { written: 0, stamped: 0, deleted: 0, changed: 0, failed: 0 };
  readonly #failures: { key: KeyJson; error: string }[] = [];

  constructor(options: TwoWayResolverOptions) {
    this.#options = options;
  }

  /** One drifted key: A's item is the drift's source, B's its destination. */
  async add(drift: Drift, signal: AbortSignal): Promise<void> {
    const state: KeyState = {
      a: drift.source,
      b: drift.destination,
      tombstones: {
        a: await this.#tombstone('a', drift.key, signal),
        b: await this.#tombstone('b', drift.key, signal),
      },
    };
    const decision = decideTwoWay(state, this.#options.markers, this.#options.prefer);
    this.#count(decision, drift.key);
    if (!this.#options.repair || decision.kind === 'equal' || decision.kind === 'needs-preference') return;
    if (signal.aborted) throw new StoppedError();
    try {
      const outcome = await this.#apply(decision, state, drift.key, signal);
      if (outcome === 'changed') this.#repair.changed += 1;
    } catch (err) {
      if (!isItemRefusal(err)) throw err;
      this.#repair.failed += 1;
      if (this.#failures.length < KEPT_FAILURES) {
        this.#failures.push({ key: keyToJson(drift.key), error: errorMessage(err) });
      }
    }
  }

  /** Nothing is buffered: each key is written as it is decided. */
  async flush(): Promise<void> {}

  report(): TwoWayReport {
    return {
      prefer: this.#options.prefer,
      winners: { ...this.#winners },
      byPreference: this.#byPreference,
      needPreference: this.#needPreference,
      needPreferenceKeys: [...this.#needKeys],
      ...(this.#options.repair ? { repair: { ...this.#repair, failures: [...this.#failures] } } : {}),
    };
  }

  #count(decision: TwoWayDecision, key: Item): void {
    switch (decision.kind) {
      case 'equal':
        return;
      case 'needs-preference':
        this.#needPreference += 1;
        if (this.#needKeys.length < this.#options.show) this.#needKeys.push(keyToJson(key));
        return;
      case 'put':
        this.#winners[decision.from] += 1;
        break;
      case 'delete':
        this.#winners.absent += 1;
        break;
    }
    if (decision.preferred) this.#byPreference += 1;
  }

  async #apply(
    decision: Exclude<TwoWayDecision, { kind: 'equal' | 'needs-preference' }>,
    state: KeyState,
    key: Item,
    signal: AbortSignal,
  ): Promise<Outcome> {
    if (decision.kind === 'delete') {
      for (const side of decision.on) {
        if ((await this.#delete(side, state[side], key, decision.stamp, signal)) === 'changed')
          return 'changed';
      }
      return 'done';
    }
    const from = decision.from;
    const to: Side = from === 'a' ? 'b' : 'a';
    let winner = state[from];
    if (winner === undefined) throw new RangeError('a put decision without the winning item');
    if (decision.stamp) {
      const stamped = await this.#stamp(from, winner, state, key, signal);
      if (stamped === undefined) return 'changed';
      winner = stamped;
    }
    const unchanged = this.#unchanged(state[to]);
    if (unchanged === undefined) throw new ItemRefusal('too many attributes to write it conditionally');
    const done = await this.#send(to, 'dynamodb:PutItem', signal, (client) =>
      client.send(
        new PutItemCommand({
          TableName: this.#options.sides[to].table.tableName,
          Item: winner,
          ...unchanged,
        }),
        { abortSignal: signal },
      ),
    );
    if (!done) return 'changed';
    this.#repair.written += 1;
    return 'done';
  }

  /** Stamps an unstamped winner on its own side, above every stamp the key showed; the item as stamped. */
  async #stamp(
    side: Side,
    item: Item,
    state: KeyState,
    key: Item,
    signal: AbortSignal,
  ): Promise<Item | undefined> {
    const { markers } = this.#options;
    const clock = new HybridClock(side);
    for (const seen of [
      readStamp(state.a, markers),
      readStamp(state.b, markers),
      state.tombstones.a,
      state.tombstones.b,
    ]) {
      if (seen !== undefined) clock.observe(seen);
    }
    const stamp = clock.nextStamp();
    // Markers only: the content stays what the app wrote, so the change is an echo (echo.ts).
    const input = this.#setMarkers(side, key, item, { stamp, digest: digestOf(item, markers) });
    const done = await this.#send(side, 'dynamodb:UpdateItem', signal, (client) =>
      client.send(new UpdateItemCommand(input), { abortSignal: signal }),
    );
    if (!done) return undefined;
    this.#repair.stamped += 1;
    return stampImage(item, markers, stamp);
  }

  /** Deletes an item the rule says should be absent: tombstone, the `delete` mark, then the delete. */
  async #delete(
    side: Side,
    item: Item | undefined,
    key: Item,
    stamp: string,
    signal: AbortSignal,
  ): Promise<Outcome> {
    if (item === undefined) return 'done';
    const { markers, keyAttributes, horizonMs } = this.#options;
    const where = this.#options.sides[side];
    const target = { tableName: where.table.tableName, markers };
    // The tombstone first, so that a put below the delete arriving late loses on this side too.
    try {
      await this.#limited(signal);
      await where.client.send(
        new UpdateItemCommand(
          raiseTombstone({ tableName: where.tombstoneTable, keyAttributes, horizonMs }, key, stamp),
        ),
        { abortSignal: signal },
      );
    } catch (err) {
      // A higher tombstone is there already; no tombstone table: replication never ran, nothing reads one.
      if (!(err instanceof ConditionalCheckFailedException) && !(err instanceof ResourceNotFoundException)) {
        throw this.#describe(err, side, 'dynamodb:UpdateItem');
      }
    }
    const input = this.#setMarkers(side, key, item, { stamp, digest: DELETING });
    const marked = await this.#send(side, 'dynamodb:UpdateItem', signal, (client) =>
      client.send(new UpdateItemCommand(input), { abortSignal: signal }),
    );
    if (!marked) return 'changed';
    const deleted = await this.#send(side, 'dynamodb:DeleteItem', signal, (client) =>
      client.send(new DeleteItemCommand(deleteMarked(target, key, stamp)), { abortSignal: signal }),
    );
    if (!deleted) return 'changed';
    this.#repair.deleted += 1;
    return 'done';
  }

  #setMarkers(side: Side, key: Item, item: Item, marks: { stamp: string; digest: string }) {
    const { keyAttributes, markers } = this.#options;
    const input = setMarkersIfUnchanged(
      this.#options.sides[side].table.tableName,
      key,
      item,
      keyAttributes,
      markers,
      marks,
    );
    if (input === undefined) throw new ItemRefusal('too many attributes to write it conditionally');
    return input;
  }

  #unchanged(item: Item | undefined): Condition | undefined {
    return unchangedCondition(item, this.#options.keyAttributes, this.#options.markers);
  }

  /** Sends one conditional write; false when its condition failed (the item changed since it was read). */
  async #send(
    side: Side,
    action: string,
    signal: AbortSignal,
    write: (client: DynamoDBClient) => Promise<unknown>,
  ): Promise<boolean> {
    await this.#limited(signal);
    try {
      await write(this.#options.sides[side].client);
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      if (isItemRefusal(err)) throw err;
      throw this.#describe(err, side, action);
    }
  }

  async #limited(signal: AbortSignal): Promise<void> {
    await this.#options.writeLimiter.take(1, signal);
    if (signal.aborted) throw new StoppedError();
  }

  async #tombstone(side: Side, key: Item, signal: AbortSignal): Promise<string | undefined> {
    const where = this.#options.sides[side];
    try {
      const out = await where.client.send(
        new GetItemCommand({
          TableName: where.tombstoneTable,
          Key: tombstoneKey(key, this.#options.keyAttributes),
          ConsistentRead: true,
        }),
        { abortSignal: signal },
      );
      return out.Item?.[TOMBSTONE.stamp]?.S;
    } catch (err) {
      // No tombstone table: two-way replication never ran against this side, so no delete is on record there.
      if (err instanceof ResourceNotFoundException) return undefined;
      throw this.#describe(err, side, 'dynamodb:GetItem');
    }
  }

  #describe(err: unknown, side: Side, action: string): Error {
    if (err instanceof ReplicatorError) return err;
    if (err instanceof Error && classifyError(err).kind === 'programmer') return err;
    return describeFailure(
      err,
      side === 'a' ? 'source' : 'destination',
      this.#options.sides[side].table,
      action,
    );
  }
}

/** A key that cannot be repaired: counted as failed, the run goes on. */
class ItemRefusal extends Error {}

function isItemRefusal(err: unknown): boolean {
  if (err instanceof ItemRefusal) return true;
  return err instanceof Error && err.name === 'ValidationException';
}
