// Table helpers for DynamoDB Local, shared by the demo, the tests and the benchmark: create a source table with a
// stream and a destination with the same key schema, and read a whole table back for item-by-item comparison.
import {
  CreateTableCommand,
  DeleteTableCommand,
  ScanCommand,
  waitUntilTableExists,
  type AttributeDefinition,
  type AttributeValue,
  type DynamoDBClient,
  type KeySchemaElement,
  type StreamViewType,
} from '@aws-sdk/client-dynamodb';

export interface TableKey {
  readonly hash: { readonly name: string; readonly type: 'S' | 'N' | 'B' };
  readonly range?: { readonly name: string; readonly type: 'S' | 'N' | 'B' };
}

export async function createTable(
  client: DynamoDBClient,
  tableName: string,
  key: TableKey,
  stream?: StreamViewType,
): Promise<void> {
  const keySchema: KeySchemaElement[] = [{ AttributeName: key.hash.name, KeyType: 'HASH' }];
  const definitions: AttributeDefinition[] = [{ AttributeName: key.hash.name, AttributeType: key.hash.type }];
  if (key.range !== undefined) {
    keySchema.push({ AttributeName: key.range.name, KeyType: 'RANGE' });
    definitions.push({ AttributeName: key.range.name, AttributeType: key.range.type });
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: keySchema,
      AttributeDefinitions: definitions,
      BillingMode: 'PAY_PER_REQUEST',
      ...(stream === undefined
        ? {}
        : { StreamSpecification: { StreamEnabled: true, StreamViewType: stream } }),
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1 }, { TableName: tableName });
}

export async function deleteTableIfExists(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
  } catch (err) {
    if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
  }
}

export type Item = Record<string, AttributeValue>;

export async function scanAll(client: DynamoDBClient, tableName: string): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const out = await client.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
    );
    items.push(...(out.Items ?? []));
    startKey = out.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items;
}
