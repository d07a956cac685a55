// A mixed write workload for tests: puts of new items, updates and deletes of existing ones, at full speed or
// paced, stoppable at any time. It remembers nothing: the tables themselves are compared afterwards.
import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

export async function writeBacklog(
  client: DynamoDBClient,
  table: string,
  count: number,
  prefix = 'b',
): Promise<void> {
  for (let start = 0; start < count; start += 25) {
    const size = Math.min(25, count - start);
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [table]: Array.from({ length: size }, (_, i) => ({
            PutRequest: {
              Item: {
                pk: { S: `${prefix}-${start + i}` },
                n: { N: String(start + i) },
                pad: { S: 'p'.repeat(100) },
              },
            },
          })),
        },
      }),
    );
  }
}

/** Runs puts, updates and deletes over `keys` distinct keys until `signal` aborts; returns how many writes. */
export async function runMixedWorkload(
  client: DynamoDBClient,
  table: string,
  options: { keys: number; signal: AbortSignal; prefix?: string; seed?: number },
): Promise<number> {
  const prefix = options.prefix ?? 'w';
  let state = options.seed ?? 12345;
  const random = (): number => {
    // Deterministic LCG so a failing run can be replayed.
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  let writes = 0;
  while (!options.signal.aborted) {
    const key = { pk: { S: `${prefix}-${Math.floor(random() * options.keys)}` } };
    const dice = random();
    if (dice < 0.5) {
      await client.send(
        new PutItemCommand({
          TableName: table,
          Item: { ...key, v: { N: String(writes) }, tag: { SS: [`t${writes % 7}`, 'all'] } },
        }),
      );
    } else if (dice < 0.85) {
      await client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: key,
          UpdateExpression: 'SET v = :v ADD hits :one',
          ExpressionAttributeValues: { ':v': { N: String(writes) }, ':one': { N: '1' } },
        }),
      );
    } else {
      await client.send(new DeleteItemCommand({ TableName: table, Key: key }));
    }
    writes += 1;
  }
  return writes;
}
