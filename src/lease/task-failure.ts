// A task's failure in its lease table (key `failure#<worker id>`): a worker whose task stopped with an error
// (its table deleted, its destination refusing writes) says so where every reader of the fleet looks, so that
// `status` shows the task failed, with the line, from any machine, after the process has gone. A worker that
// starts the task again (its start-up checks passed) deletes the records it found: the task runs again.
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

/** The key prefix of failure records; no shard id has it. */
export const FAILURE_KEY_PREFIX = 'failure#';

export interface TaskFailure {
  readonly workerId: string;
  /** The task's error line, as the worker logged it. */
  readonly error: string;
  /** Wall-clock ms; also what a deletion is conditional on. */
  readonly failedAt: number;
}

/** DynamoDB items hold 400 KB; an error line is meant to be one line, and a status table shows it whole. */
const MAX_ERROR_CHARS = 2_000;

export function failureFromItem(item: Record<string, AttributeValue>): TaskFailure {
  const key = item.leaseKey?.S;
  if (key?.startsWith(FAILURE_KEY_PREFIX) !== true) throw new TypeError('failure item without a failure key');
  return {
    workerId: key.slice(FAILURE_KEY_PREFIX.length),
    error: item.error?.S ?? '',
    failedAt: Number(item.failedAt?.N ?? '0'),
  };
}

export async function writeFailure(
  client: DynamoDBClient,
  tableName: string,
  failure: TaskFailure,
  signal?: AbortSignal,
): Promise<void> {
  await client.send(
    new PutItemCommand({
      TableName: tableName,
      Item: {
        leaseKey: { S: `${FAILURE_KEY_PREFIX}${failure.workerId}` },
        error: { S: failure.error.slice(0, MAX_ERROR_CHARS) },
        failedAt: { N: String(failure.failedAt) },
      },
    }),
    { abortSignal: signal },
  );
}

/** Deletes a record only as seen: a newer failure of the same worker id stays. */
export async function deleteFailure(
  client: DynamoDBClient,
  tableName: string,
  seen: TaskFailure,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    await client.send(
      new DeleteItemCommand({
        TableName: tableName,
        Key: { leaseKey: { S: `${FAILURE_KEY_PREFIX}${seen.workerId}` } },
        ConditionExpression: 'failedAt = :seen',
        ExpressionAttributeValues: { ':seen': { N: String(seen.failedAt) } },
      }),
      { abortSignal: signal },
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}
