// A worker's presence item in the lease table (key `worker#<worker id>`): written on every renewal round whether
// or not the worker holds a lease (every 2nd round while it holds one, lease-pace.ts), so that the others count it
// in the fair share and `status` lists it. It holds no state: deleting it is always safe, and a live worker writes
// it again with its next heartbeat.
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { WorkerPresence } from './lease.js';

/** The key prefix of presence items; no shard id has it. */
export const WORKER_KEY_PREFIX = 'worker#';

function workerKey(workerId: string): Record<string, AttributeValue> {
  return { leaseKey: { S: `${WORKER_KEY_PREFIX}${workerId}` } };
}

export function presenceFromItem(item: Record<string, AttributeValue>): WorkerPresence {
  const key = item.leaseKey?.S;
  if (key?.startsWith(WORKER_KEY_PREFIX) !== true) throw new TypeError('worker item without a worker key');
  return {
    workerId: key.slice(WORKER_KEY_PREFIX.length),
    heartbeat: Number(item.heartbeat?.N ?? '0'),
    lastSeenAt: item.lastSeenAt?.N === undefined ? undefined : Number(item.lastSeenAt.N),
    failoverMs: item.failoverMs?.N === undefined ? undefined : Number(item.failoverMs.N),
  };
}

/** Creates the item or bumps its heartbeat; `now` and `failoverMs` are wall-clock facts for `status`. */
export async function writeHeartbeat(
  client: DynamoDBClient,
  tableName: string,
  workerId: string,
  facts: { readonly now: number; readonly failoverMs: number },
  signal?: AbortSignal,
): Promise<void> {
  await client.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: workerKey(workerId),
      UpdateExpression:
        'SET heartbeat = if_not_exists(heartbeat, :zero) + :one, lastSeenAt = :now, failoverMs = :failover',
      ExpressionAttributeValues: {
        ':zero': { N: '0' },
        ':one': { N: '1' },
        ':now': { N: String(facts.now) },
        ':failover': { N: String(facts.failoverMs) },
      },
    }),
    { abortSignal: signal },
  );
}

/**
 * Deletes the item: unconditionally (a worker's own, on a clean stop), or only while its heartbeat is still
 * `seenHeartbeat` (another worker's that has not moved for the failover time; one that came back stays).
 */
export async function deletePresence(
  client: DynamoDBClient,
  tableName: string,
  workerId: string,
  seenHeartbeat: number | undefined,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    await client.send(
      new DeleteItemCommand({
        TableName: tableName,
        Key: workerKey(workerId),
        ...(seenHeartbeat === undefined
          ? {}
          : {
              ConditionExpression: 'heartbeat = :seen',
              ExpressionAttributeValues: { ':seen': { N: String(seenHeartbeat) } },
            }),
      }),
      { abortSignal: signal },
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}
