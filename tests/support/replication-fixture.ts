// A source table with a stream and an empty destination table with the same key, on the two DynamoDB Local
// instances, plus the flags that point `replicate` at them; and the whole-table comparison every test ends with.
import type { AttributeValue, DynamoDBClient, StreamViewType } from '@aws-sdk/client-dynamodb';
import assert from 'node:assert/strict';
import { canonicalImage, keyOfItem } from '../../src/verify/item-compare.js';
import { createTable, deleteTableIfExists, scanAll, type TableKey } from '../../src/local/local-tables.js';
import {
  DEST_REGION,
  SOURCE_REGION,
  destClient,
  destEndpoint,
  sourceClient,
  sourceEndpoint,
  uniqueName,
} from './local-env.js';
import { waitFor } from './wait-for.js';

export type Item = Record<string, AttributeValue>;

export interface ReplicationFixture {
  readonly source: DynamoDBClient;
  readonly destination: DynamoDBClient;
  readonly sourceTable: string;
  readonly destTable: string;
  readonly taskName: string;
  readonly key: TableKey;
  /** Flags for `replicate` (source, destination, task, fast test timings). */
  args(extra?: readonly string[]): string[];
  cleanup(): Promise<void>;
}

export async function createFixture(
  options: { key?: TableKey; viewType?: StreamViewType; prefix?: string } = {},
): Promise<ReplicationFixture> {
  const key = options.key ?? { hash: { name: 'pk', type: 'S' } };
  const source = sourceClient();
  const destination = destClient();
  const prefix = options.prefix ?? 't';
  const sourceTable = uniqueName(`${prefix}-src`);
  const destTable = uniqueName(`${prefix}-dst`);
  const taskName = uniqueName(`${prefix}-task`);
  await Promise.all([
    createTable(source, sourceTable, key, options.viewType ?? 'NEW_AND_OLD_IMAGES'),
    createTable(destination, destTable, key),
  ]);
  return fixtureOf({
    source,
    destination,
    sourceTable,
    destTable,
    taskName,
    key,
    cleanup: async () => {
      await Promise.all([
        deleteTableIfExists(source, sourceTable),
        deleteTableIfExists(destination, destTable),
        deleteTableIfExists(source, `DynamoDBCrossRegionReplication${taskName}`),
      ]);
      source.destroy();
      destination.destroy();
    },
  });
}

/**
 * A fixture over tables made elsewhere (another account's database, indexes of their own): the same `replicate`
 * flags as createFixture's (the test's instances, its regions, the task), and the cleanup the caller gives.
 */
export function fixtureOf(
  parts: Omit<ReplicationFixture, 'args'> & { readonly progressIntervalMs?: number },
): ReplicationFixture {
  const { progressIntervalMs = 1000, ...fixture } = parts;
  return {
    ...fixture,
    args: (extra = []) => [
      'replicate',
      ...['--source-table', parts.sourceTable, '--source-region', SOURCE_REGION],
      ...['--source-endpoint', sourceEndpoint()],
      ...['--dest-table', parts.destTable, '--dest-region', DEST_REGION, '--dest-endpoint', destEndpoint()],
      ...['--task-name', parts.taskName, '--progress-interval-ms', String(progressIntervalMs), ...extra],
    ],
  };
}

/** A canonical string of an item (attribute order, set order and number spelling do not matter). */
export function canonicalItem(item: Item): string {
  return canonicalImage(item);
}

export function keyOf(item: Item, key: TableKey): string {
  const names = key.range === undefined ? [key.hash.name] : [key.hash.name, key.range.name];
  return canonicalImage(keyOfItem(item, names));
}

export interface TableDiff {
  readonly missing: string[];
  readonly extra: string[];
  readonly different: string[];
  readonly compared: number;
}

export async function diffTables(fixture: ReplicationFixture): Promise<TableDiff> {
  const [sourceItems, destItems] = await Promise.all([
    scanAll(fixture.source, fixture.sourceTable),
    scanAll(fixture.destination, fixture.destTable),
  ]);
  const dest = new Map(destItems.map((item) => [keyOf(item, fixture.key), canonicalItem(item)]));
  const missing: string[] = [];
  const different: string[] = [];
  for (const item of sourceItems) {
    const k = keyOf(item, fixture.key);
    const other = dest.get(k);
    if (other === undefined) missing.push(k);
    else if (other !== canonicalItem(item)) different.push(k);
    dest.delete(k);
  }
  return { missing, extra: [...dest.keys()], different, compared: sourceItems.length };
}

/** Waits until the destination equals the source item by item, then asserts it (with the differences). */
export async function assertTablesConverge(
  fixture: ReplicationFixture,
  timeoutMs = 60_000,
): Promise<TableDiff> {
  let last: TableDiff | undefined;
  try {
    return await waitFor(
      'destination to equal source',
      async () => {
        last = await diffTables(fixture);
        return last.missing.length + last.extra.length + last.different.length === 0 ? last : undefined;
      },
      { timeoutMs, intervalMs: 250 },
    );
  } catch (err) {
    if (last === undefined) throw err;
    assert.deepEqual(
      {
        missing: last.missing.slice(0, 5),
        extra: last.extra.slice(0, 5),
        different: last.different.slice(0, 5),
      },
      { missing: [], extra: [], different: [] },
      `tables differ after ${timeoutMs} ms: ${last.missing.length} missing, ${last.extra.length} extra, ${last.different.length} different`,
    );
    throw err;
  }
}
