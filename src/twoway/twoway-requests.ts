// The requests of one direction of two-way replication (twoway-sink.ts), and the flush they belong to: each takes a
// write slot, passes the lease check (beforeSend) and runs under its own deadline, and is retried while retriable.
// A put transaction joins a group of the flush's (transact-groups.ts), a local stamp a batch of stamps
// (stamp-batches.ts); their trace lines are write-trace.ts. Every refused condition that means a write lost goes
// to the conflict log here.
import { setMaxListeners } from 'node:events';
import type { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import {
  BatchExecuteStatementCommand,
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type DynamoDBClient,
  type TransactionCanceledException,
  type BatchExecuteStatementCommandInput,
  type BatchStatementRequest,
  type BatchStatementResponse,
  type TransactWriteItemsCommandInput,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { Logger } from 'pino';
import { itemSizeBytes } from '../bootstrap/item-size.js';
import { StoppedError } from '../errors/replicator-error.js';
import type { EventBus } from '../observability/events.js';
import type { Item } from '../stream/change-record.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../util/backoff.js';
import { retrying } from '../util/retry.js';
import type { Slots } from '../util/semaphore.js';
import { sleep } from '../util/sleep.js';
import type { WriteOptions } from '../writer/table-writer.js';
import { RequestDeadlines } from '../writer/request-deadlines.js';
import type { putIfNewerThanTombstone } from './conditional-apply.js';
import { recordConflict, type Conflict } from './conflict-log.js';
import type { KeyLink } from './key-link.js';
import type { Markers } from './markers.js';
import { TOMBSTONE, tombstoneKey } from './tombstone.js';
import { traceTransact, traceWrite } from './write-trace.js';
import { FlushLoad } from './key-batches.js';
import { stampBatches, type StampBatches } from './stamp-batches.js';
import { transactGroups, type TransactGroups } from './transact-groups.js';
import { parseStamp, type Side } from './version-stamp.js';

/** One side's table and tombstone table, reached with that side's client. */
export interface TwoWaySide {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly tombstoneTable: string;
}

export interface TwoWayRequestsDeps {
  /** The side whose stream this direction reads (X); the other is Y. */
  readonly side: Side;
  readonly local: TwoWaySide;
  readonly remote: TwoWaySide;
  /** The conflict table of this direction, with the client that reaches it. */
  readonly conflicts: { readonly client: DynamoDBClient; readonly tableName: string };
  readonly keyAttributes: readonly string[];
  readonly markers: Markers;
  readonly writeSlots: Slots;
  readonly requestTimeoutMs: number;
  readonly events: EventBus;
  readonly logger: Logger;
}

/**
 * How long a key's put or stamp waits for others to join its batch (key-batches.ts) while other keys of the flush
 * are still at work elsewhere. A batch is sent at once when it is full or when no other key can join it.
 */
const GROUP_WINDOW_MS = 50;

/** One flush: its stop signal, the lease check, the deadlines and groups of its requests, and what they cost. */
export interface TwoWayFlush {
  readonly signal: AbortSignal;
  readonly beforeSend: WriteOptions['beforeSend'];
  readonly deadlines: RequestDeadlines;
  /** The flush's keys at work, shared by its batches: a key done calls load.keyDone(). */
  readonly load: FlushLoad;
  readonly groups: TransactGroups;
  readonly stamps: StampBatches;
  /** This side's tombstones and links of the keys whose first change needs one (flush-reads.ts): those keys wait. */
  readonly tombstones: Map<string, string | undefined>;
  readonly links: Map<string, KeyLink | undefined>;
  requests: number;
  retries: number;
}

/** A conditional write's answer, or the item DynamoDB returned with its refusal. */
export type Attempt<T> = { readonly ok: T } | { readonly refused: Item | undefined };

export class TwoWayRequests {
  readonly #deps: TwoWayRequestsDeps;
  /** Whether stamps go in batches (BatchExecuteStatement): until the service refuses them for want of permission. */
  #batchStamps = true;

  constructor(deps: TwoWayRequestsDeps) {
    this.#deps = deps;
  }

  /** A flush of `keys` distinct keys; close it when its writes are done. */
  open(keys: number, options: Pick<WriteOptions, 'signal' | 'beforeSend'>): TwoWayFlush {
    // Every write of the flush waiting for a write slot or a backoff listens to this one signal (a flush of
    // hundreds of keys made Node warn of a listener leak).
    const signal = AbortSignal.any([options.signal]);
    setMaxListeners(0, signal);
    const load = new FlushLoad(keys);
    const batching = { windowMs: GROUP_WINDOW_MS, signal };
    const flush: TwoWayFlush = {
      signal,
      beforeSend: options.beforeSend,
      deadlines: new RequestDeadlines(signal),
      load,
      groups: transactGroups(
        load,
        (target, input) => this.#sendGroup(this.#sideOf(target), input, flush),
        batching,
      ),
      stamps: stampBatches(
        load,
        (target, input) => this.#sendStamps(this.#sideOf(target), input, flush),
        batching,
      ),
      tombstones: new Map(),
      links: new Map(),
      requests: 0,
      retries: 0,
    };
    return flush;
  }

  close(flush: TwoWayFlush): void {
    flush.groups.close();
    flush.stamps.close();
    flush.deadlines.close();
  }

  #sideOf(target: string): TwoWaySide {
    return target === 'local' ? this.#deps.local : this.#deps.remote;
  }

  /**
   * The stamp of an app write on this side (stampIfUnchanged, conditional-apply.ts): in a batch of the flush's
   * stamps when it can be written as a statement (stamp-statement.ts), else, or when the batch could not take it,
   * as UpdateItem. The same answer either way: the item as stamped, or the item the condition found.
   */
  async stamp(
    update: UpdateItemCommandInput,
    statement: BatchStatementRequest | undefined,
    flush: TwoWayFlush,
  ): Promise<Attempt<{ Attributes?: Item }>> {
    const alone = (): Promise<Attempt<{ Attributes?: Item }>> =>
      this.attempt(this.#deps.local.client, new UpdateItemCommand(update), flush);
    if (statement === undefined || !this.#batchStamps) return alone();
    const answer = await flush.stamps.submit('local', statement);
    if (answer.kind === 'alone') {
      this.#deps.logger.debug({ key: update.Key, code: answer.code }, 'two-way stamp sent alone');
      return alone();
    }
    traceWrite(
      this.#deps,
      { input: { ...update, ConditionExpression: statement.Statement } },
      answer.kind === 'stamped' ? 'ok' : 'refused',
      answer.item,
    );
    return answer.kind === 'stamped' ? { ok: { Attributes: answer.item } } : { refused: answer.item };
  }

  /** One batch of stamps as one request; refused for want of PartiQLUpdate, stamps go alone from then on. */
  async #sendStamps(
    side: TwoWaySide,
    input: BatchExecuteStatementCommandInput,
    flush: TwoWayFlush,
  ): Promise<readonly BatchStatementResponse[] | undefined> {
    if (!this.#batchStamps) return undefined;
    try {
      const out = await this.#send(
        () => side.tableName,
        (signal) => side.client.send(new BatchExecuteStatementCommand(input), { abortSignal: signal }),
        flush,
      );
      return out.Responses;
    } catch (err) {
      if (!(err instanceof Error && err.name === 'AccessDeniedException')) throw err;
      // A policy made before stamps were batched lacks dynamodb:PartiQLUpdate: replication goes on, at the cost of
      // one request per stamp, and the log says once what to grant (batches in flight together are refused too).
      if (!this.#batchStamps) return undefined;
      this.#batchStamps = false;
      this.#deps.logger.warn(
        { table: side.tableName, err: err.message },
        `two-way: BatchExecuteStatement on ${side.tableName} was refused (AccessDenied); each stamp now goes as its own UpdateItem. Grant dynamodb:PartiQLUpdate on the table (see \`ddb-replicator policy\`) to batch them`,
      );
      return undefined;
    }
  }

  /** Records a write that lost on `where`'s table (this side's or the other's). */
  async conflict(
    where: TwoWaySide,
    keys: Item,
    loser: Omit<Conflict['loser'], 'side'>,
    winner: Conflict['winner'],
    flush: TwoWayFlush,
  ): Promise<void> {
    const here = this.#deps.side;
    const side = loser.stamp === undefined ? here : (parseStamp(loser.stamp)?.side ?? here);
    const table = where.tableName;
    const tableSide = where === this.#deps.local ? here : here === 'a' ? 'b' : 'a';
    const conflict: Conflict = { table, tableSide, keys, loser: { ...loser, side }, winner, at: Date.now() };
    const { client, tableName } = this.#deps.conflicts;
    await this.#send(
      () => 'conflict log',
      (signal) => recordConflict(client, tableName, conflict, this.#deps.keyAttributes, signal),
      flush,
    );
    this.#deps.events.emit('twoway.conflict', { table, loser: loser.kind, winner: winner.kind });
    this.#deps.logger.debug({ conflict }, 'two-way conflict');
  }

  async tombstoneStamp(side: TwoWaySide, keys: Item, flush: TwoWayFlush): Promise<string | undefined> {
    return (await this.tombstone(side, keys, flush))?.[TOMBSTONE.stamp]?.S;
  }

  async tombstone(side: TwoWaySide, keys: Item, flush: TwoWayFlush): Promise<Item | undefined> {
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

  async read(side: TwoWaySide, keys: Item, flush: TwoWayFlush): Promise<Item | undefined> {
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
  async attempt<T>(
    client: DynamoDBClient,
    command: PutItemCommand | UpdateItemCommand | DeleteItemCommand,
    flush: TwoWayFlush,
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
      traceWrite(this.#deps, command, 'ok', (ok as { Attributes?: Item }).Attributes);
      return { ok };
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        traceWrite(this.#deps, command, 'refused', err.Item);
        return { refused: err.Item };
      }
      throw err;
    }
  }

  /**
   * A put transaction (one key), sent in a group of the flush's (transact-groups.ts): undefined when applied, else
   * the cancellation reasons of its own actions (conditions only). A conflict inside the transaction on this key
   * is waited out and the put sent again, as throttling is.
   */
  async transact(
    input: ReturnType<typeof putIfNewerThanTombstone>,
    flush: TwoWayFlush,
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
        traceTransact(this.#deps, input, 'ok');
        return undefined;
      }
      if (answer.kind === 'refused') {
        traceTransact(this.#deps, input, JSON.stringify(answer.reasons.map((r) => r.Code)));
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
  async #sendGroup(
    side: TwoWaySide,
    input: TransactWriteItemsCommandInput,
    flush: TwoWayFlush,
  ): Promise<void> {
    await this.#send(
      () => side.tableName,
      (signal) => side.client.send(new TransactWriteItemsCommand(input), { abortSignal: signal }),
      flush,
    );
  }

  /** The tombstones of the keys whose first change needs one (echo.ts), read together: one request per 100. */

  /** One request: a write slot, the lease check, its deadline, retried while retriable. */
  async #send<T>(
    table: () => string,
    send: (signal: AbortSignal) => Promise<T>,
    flush: TwoWayFlush,
  ): Promise<T> {
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
