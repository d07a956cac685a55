// The lease table's rule for conditional writes: a failed condition is a result ("someone else changed the item
// first"), never an exception. Shared by the shard leases and the bootstrap copy's segment items.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/** Runs `write`; when DynamoDB refuses its condition, resolves with `refused` instead of throwing. */
export async function unlessConditionFailed<T>(write: () => Promise<T>, refused: T): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return refused;
    throw err;
  }
}
