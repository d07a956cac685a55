// Item-by-item comparisons beyond the fixture's: the destination against a snapshot of the source (the source
// table is gone), and the items behind a few differing keys, printed as evidence of a mismatch.
import { scanAll } from '../../src/local/local-tables.js';
import {
  canonicalItem,
  keyOf,
  type Item,
  type ReplicationFixture,
  type TableDiff,
} from '../support/replication-fixture.js';

export async function diffAgainst(
  fixture: ReplicationFixture,
  snapshot: readonly Item[],
): Promise<TableDiff> {
  const destItems = await scanAll(fixture.destination, fixture.destTable);
  const dest = new Map(destItems.map((item) => [keyOf(item, fixture.key), canonicalItem(item)]));
  const missing: string[] = [];
  const different: string[] = [];
  for (const item of snapshot) {
    const k = keyOf(item, fixture.key);
    const other = dest.get(k);
    if (other === undefined) missing.push(k);
    else if (other !== canonicalItem(item)) different.push(k);
    dest.delete(k);
  }
  return { missing, extra: [...dest.keys()], different, compared: snapshot.length };
}

/** One line per key: the source's and the destination's item (canonical, cut at 300 characters). */
export async function describeKeys(fixture: ReplicationFixture, keys: readonly string[]): Promise<string[]> {
  const [sourceItems, destItems] = await Promise.all([
    scanAll(fixture.source, fixture.sourceTable).catch(() => [] as Item[]),
    scanAll(fixture.destination, fixture.destTable),
  ]);
  const find = (items: readonly Item[], key: string): string => {
    const item = items.find((i) => keyOf(i, fixture.key) === key);
    return item === undefined ? 'absent' : canonicalItem(item).slice(0, 300);
  };
  return keys.map(
    (key) => `key ${key}: source ${find(sourceItems, key)}; destination ${find(destItems, key)}`,
  );
}
