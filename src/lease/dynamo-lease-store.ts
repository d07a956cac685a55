// The lease table in DynamoDB: the only shared state of a fleet. Every change is a conditional write, and a
// failed condition is a result ("someone else changed it"), never an exception. Ownership rules:
// take and renew are conditional on the leaseCounter last seen (so two takers cannot both win), checkpoint and
// release on leaseOwner (so a worker that lost the lease cannot move its checkpoint).
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  ScanCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { Lease, WorkerPresence } from './lease.js';
import { fromItem, toItem } from './lease-items.js';
import { BOOTSTRAP_KEY_PREFIX, type Fleet, type LeaseStore, type RenewAllOutcome } from './lease-store.js';
import { ensureLeaseTable } from './lease-table.js';
import { deletePresence, presenceFromItem, WORKER_KEY_PREFIX, writeHeartbeat } from './worker-presence.js';
import {
  deleteFailure,
  failureFromItem,
  FAILURE_KEY_PREFIX,
  writeFailure,
  type TaskFailure,
} from './task-failure.js';
import { unlessConditionFailed } from './unless-condition-failed.js';

export class DynamoLeaseStore implements LeaseStore {
  readonly #client: DynamoDBClient;
  readonly tableName: string;

  readonly #failoverMs: number;
  readonly #now: () => number;

  /** `failoverMs` is recorded in the leases this worker takes, for `status`. */
  constructor(
    client: DynamoDBClient,
    tableName: string,
    options: { failoverMs?: number; now?: () => number } = {},
  ) {
    this.#client = client;
    this.tableName = tableName;
    this.#failoverMs = options.failoverMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  async ensureTable(signal?: AbortSignal): Promise<{ created: boolean }> {
    return ensureLeaseTable(this.#client, this.tableName, signal);
  }

  async list(signal?: AbortSignal): Promise<Lease[]> {
    return (await this.listFleet(signal)).leases;
  }

  async listFleet(signal?: AbortSignal): Promise<Fleet> {
    const leases: Lease[] = [];
    const workers: WorkerPresence[] = [];
    const copyItems: Record<string, AttributeValue>[] = [];
    const failures: TaskFailure[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const out = await this.#client.send(
        new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
        { abortSignal: signal },
      );
      for (const item of out.Items ?? []) {
        const key = item.leaseKey?.S ?? '';
        // A bootstrap copy's items are no shard leases (see BOOTSTRAP_KEY_PREFIX).
        if (key.startsWith(BOOTSTRAP_KEY_PREFIX)) copyItems.push(item);
        else if (key.startsWith(FAILURE_KEY_PREFIX)) failures.push(failureFromItem(item));
        else if (key.startsWith(WORKER_KEY_PREFIX)) workers.push(presenceFromItem(item));
        else leases.push(fromItem(item));
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined);
    return { leases, workers, copyItems, failures };
  }

  async heartbeat(workerId: string, signal?: AbortSignal): Promise<void> {
    await writeHeartbeat(
      this.#client,
      this.tableName,
      workerId,
      { now: this.#now(), failoverMs: this.#failoverMs },
      signal,
    );
  }

  async recordFailure(workerId: string, error: string, signal?: AbortSignal): Promise<void> {
    await writeFailure(this.#client, this.tableName, { workerId, error, failedAt: this.#now() }, signal);
  }

  async clearFailures(seen: readonly TaskFailure[], signal?: AbortSignal): Promise<void> {
    for (const failure of seen) await deleteFailure(this.#client, this.tableName, failure, signal);
  }

  async removeWorker(workerId: string, seenHeartbeat?: number, signal?: AbortSignal): Promise<boolean> {
    return deletePresence(this.#client, this.tableName, workerId, seenHeartbeat, signal);
  }

  async create(lease: Lease, signal?: AbortSignal): Promise<boolean> {
    return unlessConditionFailed(async () => {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem(lease),
          ConditionExpression: 'attribute_not_exists(leaseKey)',
        }),
        { abortSignal: signal },
      );
      return true;
    }, false);
  }

  async createAll(leases: readonly Lease[], signal?: AbortSignal): Promise<boolean> {
    if (leases.length === 0) return true;
    try {
      // The SDK's idempotency token makes a retry of a transaction that was applied, its answer lost, succeed.
      await this.#client.send(
        new TransactWriteItemsCommand({
          TransactItems: leases.map((lease) => ({
            Put: {
              TableName: this.tableName,
              Item: toItem(lease),
              ConditionExpression: 'attribute_not_exists(leaseKey)',
            },
          })),
        }),
        { abortSignal: signal },
      );
      return true;
    } catch (err) {
      if (err instanceof TransactionCanceledException) return false;
      throw err;
    }
  }

  /** The update of one take: the lease to `owner`, if its counter is still the one seen. */
  #takeUpdate(seen: Lease, owner: string, now: number) {
    return {
      TableName: this.tableName,
      Key: { leaseKey: { S: seen.leaseKey } },
      UpdateExpression:
        'SET leaseOwner = :owner, leaseCounter = leaseCounter + :one, ownerSwitchesSinceCheckpoint = if_not_exists(ownerSwitchesSinceCheckpoint, :zero) + :switched, lastRenewedAt = :now, failoverMs = :failover REMOVE pendingOwner, behindMs',
      ConditionExpression: 'attribute_exists(leaseKey) AND leaseCounter = :seen',
      ExpressionAttributeValues: {
        ':owner': { S: owner },
        ':one': { N: '1' },
        ':zero': { N: '0' },
        ':switched': { N: seen.leaseOwner !== owner ? '1' : '0' },
        ':seen': { N: String(seen.leaseCounter) },
        ':now': { N: String(now) },
        ':failover': { N: String(this.#failoverMs) },
      },
    };
  }

  async take(seen: Lease, owner: string, signal?: AbortSignal): Promise<Lease | undefined> {
    try {
      const out = await this.#client.send(
        new UpdateItemCommand({
          ...this.#takeUpdate(seen, owner, this.#now()),
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        { abortSignal: signal },
      );
      return out.Attributes === undefined ? undefined : fromItem(out.Attributes);
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      // Refused, yet the lease may be ours: the SDK retried a take whose first attempt was applied but whose
      // answer was lost (the counter had moved by our own write), or its owner handed it to us meanwhile. The
      // lease table is what every worker goes by: a lease in our name is ours to hold; dropping it would leave
      // it idle until it expired. It is renewed at once, so that its validity starts after this call was sent
      // (the caller counts it from then), whenever the write that put it in our name happened.
      const current = err.Item === undefined ? undefined : fromItem(err.Item);
      return current?.leaseOwner === owner ? this.renew(current, signal) : undefined;
    }
  }

  async takeAll(seen: readonly Lease[], owner: string, signal?: AbortSignal): Promise<Lease[] | undefined> {
    if (seen.length === 0) return [];
    const now = this.#now();
    try {
      // The SDK gives the transaction an idempotency token and keeps it across its retries: a retry of a
      // transaction that was applied but whose answer was lost succeeds instead of failing its conditions.
      await this.#client.send(
        new TransactWriteItemsCommand({
          TransactItems: seen.map((lease) => ({ Update: this.#takeUpdate(lease, owner, now) })),
        }),
        { abortSignal: signal },
      );
    } catch (err) {
      // A lease no longer as seen, or a transaction of another worker on one of them: nothing was taken.
      if (err instanceof TransactionCanceledException) return undefined;
      throw err;
    }
    // The transaction does not return the items: each is what the update made of the lease seen.
    return seen.map((lease) => ({
      ...lease,
      leaseOwner: owner,
      leaseCounter: lease.leaseCounter + 1,
      ownerSwitchesSinceCheckpoint: lease.ownerSwitchesSinceCheckpoint + (lease.leaseOwner !== owner ? 1 : 0),
      lastRenewedAt: now,
      failoverMs: this.#failoverMs,
      pendingOwner: undefined,
      behindMs: undefined,
    }));
  }

  async renew(seen: Lease, signal?: AbortSignal, behindMs?: number): Promise<Lease | undefined> {
    const owner = seen.leaseOwner;
    if (owner === undefined) return undefined;
    let counter = seen.leaseCounter;
    // Conditional on the counter this worker last saw, as in the Kinesis Client Library. A renewal that timed out
    // on our side may still have been applied and moved the counter: the refusal then shows the lease still in our
    // name, and one more attempt on that counter renews it, instead of dropping a lease nobody took. Any move to
    // another worker (take, hand-over, release) changes leaseOwner, so the item returned tells the two apart.
    for (let attempt = 0; attempt < 3; attempt++) {
      const outcome = await this.#renewOnce(seen.leaseKey, owner, counter, behindMs, signal);
      if (outcome.renewed !== undefined) return outcome.renewed;
      const current = outcome.refusedBy;
      if (current?.leaseOwner !== owner) return undefined;
      counter = current.leaseCounter;
    }
    return undefined;
  }

  async renewAll(
    seen: readonly { readonly lease: Lease; readonly behindMs?: number | undefined }[],
    signal?: AbortSignal,
  ): Promise<RenewAllOutcome> {
    if (seen.length === 0) return { renewed: [] };
    const now = this.#now();
    try {
      // A lease asked for by another worker is renewed alone: its answer carries the request (pendingOwner).
      await this.#client.send(
        new TransactWriteItemsCommand({
          TransactItems: seen.map(({ lease, behindMs }) => {
            const update = renewUpdate(
              this.tableName,
              lease.leaseKey,
              lease.leaseOwner ?? '',
              lease.leaseCounter,
              behindMs,
              now,
            );
            return {
              Update: {
                ...update,
                ConditionExpression: `${update.ConditionExpression} AND attribute_not_exists(pendingOwner)`,
              },
            };
          }),
        }),
        { abortSignal: signal },
      );
    } catch (err) {
      if (err instanceof TransactionCanceledException) return { refused: refusedParts(err, seen.length) };
      throw err;
    }
    // The transaction does not return the items: each is what the update made of the lease seen.
    return {
      renewed: seen.map(({ lease, behindMs }) => ({
        ...lease,
        leaseCounter: lease.leaseCounter + 1,
        lastRenewedAt: now,
        pendingOwner: undefined,
        behindMs: behindMs === undefined ? undefined : Math.round(behindMs),
      })),
    };
  }

  async #renewOnce(
    leaseKey: string,
    owner: string,
    counter: number,
    behindMs: number | undefined,
    signal?: AbortSignal,
  ): Promise<{ readonly renewed?: Lease; readonly refusedBy?: Lease | undefined }> {
    try {
      const out = await this.#client.send(
        new UpdateItemCommand({
          ...renewUpdate(this.tableName, leaseKey, owner, counter, behindMs, this.#now()),
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        { abortSignal: signal },
      );
      return out.Attributes === undefined ? {} : { renewed: fromItem(out.Attributes) };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      return { refusedBy: err.Item === undefined ? undefined : fromItem(err.Item) };
    }
  }

  async checkpoint(
    shardId: string,
    owner: string,
    checkpoint: string,
    signal?: AbortSignal,
  ): Promise<boolean> {
    return this.#conditionalUpdate(
      shardId,
      {
        UpdateExpression:
          'SET #checkpoint = :checkpoint, checkpointSubSequenceNumber = :zero, ownerSwitchesSinceCheckpoint = :zero',
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeNames: { '#checkpoint': 'checkpoint' },
        ExpressionAttributeValues: {
          ':checkpoint': { S: checkpoint },
          ':zero': { N: '0' },
          ':owner': { S: owner },
        },
      },
      undefined,
      signal,
    );
  }

  async release(shardId: string, owner: string, signal?: AbortSignal): Promise<boolean> {
    // Refused with no owner left: an earlier attempt of this very call was applied and its answer lost (the SDK
    // sent it again). Only the owner clears leaseOwner, so the lease was released by us.
    return this.#conditionalUpdate(
      shardId,
      {
        UpdateExpression: 'REMOVE leaseOwner, pendingOwner SET leaseCounter = leaseCounter + :one',
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeValues: { ':owner': { S: owner }, ':one': { N: '1' } },
      },
      (current) => current !== undefined && current.leaseOwner === undefined,
      signal,
    );
  }

  async requestHandover(seen: Lease, requester: string, signal?: AbortSignal): Promise<boolean> {
    const owner = seen.leaseOwner;
    if (owner === undefined) return false;
    // Not conditional on the counter seen: the owner renews every lease every failover-ms / 6, so a request sent a
    // moment after the look that chose it was refused more often than not (the thousand-shards stage: a joiner
    // asked for 90 of its 112 leases in its first looks, the rest a few per look over 30 s). A request only asks;
    // the owner decides, and the owner it names is the one the look saw.
    return this.#conditionalUpdate(
      seen.leaseKey,
      {
        UpdateExpression: 'SET pendingOwner = :requester',
        ConditionExpression: 'leaseOwner = :owner AND attribute_not_exists(pendingOwner)',
        ExpressionAttributeValues: {
          ':requester': { S: requester },
          ':owner': { S: owner },
        },
      },
      undefined,
      signal,
    );
  }

  async handOver(shardId: string, owner: string, to: string, signal?: AbortSignal): Promise<boolean> {
    // Refused with `to` as the owner: an earlier attempt of this very call was applied and its answer lost (the
    // SDK sent it again), and `to` may have taken the lease since. It was handed over.
    return this.#conditionalUpdate(
      shardId,
      {
        UpdateExpression:
          'SET leaseOwner = :to, leaseCounter = leaseCounter + :one, lastRenewedAt = :now REMOVE pendingOwner',
        ConditionExpression: 'leaseOwner = :owner AND pendingOwner = :to',
        ExpressionAttributeValues: {
          ':to': { S: to },
          ':owner': { S: owner },
          ':one': { N: '1' },
          ':now': { N: String(this.#now()) },
        },
      },
      (current) => current?.leaseOwner === to,
      signal,
    );
  }

  async deleteFinished(shardId: string, signal?: AbortSignal): Promise<boolean> {
    return unlessConditionFailed(async () => {
      await this.#client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { leaseKey: { S: shardId } },
          ConditionExpression: '#checkpoint = :end',
          ExpressionAttributeNames: { '#checkpoint': 'checkpoint' },
          ExpressionAttributeValues: { ':end': { S: 'SHARD_END' } },
        }),
        { abortSignal: signal },
      );
      return true;
    }, false);
  }

  /**
   * A conditional update of one lease: true when it applies; when refused, what `alreadyDone` says of the item as
   * it is now (an earlier attempt of the same call applied), or false without it.
   */
  async #conditionalUpdate(
    leaseKey: string,
    update: Pick<
      UpdateItemCommandInput,
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
    alreadyDone: ((current: Lease | undefined) => boolean) | undefined,
    signal?: AbortSignal,
  ): Promise<boolean> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { leaseKey: { S: leaseKey } },
          ...update,
          ...(alreadyDone === undefined ? {} : { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }),
        }),
        { abortSignal: signal },
      );
      return true;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      return alreadyDone?.(err.Item === undefined ? undefined : fromItem(err.Item)) ?? false;
    }
  }
}

/** A renewal: the counter bumped, if `owner` still holds the lease at `counter`, with the owner's lag. */
function renewUpdate(
  tableName: string,
  leaseKey: string,
  owner: string,
  counter: number,
  behindMs: number | undefined,
  now: number,
): {
  TableName: string;
  Key: Record<string, AttributeValue>;
  UpdateExpression: string;
  ConditionExpression: string;
  ExpressionAttributeValues: Record<string, AttributeValue>;
} {
  // The lag rides on the renewal the lease needs anyway: `status` reads every worker's lag from the lease table at
  // no extra write.
  const lag: { expression: string; values: Record<string, AttributeValue> } =
    behindMs === undefined
      ? { expression: ' REMOVE behindMs', values: {} }
      : { expression: ', behindMs = :behind', values: { ':behind': { N: String(Math.round(behindMs)) } } };
  return {
    TableName: tableName,
    Key: { leaseKey: { S: leaseKey } },
    UpdateExpression: `SET leaseCounter = leaseCounter + :one, lastRenewedAt = :now${lag.expression}`,
    ConditionExpression: 'leaseOwner = :owner AND leaseCounter = :seen',
    ExpressionAttributeValues: {
      ':owner': { S: owner },
      ':one': { N: '1' },
      ':seen': { N: String(counter) },
      ':now': { N: String(now) },
      ...lag.values,
    },
  };
}

/**
 * The parts of a cancelled transaction that were refused (a failed condition, another write on the item) by
 * their place in it, from DynamoDB's CancellationReasons (one per part, in order; `None` for a part that was
 * fine). Every part when the reasons are missing.
 */
function refusedParts(err: TransactionCanceledException, parts: number): number[] {
  const reasons = err.CancellationReasons;
  const all = Array.from({ length: parts }, (_, i) => i);
  if (reasons?.length !== parts) return all;
  const refused = all.filter((i) => (reasons[i]?.Code ?? 'None') !== 'None');
  return refused.length === 0 ? all : refused;
}
