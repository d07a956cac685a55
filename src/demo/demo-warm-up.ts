// The demo's warm-up of its two DynamoDB Local instances (src/local/warm-up.ts), before its clock starts: cold,
// the JVMs made the replicator look slow and laggy for the first 10-20 s. Each instance gets the requests the
// demo will send it, with the demo's own items: the source its backlog's BatchWriteItem, the workload's puts,
// updates and deletes and the replicator's GetRecords; the destination the replicator's BatchWriteItem and the
// lag probe's consistent GetItem. On scratch tables, which are deleted again (--keep shows the user every table).
import {
  DeleteItemCommand,
  GetItemCommand,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { deleteTableIfExists } from '../local/local-tables.js';
import { WARM_UP_TABLES, warmUp, type Item } from '../local/warm-up.js';
import type { DemoRegions } from './demo-regions.js';
import { KEY_NAME, orderItem, orderUpdate } from './workload.js';

// Measured on a 2-core machine (JVM CPU time of the demo's first requests, C1 only, see demo-regions.ts): this
// warm-up costs each JVM ~2.5 s of CPU and cuts the first requests' cost by half or more (a 1,000-record GetRecords 90-120 ms ->
// 50-60, a 1,000-item flush to the destination 780-840 -> 250-310, a single write 3.1 -> 1.6-2.0 ms, a consistent
// GetItem 1.7 -> 0.8-1.0 ms). Few stream records on purpose: each one the source holds slows its stream work.
const SOURCE = { streamItems: 500, singlePuts: 300, pageLimit: 100 } as const;
const DESTINATION = { items: 2_000, singlePuts: 300 } as const;

/** Warms up both instances in parallel; resolves with the time it took, in ms. */
export async function warmUpRegions(regions: DemoRegions, signal: AbortSignal): Promise<number> {
  const started = performance.now();
  const item = (index: number, prefix: string): Item => orderItem(`${prefix}-${index}`);
  // Both to their end before going on, also when one fails or is interrupted: nothing may still be writing when
  // DynamoDB Local is stopped.
  const results = await Promise.allSettled([
    warmUp(regions.source.endpoint, regions.source.region, {
      items: SOURCE.streamItems,
      stream: true,
      signal,
      singlePuts: SOURCE.singlePuts,
      pageLimit: SOURCE.pageLimit,
      item,
      afterPut: updateThenMaybeDelete,
    }),
    warmUp(regions.destination.endpoint, regions.destination.region, {
      items: DESTINATION.items,
      stream: false,
      signal,
      singlePuts: DESTINATION.singlePuts,
      item,
      afterPut: readBack,
    }),
  ]);
  for (const result of results) if (result.status === 'rejected') throw result.reason;
  await Promise.all(
    [regions.source, regions.destination].flatMap((side) =>
      Object.values(WARM_UP_TABLES).map((table) => deleteTableIfExists(side.client, table)),
    ),
  );
  return performance.now() - started;
}

/** The workload's mix on one order: an update, and one time in five a delete after it. */
async function updateThenMaybeDelete(client: DynamoDBClient, tableName: string, item: Item): Promise<void> {
  const Key = { [KEY_NAME]: keyOf(item) };
  await client.send(new UpdateItemCommand({ TableName: tableName, Key, ...orderUpdate() }));
  if (Math.random() < 0.2) await client.send(new DeleteItemCommand({ TableName: tableName, Key }));
}

/** The lag probe's read. */
async function readBack(client: DynamoDBClient, tableName: string, item: Item): Promise<void> {
  await client.send(
    new GetItemCommand({ TableName: tableName, Key: { [KEY_NAME]: keyOf(item) }, ConsistentRead: true }),
  );
}

function keyOf(item: Item): { S: string } {
  const key = item[KEY_NAME]?.S;
  if (key === undefined) throw new Error('a warm-up item without its key');
  return { S: key };
}
