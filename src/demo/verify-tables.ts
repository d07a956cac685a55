// Item-by-item comparison of a source and a destination table: each item becomes a canonical string in which
// attribute order and set order do not matter, keyed by its primary key. The source is held in memory and the
// destination streamed against it page by page, so the memory is one table's worth, not two. The demo's verdict
// rests on this, not on the replicator's own counters.
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
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

/** A string equal for two items exactly when DynamoDB holds the same item (attribute and set order aside). */
export function canonicalItem(item: Item): string {
  return JSON.stringify(canonicalValue({ M: item }));
}

export function keyOf(item: Item, keyAttributes: readonly string[]): string {
  const parts = keyAttributes.map((name) => {
    const value = item[name];
    return value === undefined ? null : canonicalValue(value);
  });
  // A single string key reads best as itself in a report.
  const [only] = parts;
  if (parts.length === 1 && typeof only === 'object' && only !== null && 'S' in only) return String(only.S);
  return JSON.stringify(parts);
}

function canonicalValue(value: AttributeValue): unknown {
  if (value.M !== undefined) {
    const map = value.M;
    return {
      M: Object.keys(map)
        .sort()
        .map((name) => {
          const inner = map[name];
          return [name, inner === undefined ? null : canonicalValue(inner)];
        }),
    };
  }
  if (value.L !== undefined) return { L: value.L.map(canonicalValue) };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.SS !== undefined) return { SS: [...value.SS].sort() };
  if (value.NS !== undefined) return { NS: value.NS.map(canonicalNumber).sort() };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')).sort() };
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: canonicalNumber(value.N) };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  // $unknown: a type newer than this SDK; compare it as it came.
  return value;
}

/**
 * One spelling per number, without a float's rounding (DynamoDB keeps 38 digits): `1.50`, `1.5` and `15e-1`
 * all become `0.15e1`. DynamoDB trims leading and trailing zeros, but DynamoDB Local keeps them in the result of
 * arithmetic (`SET n = n + :d`, `ADD`: `1.30`, in the item and its stream image) and trims them on a put (`1.3`).
 */
export function canonicalNumber(text: string): string {
  const parts = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (parts === null) return text;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = parts;
  // The value is 0.<digits> x 10^scale.
  let digits = whole + fraction;
  let scale = whole.length + Number(exponent);
  const leadingZeros = /^0*/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(leadingZeros).replace(/0+$/, '');
  scale -= leadingZeros;
  if (digits === '') return '0';
  return `${sign === '-' ? '-' : ''}0.${digits}e${scale}`;
}
