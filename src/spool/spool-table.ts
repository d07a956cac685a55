// The spool table of a spool-mode copy: beside the lease table (same side, same credentials), named after it,
// on-demand, created by whichever worker gets there first and deleted once the task is done.
import { DeleteTableCommand, ResourceNotFoundException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../util/ensure-table.js';
import { SPOOL_KEY } from './spool-items.js';

export function spoolTableName(leaseTable: string): string {
  return `${leaseTable}-spool`;
}

export async function ensureSpoolTable(
  client: DynamoDBClient,
  tableName: string,
  signal?: AbortSignal,
): Promise<{ created: boolean }> {
  return ensureTable(
    client,
    {
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: SPOOL_KEY, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: SPOOL_KEY, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    },
    signal,
  );
}

/** Deletes the spool table; false when it was gone already. */
export async function deleteSpoolTable(
  client: DynamoDBClient,
  tableName: string,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    await client.send(new DeleteTableCommand({ TableName: tableName }), { abortSignal: signal });
    return true;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return false;
    throw err;
  }
}
