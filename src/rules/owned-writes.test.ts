// planOwnedWrites (dead-letter mode) against planDestinationWrites: the same requests whenever nothing throws,
// each owned by the change it comes from, and a change the transform throws on refused alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WriteRequest } from '@aws-sdk/client-dynamodb';
import type { ChangeEvent, ChangeRecord, Item } from '../stream/change-record.js';
import { planDestinationWrites, planOwnedWrites } from './destination-writes.js';
import type { ImageTransform } from './transform-module.js';
import { pkRules } from '../../tests/support/destination-rules.js';

let sequence = 0;
function change(eventName: ChangeEvent, id: string, newImage?: Item, oldImage?: Item): ChangeRecord {
  sequence += 1;
  return {
    sequenceNumber: String(sequence),
    eventName,
    keys: { pk: { S: id } },
    newImage,
    ...(oldImage === undefined ? {} : { oldImage }),
    createdAtMs: undefined,
    sizeBytes: 1,
  };
}

const rules = pkRules;

const text = (requests: readonly WriteRequest[]): string[] => requests.map((r) => JSON.stringify(r)).sort();

/** Moves every item to key `group`: two source keys may meet on one destination key. */
const byGroup: ImageTransform = (image) => ({ ...image, pk: image.group ?? { S: 'none' } });

test('the same requests as planDestinationWrites, each owned by its change', async () => {
  const a = change(
    'MODIFY',
    'a',
    { pk: { S: 'a' }, group: { S: 'g1' } },
    { pk: { S: 'a' }, group: { S: 'g0' } },
  );
  const b = change('INSERT', 'b', { pk: { S: 'b' }, group: { S: 'g1' } });
  const c = change('REMOVE', 'c', undefined, { pk: { S: 'c' }, group: { S: 'g2' } });
  const given = rules({ transform: byGroup, changesKey: true });
  const plain = await planDestinationWrites([a, b, c], given);
  const owned = await planOwnedWrites([a, b, c], given);
  assert.deepEqual(text(owned.requests), text(plain.requests));
  assert.deepEqual(owned.refused, []);
  assert.equal(owned.owners.size, owned.requests.length);
  const ownerOf = (pk: string): string | undefined => {
    const request = owned.requests.find(
      (r) => (r.PutRequest?.Item?.pk ?? r.DeleteRequest?.Key?.pk)?.S === pk,
    );
    return request === undefined ? undefined : owned.owners.get(request)?.keys.pk?.S;
  };
  // g1: the later put wins (b); g0: a's old state, deleted; g2: c's old state, deleted.
  assert.equal(ownerOf('g1'), 'b');
  assert.equal(ownerOf('g0'), 'a');
  assert.equal(ownerOf('g2'), 'c');
});

test('a change the transform throws on is refused alone; the tallies count the others', async () => {
  const throwing: ImageTransform = (image) => {
    if (image.bad !== undefined) throw new Error('no');
    return image.skip === undefined ? image : null;
  };
  const good = change('INSERT', 'g', { pk: { S: 'g' } });
  const bad = change('INSERT', 'x', { pk: { S: 'x' }, bad: { S: '1' } });
  const skipped = change('INSERT', 's', { pk: { S: 's' }, skip: { S: '1' } });
  const owned = await planOwnedWrites([good, bad, skipped], rules({ transform: throwing }));
  assert.deepEqual(
    owned.requests.map((r) => r.PutRequest?.Item?.pk?.S),
    ['g'],
  );
  assert.equal(owned.refused.length, 1);
  assert.equal(owned.refused[0]?.change, bad);
  assert.match(owned.refused[0]?.error.message ?? '', /transform of key .*"x".* threw: Error: no/);
  assert.equal(owned.filteredOut, 1);
  assert.equal(owned.puts, 1);
});

test('a transform that moves the key without saying so is refused for that change only', async () => {
  const moves: ImageTransform = (image) =>
    image.move === undefined ? image : { ...image, pk: { S: 'moved' } };
  const stay = change('INSERT', 'a', { pk: { S: 'a' } });
  const moved = change('INSERT', 'b', { pk: { S: 'b' }, move: { S: '1' } });
  const owned = await planOwnedWrites([stay, moved], rules({ transform: moves }));
  assert.deepEqual(
    owned.requests.map((r) => r.PutRequest?.Item?.pk?.S),
    ['a'],
  );
  assert.match(owned.refused[0]?.error.message ?? '', /changed source key/);
});
