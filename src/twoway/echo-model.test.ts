// The echo decision against a model of one side's table: random interleavings of app writes (plain puts, updates
// that keep the markers, read-modify-writes copying the markers from a stale read, deletes, re-creations from a
// copy) and the replicators' writes (stamps, applies of the other side's stamps, mark-then-delete), each write
// making the stream record DynamoDB would. Every record of the replicators must be an echo. An app's record may be
// taken for an echo only where that is harmless: its new image is exactly an image the replicators wrote (same
// stamp, same content), or it deletes an item the replicators were deleting.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChangeEvent, Item } from '../stream/change-record.js';
import { classifyChange, needsTombstone } from './echo.js';
import { HybridClock } from './hybrid-clock.js';
import { DELETING, digestOf, isMarkedDeleting, markerNames, readStamp, stampImage } from './markers.js';
import { compareMaybeStamps } from './version-stamp.js';

const markers = markerNames();
const KEYS: Item = { pk: { S: 'k' } };

function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

interface Model {
  item: Item | undefined;
  tombstone: string | undefined;
  /** Every image the item ever had: what a stale read may return. */
  readonly history: Item[];
  /** Images the replicators wrote, as JSON. */
  readonly written: Set<string>;
}

function run(seed: number, steps: number): { echoes: number; appWrites: number } {
  const random = prng(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  let wall = 1_000_000;
  const local = new HybridClock('a', () => wall);
  const remote = new HybridClock('b', () => wall + Math.floor(random() * 40) - 20);
  const model: Model = { item: undefined, tombstone: undefined, history: [], written: new Set() };
  let counts = { echoes: 0, appWrites: 0 };

  /** `racy`: a stamp whose digest is of an earlier content (an app write landed between record and stamp). */
  const change = (next: Item | undefined, byReplicator: boolean | 'racy'): void => {
    const before = model.item;
    model.item = next;
    if (next !== undefined) model.history.push(next);
    if (byReplicator === true && next !== undefined) model.written.add(JSON.stringify(next));
    if (before === undefined && next === undefined) return; // no record for deleting nothing
    const eventName: ChangeEvent = before === undefined ? 'INSERT' : next === undefined ? 'REMOVE' : 'MODIFY';
    const record = { eventName, oldImage: before, newImage: next };
    // The runtime's clock observes every stamp it reads; the tombstone is read where the decision needs it.
    for (const image of [before, next]) {
      const stamp = readStamp(image, markers);
      if (stamp !== undefined) local.observe(stamp);
    }
    const origin = classifyChange(
      record,
      markers,
      needsTombstone(record, markers) ? { stamp: model.tombstone } : undefined,
    );
    const where = `seed ${seed}: ${eventName} ${JSON.stringify(before)} -> ${JSON.stringify(next)}`;
    if (byReplicator === 'racy') {
      // Not an echo: its content is not what its digest says; the runtime stamps it again at once (below).
      assert.equal(origin.kind, 'app-put', where);
    } else if (byReplicator) {
      assert.equal(origin.kind, 'echo', `a replicators' write not taken for an echo (${where})`);
      counts = { ...counts, echoes: counts.echoes + 1 };
    } else {
      counts = { ...counts, appWrites: counts.appWrites + 1 };
      if (origin.kind === 'echo') {
        // Harmless: the image is one the replicators wrote, or a delete mark, which the runtime completes (below).
        const harmless =
          next === undefined
            ? isMarkedDeleting(before, markers)
            : model.written.has(JSON.stringify(next)) || origin.reason === 'marked-deleting';
        assert.ok(harmless, `an app write taken for an echo (${where}): ${origin.reason}`);
      }
    }
    // A mark stands for its delete: the runtime completes it on reading the mark's record, if still marked.
    if (origin.kind === 'echo' && origin.reason === 'marked-deleting' && model.item === next) {
      change(undefined, true);
    }
  };

  const content = (): Item => ({ ...KEYS, n: { N: String(Math.floor(random() * 4)) } });
  const copyFrom = (read: Item, body: Item): Item => {
    const copy: Item = { ...body };
    for (const name of [markers.version, markers.digest]) {
      const value = read[name];
      if (value !== undefined) copy[name] = value;
    }
    return copy;
  };
  /** What the replicators may write over: absent, unstamped or lower, and above the tombstone for a new item. */
  const applies = (stamp: string): boolean =>
    compareMaybeStamps(stamp, readStamp(model.item, markers)) > 0 &&
    (model.item !== undefined || compareMaybeStamps(stamp, model.tombstone) > 0);

  for (let step = 0; step < steps; step += 1) {
    wall += Math.floor(random() * 6) - 2; // a wall clock that stalls and goes back
    if (random() < 0.3) remote.observe(local.nextStamp()); // the other side hears of this side's writes
    const item = model.item;
    const stale = model.history.length > 0 ? pick(model.history) : undefined;
    const action = Math.floor(random() * 10);
    if (action === 0) {
      change(content(), false); // app put without markers
    } else if (action === 1 && stale !== undefined) {
      change(copyFrom(stale, random() < 0.3 ? stale : content()), false); // read-modify-write, maybe stale
    } else if (action === 2 && item !== undefined) {
      change({ ...item, n: { N: String(Math.floor(random() * 4)) } }, false); // update keeping the markers
    } else if (action === 3 && item !== undefined) {
      change(undefined, false); // app delete
    } else if (action === 4 && item !== undefined) {
      change(stampImage(item, markers, local.nextStamp()), true); // the stamp (markers only, right digest)
    } else if (action === 5) {
      const stamp = remote.nextStamp(); // an apply of the other side's write
      if (applies(stamp)) change(stampImage(content(), markers, stamp), true);
    } else if (action === 6 && item !== undefined) {
      const stamp = remote.nextStamp(); // a delete applied: tombstone, mark
      if (compareMaybeStamps(stamp, model.tombstone) > 0) model.tombstone = stamp;
      if (applies(stamp)) {
        change({ ...item, [markers.version]: { S: stamp }, [markers.digest]: { S: DELETING } }, true);
      }
    } else if (action === 7 && item !== undefined && isMarkedDeleting(item, markers)) {
      change(undefined, true); // ... then delete the marked item
    } else if (
      action === 8 &&
      item === undefined &&
      stale !== undefined &&
      readStamp(stale, markers) !== undefined
    ) {
      change(copyFrom(stale, stale), false); // app re-creates the item from an old copy
    } else if (action === 9 && item !== undefined && stale !== undefined) {
      const other = { ...stale, n: { N: `${item.n?.N ?? '0'}1` } }; // content the item does not have
      const racy = {
        ...item,
        [markers.version]: { S: local.nextStamp() },
        [markers.digest]: { S: digestOf(other, markers) },
      };
      change(racy, 'racy');
      change(stampImage(racy, markers, local.nextStamp()), true); // the runtime's immediate restamp
    }
  }
  return counts;
}

test("replicators' writes are always echoes; app writes only where harmless, over 40 random runs", () => {
  let echoes = 0;
  let appWrites = 0;
  for (let seed = 1; seed <= 40; seed += 1) {
    const counts = run(seed, 400);
    echoes += counts.echoes;
    appWrites += counts.appWrites;
  }
  // The runs did exercise both kinds (not a vacuous pass).
  assert.ok(echoes > 2000, `echoes ${echoes}`);
  assert.ok(appWrites > 2000, `app writes ${appWrites}`);
});

test('the digest of the content decides where the stamp alone cannot: the double stale copy', () => {
  // Stamp V5 written, an app writes back a copy read at V2 (lowering), another app writes back a copy read at V5
  // with new content: the stamp rises from V2 to V5, yet the content is not V5's.
  const v2 = stampImage({ ...KEYS, n: { N: '2' } }, markers, '0000001000000.0002#a');
  const v5 = stampImage({ ...KEYS, n: { N: '5' } }, markers, '0000001000000.0005#b');
  const lowered: Item = { ...v2, n: { N: '7' } };
  const raised: Item = { ...v5, n: { N: '8' } };
  assert.equal(digestOf(raised, markers) === raised._ddbr_h?.S, false);
  assert.equal(
    classifyChange({ eventName: 'MODIFY', oldImage: lowered, newImage: raised }, markers).kind,
    'app-put',
  );
});
