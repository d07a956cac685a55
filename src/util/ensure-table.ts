// Creating a table the replicator keeps for itself (the lease table, the dead-letter table): every worker of a
// fleet may try at once at its first start, so "already being created" is a success, and each waits until the
// table is active.
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  waitUntilTableExists,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

/** Creates the table if it is missing and waits until it is active; `created` when this call created it. */
export async function ensureTable(
  client: DynamoDBClient,
  input: CreateTableCommandInput & { readonly TableName: string },
  signal?: AbortSignal,
): Promise<{ created: boolean }> {
  const TableName = input.TableName;
  let created = false;
  try {
    await client.send(new DescribeTableCommand({ TableName }), { abortSignal: signal });
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
    try {
      await client.send(new CreateTableCommand(input), { abortSignal: signal });
      created = true;
    } catch (createErr) {
      // Another worker of the fleet created it first: fine, wait for it like ours.
      if (!(createErr instanceof ResourceInUseException)) throw createErr;
    }
  }
  await waitUntilTableExists(
    { client, maxWaitTime: 300, minDelay: 1, maxDelay: 5, abortSignal: signal },
    { TableName },
  );
  return { created };
}
