// The bootstrap copy's items in the lease table (see bootstrap-items.ts). Every change is a conditional write and
// a failed condition is a result, not an exception: take and renew are conditional on the leaseCounter last seen,
// progress and finish on leaseOwner (a worker that lost a segment cannot move its position), state changes on
// the state they leave. A stream position is recorded in one transaction with a check that the task is still
// recording positions, so no position can be recorded once any worker may have started copying.
import {
  PutItemCommand,
  ScanCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { Lease } from '../lease/lease.js';
import { toItem } from '../lease/lease-items.js';
import { BOOTSTRAP_KEY_PREFIX } from '../lease/lease-store.js';
import {
  bootstrapItemsFrom,
  newSegmentItem,
  savedKeyValue,
  segmentFromItem,
  segmentKey,
  SEGMENT_KEY_PREFIX,
  taskToItem,
  TASK_KEY,
  type BootstrapItems,
  type BootstrapState,
  type BootstrapTask,
  type CopySegment,
} from './bootstrap-items.js';
import type { ScanKey } from './scan-key-codec.js';
import { unlessConditionFailed } from '../lease/unless-condition-failed.js';

export type { BootstrapItems };

export interface SegmentProgress {
  /** Undefined once the segment is copied to its end. */
  readonly lastEvaluatedKey: ScanKey | undefined;
  /** Totals for the segment (not deltas), so a retried save counts nothing twice. */
  readonly itemsCopied: number;
  readonly bytesCopied: number;
}

/** `conflict`: the transaction met a concurrent write (another worker recording); try again. */
export type RecordOutcome = 'recorded' | 'exists' | 'too-late' | 'conflict';

const RETRY_CODES = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);

export interface SegmentStore {
  read(signal?: AbortSignal): Promise<BootstrapItems>;
  /** Creates the task unless one exists. */
  createTask(task: BootstrapTask, signal?: AbortSignal): Promise<boolean>;
  /** Creates the shard's lease with its recorded position, if the task still records positions. */
  recordPosition(lease: Lease, signal?: AbortSignal): Promise<RecordOutcome>;
  /** Creates the segment items that do not exist yet. */
  createSegments(count: number, signal?: AbortSignal): Promise<void>;
  /**
   * Moves the task from one of `from` to `to` (with extra number attributes); false if it was elsewhere, or
   * (with `direct`) if the copy turned into a spool copy meanwhile.
   */
  moveState(
    from: readonly BootstrapState[],
    to: BootstrapState,
    numbers: Record<string, number>,
    signal?: AbortSignal,
    direct?: 'direct',
  ): Promise<boolean>;
  /** An `auto` task's direct copy becomes a spool copy, if it is still copying directly; false otherwise. */
  switchToSpool(signal?: AbortSignal): Promise<boolean>;
  take(seen: CopySegment, owner: string, signal?: AbortSignal): Promise<CopySegment | undefined>;
  renew(seen: CopySegment, owner: string, signal?: AbortSignal): Promise<CopySegment | undefined>;
  /** Saves the position after a written page, or marks the segment done (no key), if `owner` holds it. */
  saveProgress(
    segment: number,
    owner: string,
    progress: SegmentProgress,
    signal?: AbortSignal,
  ): Promise<boolean>;
  release(segment: number, owner: string, signal?: AbortSignal): Promise<boolean>;
}

/** Every item of a copy in the lease table (keys under BOOTSTRAP_KEY_PREFIX), as stored, in one consistent Scan. */
export async function scanCopyItems(
  client: DynamoDBClient,
  table: string,
  signal?: AbortSignal,
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const out = await client.send(
      new ScanCommand({
        TableName: table,
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
        FilterExpression: 'begins_with(leaseKey, :prefix)',
        ExpressionAttributeValues: { ':prefix': { S: BOOTSTRAP_KEY_PREFIX } },
      }),
      { abortSignal: signal },
    );
    items.push(...(out.Items ?? []));
    startKey = out.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}

export class DynamoSegmentStore implements SegmentStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #now: () => number;
  /** Whose segments: the copy's (default) or a spool drain pass's (DRAIN_KEY_PREFIXES). */
  readonly #prefix: string;

  constructor(
    client: DynamoDBClient,
    tableName: string,
    options: { now?: () => number; prefix?: string } = {},
  ) {
    this.#client = client;
    this.#table = tableName;
    this.#now = options.now ?? Date.now;
    this.#prefix = options.prefix ?? SEGMENT_KEY_PREFIX;
  }

  async read(signal?: AbortSignal): Promise<BootstrapItems> {
    return bootstrapItemsFrom(await scanCopyItems(this.#client, this.#table, signal), this.#prefix);
  }

  async createTask(task: BootstrapTask, signal?: AbortSignal): Promise<boolean> {
    return unlessConditionFailed(async () => {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: taskToItem(task),
          ConditionExpression: 'attribute_not_exists(leaseKey)',
        }),
        { abortSignal: signal },
      );
      return true;
    }, false);
  }

  async recordPosition(lease: Lease, signal?: AbortSignal): Promise<RecordOutcome> {
    try {
      await this.#client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.#table,
                Key: { leaseKey: { S: TASK_KEY } },
                ConditionExpression: '#state = :recording',
                ExpressionAttributeNames: { '#state': 'state' },
                ExpressionAttributeValues: { ':recording': { S: 'recording-positions' } },
              },
            },
            {
              Put: {
                TableName: this.#table,
                Item: toItem(lease),
                ConditionExpression: 'attribute_not_exists(leaseKey)',
              },
            },
          ],
        }),
        { abortSignal: signal },
      );
      return 'recorded';
    } catch (err) {
      if (!(err instanceof TransactionCanceledException)) throw err;
      const [task, put] = (err.CancellationReasons ?? []).map((r) => r.Code);
      if (task === 'ConditionalCheckFailed') return 'too-late';
      if (put === 'ConditionalCheckFailed') return 'exists';
      if ([task, put].some((code) => code !== undefined && RETRY_CODES.has(code))) return 'conflict';
      throw err;
    }
  }

  async createSegments(count: number, signal?: AbortSignal): Promise<void> {
    for (let segment = 0; segment < count; segment++) {
      await unlessConditionFailed(async () => {
        await this.#client.send(
          new PutItemCommand({
            TableName: this.#table,
            Item: newSegmentItem(segment, this.#prefix),
            ConditionExpression: 'attribute_not_exists(leaseKey)',
          }),
          { abortSignal: signal },
        );
        return true;
      }, false);
    }
  }

  async moveState(
    from: readonly BootstrapState[],
    to: BootstrapState,
    numbers: Record<string, number>,
    signal?: AbortSignal,
    direct?: 'direct',
  ): Promise<boolean> {
    const names: Record<string, string> = { '#state': 'state' };
    const values: Record<string, AttributeValue> = { ':to': { S: to } };
    const sets = ['#state = :to'];
    Object.entries(numbers).forEach(([name, value], i) => {
      names[`#n${i}`] = name;
      values[`:n${i}`] = { N: String(value) };
      sets.push(`#n${i} = :n${i}`);
    });
    const accepted = from.map((state, i) => {
      values[`:from${i}`] = { S: state };
      return `:from${i}`;
    });
    return unlessConditionFailed(async () => {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { leaseKey: { S: TASK_KEY } },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression:
            `#state IN (${accepted.join(', ')})` +
            // Tasks stored before spool mode existed have no copyMode: direct.
            (direct === undefined ? '' : ' AND (attribute_not_exists(copyMode) OR copyMode = :direct)'),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues:
            direct === undefined ? values : { ...values, ':direct': { S: 'direct' } },
        }),
        { abortSignal: signal },
      );
      return true;
    }, false);
  }

  async switchToSpool(signal?: AbortSignal): Promise<boolean> {
    return unlessConditionFailed(async () => {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { leaseKey: { S: TASK_KEY } },
          UpdateExpression: 'SET copyMode = :spool REMOVE autoMode',
          ConditionExpression: '#state = :copying AND copyMode = :direct AND autoMode = :true',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':spool': { S: 'spool' },
            ':copying': { S: 'copying' },
            ':direct': { S: 'direct' },
            ':true': { BOOL: true },
          },
        }),
        { abortSignal: signal },
      );
      return true;
    }, false);
  }

  async take(seen: CopySegment, owner: string, signal?: AbortSignal): Promise<CopySegment | undefined> {
    return this.#bump(seen, owner, 'leaseCounter = :seen AND done = :false', signal);
  }

  async renew(seen: CopySegment, owner: string, signal?: AbortSignal): Promise<CopySegment | undefined> {
    return this.#bump(seen, owner, 'leaseOwner = :owner AND leaseCounter = :seen', signal);
  }

  async saveProgress(
    segment: number,
    owner: string,
    progress: SegmentProgress,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const done = progress.lastEvaluatedKey === undefined;
    const values: Record<string, AttributeValue> = {
      ':owner': { S: owner },
      ':items': { N: String(progress.itemsCopied) },
      ':bytes': { N: String(progress.bytesCopied) },
    };
    let update = 'SET itemsCopied = :items, bytesCopied = :bytes';
    let condition = 'leaseOwner = :owner';
    if (done) {
      // A retried final save finds its first attempt applied (done, no owner): that is success too.
      condition = 'leaseOwner = :owner OR done = :true';
      // Done: nobody owns it any more, and there is no position left to resume from.
      update += ', done = :true REMOVE leaseOwner, lastEvaluatedKey';
      values[':true'] = { BOOL: true };
    } else if (progress.lastEvaluatedKey !== undefined) {
      update += ', lastEvaluatedKey = :key';
      values[':key'] = savedKeyValue(progress.lastEvaluatedKey);
    }
    return unlessConditionFailed(async () => {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { leaseKey: { S: segmentKey(segment, this.#prefix) } },
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
        }),
        { abortSignal: signal },
      );
      return true;
    }, false);
  }

  async release(segment: number, owner: string, signal?: AbortSignal): Promise<boolean> {
    return unlessConditionFailed(async () => {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { leaseKey: { S: segmentKey(segment, this.#prefix) } },
          UpdateExpression: 'REMOVE leaseOwner SET leaseCounter = leaseCounter + :one',
          ConditionExpression: 'leaseOwner = :owner',
          ExpressionAttributeValues: { ':owner': { S: owner }, ':one': { N: '1' } },
        }),
        { abortSignal: signal },
      );
      return true;
    }, false);
  }

  async #bump(
    seen: CopySegment,
    owner: string,
    condition: string,
    signal?: AbortSignal,
  ): Promise<CopySegment | undefined> {
    return unlessConditionFailed(async () => {
      const out = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { leaseKey: { S: segmentKey(seen.segment, this.#prefix) } },
          UpdateExpression:
            'SET leaseOwner = :owner, leaseCounter = leaseCounter + :one, lastRenewedAt = :now',
          ConditionExpression: condition,
          ExpressionAttributeValues: {
            ':owner': { S: owner },
            ':one': { N: '1' },
            ':seen': { N: String(seen.leaseCounter) },
            ':now': { N: String(this.#now()) },
            ...(condition.includes(':false') ? { ':false': { BOOL: false } } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
        { abortSignal: signal },
      );
      return out.Attributes === undefined ? undefined : segmentFromItem(out.Attributes, this.#prefix);
    }, undefined);
  }
}
