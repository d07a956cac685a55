import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { itemKey } from '../buffer/item-key.js';
import { StoppedError } from '../errors/replicator-error.js';
import { canonicalImage, type Item } from './item-compare.js';
import { Rechecker, type Drift, type RecheckerOptions, type Suspect } from './rechecker.js';

const KEYS = ['pk'];

/** Two in-memory tables; `beforeRead` may change them before each batch of consistent reads. */
function fakeTables(beforeRead: (read: number) => void = () => undefined) {
  const source = new Map<string, Item>();
  const destination = new Map<string, Item>();
  const batches: number[] = [];
  let reads = 0;
  return {
    source,
    destination,
    batches,
    put(table: Map<string, Item>, item: Item): void {
      table.set(itemKey(item, KEYS), item);
    },
    reads: {
      read: (keys: readonly Item[]) => {
        reads += 1;
        batches.push(keys.length);
        beforeRead(reads);
        const pick = (table: Map<string, Item>) =>
          new Map(
            keys.flatMap((k) => {
              const id = itemKey(k, KEYS);
              const item = table.get(id);
              return item === undefined ? [] : [[id, item] as const];
            }),
          );
        return Promise.resolve({ source: pick(source), destination: pick(destination) });
      },
    },
  };
}

function item(pk: string, v: number): Item {
  return { pk: { S: pk }, v: { N: String(v) } };
}

function suspect(pk: string, source: Item | undefined, destination: Item | undefined): Suspect {
  return {
    id: itemKey({ pk: { S: pk } }, KEYS),
    key: { pk: { S: pk } },
    sourceImage: canonicalImage(source),
    destinationImage: canonicalImage(destination),
  };
}

async function recheck(
  options: Omit<RecheckerOptions, 'onDrift' | 'delayMs'> & { delayMs?: number },
  suspects: readonly Suspect[],
): Promise<{ drift: Drift[]; rechecker: Rechecker }> {
  const drift: Drift[] = [];
  const rechecker = new Rechecker({ delayMs: 1, ...options, onDrift: (d) => void drift.push(d) });
  const signal = new AbortController().signal;
  const running = rechecker.run(signal);
  for (const s of suspects) await rechecker.add(s, signal);
  rechecker.close();
  await running;
  return { drift, rechecker };
}

describe('Rechecker', () => {
  test('a change in flight (the destination caught up by the first look) is settled, not drift', async () => {
    const t = fakeTables();
    t.put(t.source, item('a', 2));
    t.put(t.destination, item('a', 2));
    const { drift, rechecker } = await recheck({ reads: t.reads, rounds: 3 }, [
      suspect('a', item('a', 2), item('a', 1)),
    ]);
    assert.deepEqual(drift, []);
    assert.deepEqual(rechecker.stats(), { suspects: 1, settled: 1, drift: 0, extended: 0, looks: 1 });
  });

  test('a difference that stays is drift after exactly `rounds` looks, with what the last reads saw', async () => {
    const t = fakeTables();
    t.put(t.source, item('missing', 1));
    t.put(t.source, item('changed', 1));
    t.put(t.destination, item('changed', 9));
    t.put(t.destination, item('extra', 1));
    const { drift, rechecker } = await recheck({ reads: t.reads, rounds: 3 }, [
      suspect('missing', item('missing', 1), undefined),
      suspect('changed', item('changed', 1), item('changed', 9)),
      suspect('extra', undefined, item('extra', 1)),
    ]);
    assert.deepEqual(drift.map((d) => [d.key.pk?.S, d.kind]).sort(), [
      ['changed', 'different'],
      ['extra', 'extra'],
      ['missing', 'missing'],
    ]);
    const changed = drift.find((d) => d.kind === 'different');
    assert.deepEqual(changed?.source, item('changed', 1));
    assert.deepEqual(changed?.destination, item('changed', 9));
    assert.equal(drift.find((d) => d.kind === 'extra')?.source, undefined);
    assert.deepEqual(rechecker.stats(), { suspects: 3, settled: 0, drift: 3, extended: 0, looks: 9 });
    assert.equal(rechecker.pending, 0);
  });

  test('a hot key whose destination shows an earlier source image is settled', async () => {
    // The source moves on at every look; the destination is always one version behind.
    let version = 1;
    const t = fakeTables(() => {
      version += 1;
      t.put(t.source, item('hot', version));
      t.put(t.destination, item('hot', version - 1));
    });
    const { drift, rechecker } = await recheck({ reads: t.reads, rounds: 3 }, [
      suspect('hot', item('hot', 1), item('hot', 0)),
    ]);
    assert.deepEqual(drift, []);
    assert.equal(rechecker.stats().settled, 1);
  });

  test('a destination still changing at the last planned look gets more looks, then settles', async () => {
    // The replicator is behind on this key: the destination moves every look, catches up at look 5.
    const t = fakeTables((read) => {
      t.put(t.source, item('busy', 100));
      t.put(t.destination, item('busy', read === 5 ? 100 : read));
    });
    const { drift, rechecker } = await recheck({ reads: t.reads, rounds: 3 }, [
      suspect('busy', item('busy', 100), item('busy', 0)),
    ]);
    assert.deepEqual(drift, []);
    assert.deepEqual(rechecker.stats(), { suspects: 1, settled: 1, drift: 0, extended: 1, looks: 5 });
  });

  test('looks end at twice the rounds even while the destination keeps changing', async () => {
    const t = fakeTables((read) => {
      t.put(t.source, item('stuck', 100));
      t.put(t.destination, item('stuck', read));
    });
    const { drift, rechecker } = await recheck({ reads: t.reads, rounds: 2 }, [
      suspect('stuck', item('stuck', 100), item('stuck', 0)),
    ]);
    assert.equal(drift.length, 1);
    assert.equal(rechecker.stats().looks, 4);
  });

  test('the same key suspected twice (source pass and destination pass) is looked at once', async () => {
    const t = fakeTables();
    t.put(t.destination, item('twice', 1));
    const { drift, rechecker } = await recheck({ reads: t.reads, rounds: 1 }, [
      suspect('twice', item('twice', 1), undefined),
      suspect('twice', undefined, item('twice', 1)),
    ]);
    assert.equal(rechecker.stats().suspects, 1);
    // The source was seen with the destination's image (first look): settled.
    assert.deepEqual(drift, []);
  });

  test('suspects are read in batches of at most batchSize', async () => {
    const t = fakeTables();
    const suspects = Array.from({ length: 25 }, (_, i) => {
      t.put(t.source, item(`k${i}`, 1));
      return suspect(`k${i}`, item(`k${i}`, 1), undefined);
    });
    const { drift } = await recheck({ reads: t.reads, rounds: 1, batchSize: 10, delayMs: 50 }, suspects);
    assert.equal(drift.length, 25);
    assert.ok(
      t.batches.every((n) => n <= 10),
      `batches ${t.batches.join(',')}`,
    );
    assert.ok(t.batches.length >= 3);
  });

  test('add waits while `capacity` suspects are held, and goes on once one is done', async () => {
    const t = fakeTables();
    for (const pk of ['a', 'b', 'c']) t.put(t.source, item(pk, 1));
    const rechecker = new Rechecker({
      reads: t.reads,
      delayMs: 1,
      rounds: 1,
      capacity: 2,
      onDrift: () => undefined,
    });
    const signal = new AbortController().signal;
    await rechecker.add(suspect('a', item('a', 1), undefined), signal);
    await rechecker.add(suspect('b', item('b', 1), undefined), signal);
    let added = false;
    const third = rechecker.add(suspect('c', item('c', 1), undefined), signal).then(() => (added = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(added, false, 'waits while full');
    const running = rechecker.run(signal);
    await third;
    rechecker.close();
    await running;
    assert.equal(rechecker.stats().drift, 3);
  });

  test('run rejects with StoppedError when aborted, and an aborted add gives up', async () => {
    const t = fakeTables();
    const rechecker = new Rechecker({
      reads: t.reads,
      delayMs: 60_000,
      rounds: 1,
      capacity: 1,
      onDrift: () => undefined,
    });
    const controller = new AbortController();
    const running = rechecker.run(controller.signal);
    await rechecker.add(suspect('a', item('a', 1), undefined), controller.signal);
    const waiting = rechecker.add(suspect('b', item('b', 1), undefined), controller.signal);
    controller.abort();
    await assert.rejects(running, StoppedError);
    await assert.rejects(waiting, StoppedError);
  });
});
