// A destination table that refuses some writes the source accepts: a global secondary index whose key attribute
// is typed S, so that any item carrying that attribute as N is rejected with a ValidationException. And the fix
// an operator would apply: dropping the index, waiting until DynamoDB has really removed it.
import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTableCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { deleteTableIfExists } from '../../src/local/local-tables.js';
import { waitFor } from './wait-for.js';

/** Replaces table `name` (hash key `pk` S) by an empty one with an index on `indexAttribute` typed S. */
export async function replaceWithIndexedTable(
  client: DynamoDBClient,
  name: string,
  indexName: string,
  indexAttribute: string,
): Promise<void> {
  await deleteTableIfExists(client, name);
  await waitUntilTableNotExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: name });
  await client.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: indexAttribute, AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [
        {
          IndexName: indexName,
          KeySchema: [{ AttributeName: indexAttribute, KeyType: 'HASH' }],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: name });
}

/** Drops the index and waits until the table no longer lists it (writes fail while it is DELETING). */
export async function dropIndex(client: DynamoDBClient, table: string, indexName: string): Promise<void> {
  await client.send(
    new UpdateTableCommand({
      TableName: table,
      GlobalSecondaryIndexUpdates: [{ Delete: { IndexName: indexName } }],
    }),
  );
  await waitFor(`index ${indexName} of ${table} to be gone`, async () => {
    const out = await client.send(new DescribeTableCommand({ TableName: table }));
    return (out.Table?.GlobalSecondaryIndexes ?? []).length === 0;
  });
}
