// Item-by-item comparison of a source and a destination table: each item becomes a canonical string in which
// attribute order and set order do not matter, keyed by its primary key. The source is held in memory and the
// destination streamed against it page by page, so the memory is one table's worth, not two. The demo's verdict
// rests on this, not on the replicator's own counters.
import { ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { canonicalImage, keyOfItem } from '../verify/item-compare.js';
import type { Item } from './workload.js';

export interface TableSide {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

export interface TableComparison {
  readonly sourceItems: number;
  readonly destinationItems: number;
  /** Items of the source looked up on the destination. */
  readonly compared: number;
  readonly missing: number;
  readonly extra: number;
  readonly different: number;
  /** Up to five keys of each kind of mismatch, for the report. */
  readonly examples: { readonly missing: string[]; readonly extra: string[]; readonly different: string[] };
  /** Both versions of the first different items (canonical form), for the log. */
  readonly differences: readonly {
    readonly key: string;
    readonly source: string;
    readonly destination: string;
  }[];
}

export function mismatches(result: TableComparison): number {
  return result.missing + result.extra + result.different;
}

export async function verifyTables(
  source: TableSide,
  destination: TableSide,
  keyAttributes: readonly string[],
  signal?: AbortSignal,
): Promise<TableComparison> {
  const expected = new Map<string, string>();
  let sourceItems = 0;
  for await (const page of scanPages(source, signal)) {
    for (const item of page) {
      expected.set(keyOf(item, keyAttributes), canonicalItem(item));
      sourceItems += 1;
    }
  }
  const examples = { missing: [] as string[], extra: [] as string[], different: [] as string[] };
  const differences: { key: string; source: string; destination: string }[] = [];
  let destinationItems = 0;
  let extra = 0;
  let different = 0;
  let matched = 0;
  for await (const page of scanPages(destination, signal)) {
    for (const item of page) {
      destinationItems += 1;
      const key = keyOf(item, keyAttributes);
      const want = expected.get(key);
      if (want === undefined) {
        extra += 1;
        note(examples.extra, key);
        continue;
      }
      expected.delete(key);
      matched += 1;
      const got = canonicalItem(item);
      if (want !== got) {
        different += 1;
        note(examples.different, key);
        if (differences.length < 3) differences.push({ key, source: want, destination: got });
      }
    }
  }
  for (const key of expected.keys()) note(examples.missing, key);
  return {
    sourceItems,
    destinationItems,
    compared: matched + expected.size,
    missing: expected.size,
    extra,
    different,
    examples,
    differences,
  };
}

async function* scanPages(side: TableSide, signal?: AbortSignal): AsyncGenerator<Item[]> {
  let startKey: Item | undefined;
  do {
    const out = await side.client.send(
      new ScanCommand({ TableName: side.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
      { abortSignal: signal },
    );
    yield out.Items ?? [];
    startKey = out.LastEvaluatedKey;
  } while (startKey !== undefined);
}

function note(list: string[], key: string): void {
  if (list.length < 5) list.push(key);
}

/** A string equal for two items exactly when DynamoDB holds the same item (see src/verify/item-compare.ts). */
export function canonicalItem(item: Item): string {
  return canonicalImage(item);
}

export function keyOf(item: Item, keyAttributes: readonly string[]): string {
  const key = keyOfItem(item, keyAttributes);
  // A single string key reads best as itself in a report.
  const only = keyAttributes.length === 1 ? key[keyAttributes[0] ?? '']?.S : undefined;
  return only ?? canonicalImage(key);
}
