// Creating the lease table: every worker of a fleet may try at once at its first start, so "already being
// created" is a success, and each waits until the table is active.
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  waitUntilTableExists,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

/** Creates the table (hash key leaseKey, on-demand billing) if it is missing and waits until it is active. */
export async function ensureLeaseTable(
  client: DynamoDBClient,
  tableName: string,
  signal?: AbortSignal,
): Promise<{ created: boolean }> {
  let created = false;
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }), { abortSignal: signal });
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
        { abortSignal: signal },
      );
      created = true;
    } catch (createErr) {
      // Another worker of the fleet created it first: fine, wait for it like ours.
      if (!(createErr instanceof ResourceInUseException)) throw createErr;
    }
  }
  await waitUntilTableExists(
    { client, maxWaitTime: 300, minDelay: 1, maxDelay: 5, abortSignal: signal },
    { TableName: tableName },
  );
  return { created };
}
