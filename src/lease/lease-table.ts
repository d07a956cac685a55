// Creating the lease table: every worker of a fleet may try at once at its first start, so "already being
// created" is a success, and each waits until the table is active.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../util/ensure-table.js';

/** Creates the table (hash key leaseKey, on-demand billing) if it is missing and waits until it is active. */
export async function ensureLeaseTable(
  client: DynamoDBClient,
  tableName: string,
  signal?: AbortSignal,
): Promise<{ created: boolean }> {
  return ensureTable(
    client,
    {
      TableName: tableName,
      KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    },
    signal,
  );
}
