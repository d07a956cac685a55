import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WriteRequest } from '@aws-sdk/client-dynamodb';
import type { ChangeEvent, ChangeRecord, Item } from '../stream/change-record.js';
import { planDestinationWrites, type DestinationRules } from './destination-writes.js';
import { compileFilter, parseFilterPattern, patternFields } from './filter-pattern.js';
import { TransformError } from './transform-call.js';
import type { ImageTransform } from './transform-module.js';
import { pkRules } from '../../tests/support/destination-rules.js';

let sequence = 0;
const key = (id: string): Item => ({ pk: { S: id } });
const image = (id: string, status: string, extra: Item = {}): Item => ({
  pk: { S: id },
  status: { S: status },
  ...extra,
});

function change(
  eventName: ChangeEvent,
  id: string,
  images: { readonly newImage?: Item; readonly oldImage?: Item; readonly ttl?: boolean },
): ChangeRecord {
  sequence += 1;
  return {
    sequenceNumber: String(sequence),
    eventName,
    keys: key(id),
    newImage: images.newImage,
    ...(images.oldImage === undefined ? {} : { oldImage: images.oldImage }),
    ...(images.ttl === true ? { ttlDelete: true } : {}),
    createdAtMs: undefined,
    sizeBytes: 10,
  };
}

/** A run of one key as the squash buffer leaves it: the last change carrying the ones it replaced. */
function squashed(...run: ChangeRecord[]): ChangeRecord {
  const last = run.at(-1);
  assert.ok(last !== undefined);
  return run.length === 1 ? last : { ...last, earlier: run.slice(0, -1) };
}

function filterOf(pattern: object) {
  const parsed = parseFilterPattern(JSON.stringify(pattern));
  const fields = patternFields(parsed);
  return {
    matches: compileFilter(parsed),
    imageOnly: !fields.eventName && !fields.oldImage && !fields.other,
  };
}

const ACTIVE = filterOf({ dynamodb: { NewImage: { status: { S: ['active'] } } } });

const rules = pkRules;

function described(requests: readonly WriteRequest[]): string[] {
  return requests.map((r) =>
    r.PutRequest === undefined
      ? `delete ${JSON.stringify(r.DeleteRequest?.Key)}`
      : `put ${JSON.stringify(r.PutRequest.Item)}`,
  );
}

async function writes(changes: readonly ChangeRecord[], given: DestinationRules): Promise<string[]> {
  return described((await planDestinationWrites(changes, given)).requests);
}

describe('planDestinationWrites without a filter', () => {
  test('puts new images and deletes removed keys, as plain replication does', async () => {
    const planned = await planDestinationWrites(
      [
        change('INSERT', 'a', { newImage: image('a', 'x') }),
        change('REMOVE', 'b', { oldImage: image('b', 'x') }),
        change('REMOVE', 'c', {}),
      ],
      rules(),
    );
    assert.deepEqual(described(planned.requests), [
      `put ${JSON.stringify(image('a', 'x'))}`,
      `delete ${JSON.stringify(key('b'))}`,
      `delete ${JSON.stringify(key('c'))}`,
    ]);
    assert.equal(planned.puts, 1);
    assert.equal(planned.deletes, 2);
    assert.equal(planned.filteredOut, 0);
  });
});

describe('TTL deletes', () => {
  const ttlRemove = (id: string): ChangeRecord =>
    change('REMOVE', id, { oldImage: image(id, 'x'), ttl: true });

  test('replicate: deleted at the destination and counted', async () => {
    const planned = await planDestinationWrites([ttlRemove('a')], rules());
    assert.deepEqual(described(planned.requests), [`delete ${JSON.stringify(key('a'))}`]);
    assert.equal(planned.ttlReplicated, 1);
    assert.equal(planned.ttlSkipped, 0);
  });

  test('skip: no write, counted', async () => {
    const planned = await planDestinationWrites([ttlRemove('a')], rules({ ttlDeletes: 'skip' }));
    assert.deepEqual(planned.requests, []);
    assert.equal(planned.ttlSkipped, 1);
  });

  test('skip keeps the last image written before the TTL delete, even when squashed with it', async () => {
    const v2 = image('a', 'v2');
    const run = squashed(change('MODIFY', 'a', { newImage: v2, oldImage: image('a', 'v1') }), ttlRemove('a'));
    assert.deepEqual(await writes([run], rules({ ttlDeletes: 'skip' })), [`put ${JSON.stringify(v2)}`]);
  });

  test('skip: a user delete is still replicated', async () => {
    const userRemove = change('REMOVE', 'a', { oldImage: image('a', 'x') });
    assert.deepEqual(await writes([userRemove], rules({ ttlDeletes: 'skip' })), [
      `delete ${JSON.stringify(key('a'))}`,
    ]);
  });

  test('skip: an item inserted again after its TTL delete is put', async () => {
    const v3 = image('a', 'v3');
    const run = squashed(ttlRemove('a'), change('INSERT', 'a', { newImage: v3 }));
    assert.deepEqual(await writes([run], rules({ ttlDeletes: 'skip' })), [`put ${JSON.stringify(v3)}`]);
  });
});

describe('a filter on the new image', () => {
  const given = rules({ filter: ACTIVE });

  test('a change that matches is a put', async () => {
    const active = image('a', 'active');
    assert.deepEqual(await writes([change('INSERT', 'a', { newImage: active })], given), [
      `put ${JSON.stringify(active)}`,
    ]);
  });

  test('an insert that does not match writes nothing and is counted', async () => {
    const planned = await planDestinationWrites(
      [change('INSERT', 'a', { newImage: image('a', 'idle') })],
      given,
    );
    assert.deepEqual(planned.requests, []);
    assert.equal(planned.filteredOut, 1);
  });

  test('an item that stops matching is deleted', async () => {
    const leaving = change('MODIFY', 'a', { newImage: image('a', 'idle'), oldImage: image('a', 'active') });
    assert.deepEqual(await writes([leaving], given), [`delete ${JSON.stringify(key('a'))}`]);
  });

  test('a change outside the subset before and after writes nothing', async () => {
    const outside = change('MODIFY', 'a', { newImage: image('a', 'idle'), oldImage: image('a', 'gone') });
    assert.deepEqual(await writes([outside], given), []);
  });

  test('on a NEW_IMAGE stream (no old image) a change that does not match is a delete in doubt', async () => {
    const unknown = change('MODIFY', 'a', { newImage: image('a', 'idle') });
    assert.deepEqual(await writes([unknown], given), [`delete ${JSON.stringify(key('a'))}`]);
  });

  test('a remove deletes only an item that was in the subset (or in doubt)', async () => {
    const inside = change('REMOVE', 'a', { oldImage: image('a', 'active') });
    const outside = change('REMOVE', 'b', { oldImage: image('b', 'idle') });
    const doubt = change('REMOVE', 'c', {});
    assert.deepEqual(await writes([inside, outside, doubt], given), [
      `delete ${JSON.stringify(key('a'))}`,
      `delete ${JSON.stringify(key('c'))}`,
    ]);
  });

  test('squashed: entering then leaving the subset since the checkpoint deletes (a replay may have put it)', async () => {
    const run = squashed(
      change('MODIFY', 'a', { newImage: image('a', 'active'), oldImage: image('a', 'idle') }),
      change('MODIFY', 'a', { newImage: image('a', 'idle'), oldImage: image('a', 'active') }),
    );
    assert.deepEqual(await writes([run], given), [`delete ${JSON.stringify(key('a'))}`]);
  });

  test('squashed: an insert and a remove of an item in the subset delete it', async () => {
    const run = squashed(
      change('INSERT', 'a', { newImage: image('a', 'active') }),
      change('REMOVE', 'a', { oldImage: image('a', 'active') }),
    );
    assert.deepEqual(await writes([run], given), [`delete ${JSON.stringify(key('a'))}`]);
  });

  test('squashed: a run that never touched the subset writes nothing', async () => {
    const run = squashed(
      change('INSERT', 'a', { newImage: image('a', 'idle') }),
      change('MODIFY', 'a', { newImage: image('a', 'paused'), oldImage: image('a', 'idle') }),
    );
    assert.deepEqual(await writes([run], given), []);
  });

  test('a pattern on eventName cannot judge an old image: its state is in doubt, so deleted', async () => {
    const inserts = rules({ filter: filterOf({ eventName: ['INSERT'] }) });
    const modify = change('MODIFY', 'a', { newImage: image('a', 'x'), oldImage: image('a', 'x') });
    assert.deepEqual(await writes([modify], inserts), [`delete ${JSON.stringify(key('a'))}`]);
  });
});

describe('transforms that keep the key', () => {
  const dropEmail: ImageTransform = (item) =>
    Object.fromEntries(Object.entries(item).filter(([name]) => name !== 'email'));

  test('the transformed image is put', async () => {
    const given = rules({ transform: dropEmail });
    const insert = change('INSERT', 'a', { newImage: image('a', 'x', { email: { S: 'a@b' } }) });
    assert.deepEqual(await writes([insert], given), [`put ${JSON.stringify(image('a', 'x'))}`]);
  });

  test('an async transform is awaited', async () => {
    const given = rules({ transform: (item) => Promise.resolve({ ...item, seen: { BOOL: true } }) });
    const insert = change('INSERT', 'a', { newImage: image('a', 'x') });
    assert.deepEqual(await writes([insert], given), [
      `put ${JSON.stringify({ ...image('a', 'x'), seen: { BOOL: true } })}`,
    ]);
  });

  test('null keeps the item out: counted, and deleted where it may be', async () => {
    const given = rules({ transform: (item) => (item.status?.S === 'secret' ? null : item) });
    const planned = await planDestinationWrites(
      [change('MODIFY', 'a', { newImage: image('a', 'secret'), oldImage: image('a', 'open') })],
      given,
    );
    assert.deepEqual(described(planned.requests), [`delete ${JSON.stringify(key('a'))}`]);
    assert.equal(planned.filteredOut, 1);
  });

  test('a renamed key attribute: the put and the delete use the destination name', async () => {
    const given = rules({
      transform: (item) => {
        const { pk, ...rest } = item;
        return pk === undefined ? rest : { id: pk, ...rest };
      },
      destinationKeyAttributes: ['id'],
      keyRenames: new Map([['pk', 'id']]),
    });
    const planned = await writes(
      [
        change('INSERT', 'a', { newImage: image('a', 'x') }),
        change('REMOVE', 'b', { oldImage: image('b', 'x') }),
      ],
      given,
    );
    assert.deepEqual(planned, [
      `put ${JSON.stringify({ id: { S: 'a' }, status: { S: 'x' } })}`,
      `delete ${JSON.stringify({ id: { S: 'b' } })}`,
    ]);
  });

  test('a transform that moves the key without saying so is refused, naming the key', async () => {
    const given = rules({ transform: (item) => ({ ...item, pk: { S: 'moved' } }) });
    await assert.rejects(
      planDestinationWrites([change('INSERT', 'a', { newImage: image('a', 'x') })], given),
      (err: unknown) =>
        err instanceof TransformError &&
        /changed source key \{"pk":\{"S":"a"\}\}/.test(err.message) &&
        /changesKey = true/.test(err.message),
    );
  });

  test('an image without the destination key is refused, naming the attribute', async () => {
    const given = rules({ transform: (item) => ({ status: item.status ?? { S: '?' } }) });
    await assert.rejects(
      planDestinationWrites([change('INSERT', 'a', { newImage: image('a', 'x') })], given),
      (err: unknown) => err instanceof TransformError && /no destination key attribute pk/.test(err.message),
    );
  });

  test('a transform that throws is a TransformError naming the key', async () => {
    const given = rules({
      transform: () => {
        throw new Error('boom');
      },
    });
    await assert.rejects(
      planDestinationWrites([change('INSERT', 'a', { newImage: image('a', 'x') })], given),
      (err: unknown) => err instanceof TransformError && err.message.includes('{"pk":{"S":"a"}}'),
    );
  });
});

describe('a transform that changes keys', () => {
  // The destination key is tenant#pk: an item whose tenant changes moves to another destination key.
  const rekey: ImageTransform = (item) => ({
    ...item,
    pk: { S: `${item.tenant?.S ?? '?'}#${item.pk?.S ?? '?'}` },
  });
  const given = rules({ transform: rekey, changesKey: true });
  const tenant = (id: string, name: string): Item => image(id, 'x', { tenant: { S: name } });

  test('a moved item is put at its new key and deleted at its old one', async () => {
    const moved = change('MODIFY', 'a', { newImage: tenant('a', 't2'), oldImage: tenant('a', 't1') });
    assert.deepEqual(await writes([moved], given), [
      `put ${JSON.stringify({ ...tenant('a', 't2'), pk: { S: 't2#a' } })}`,
      `delete ${JSON.stringify({ pk: { S: 't1#a' } })}`,
    ]);
  });

  test('an item that stays at its key is only put', async () => {
    const same = change('MODIFY', 'a', { newImage: tenant('a', 't1'), oldImage: tenant('a', 't1') });
    assert.deepEqual(await writes([same], given), [
      `put ${JSON.stringify({ ...tenant('a', 't1'), pk: { S: 't1#a' } })}`,
    ]);
  });

  test('a remove deletes the transformed old key', async () => {
    const removed = change('REMOVE', 'a', { oldImage: tenant('a', 't1') });
    assert.deepEqual(await writes([removed], given), [`delete ${JSON.stringify({ pk: { S: 't1#a' } })}`]);
  });

  test('squashed moves delete every key the run passed through', async () => {
    const run = squashed(
      change('MODIFY', 'a', { newImage: tenant('a', 't2'), oldImage: tenant('a', 't1') }),
      change('MODIFY', 'a', { newImage: tenant('a', 't3'), oldImage: tenant('a', 't2') }),
    );
    assert.deepEqual(await writes([run], given), [
      `put ${JSON.stringify({ ...tenant('a', 't3'), pk: { S: 't3#a' } })}`,
      `delete ${JSON.stringify({ pk: { S: 't1#a' } })}`,
      `delete ${JSON.stringify({ pk: { S: 't2#a' } })}`,
    ]);
  });

  test('two source keys on one destination key: one write, and a put wins over a delete', async () => {
    const merge: ImageTransform = (item) => ({ ...item, pk: { S: 'one' } });
    const merging = rules({ transform: merge, changesKey: true });
    const planned = await planDestinationWrites(
      [
        change('INSERT', 'a', { newImage: image('a', 'x') }),
        change('REMOVE', 'b', { oldImage: image('b', 'y') }),
      ],
      merging,
    );
    assert.deepEqual(described(planned.requests), [
      `put ${JSON.stringify({ ...image('a', 'x'), pk: { S: 'one' } })}`,
    ]);
  });

  test('a filter applies to the old image before its key is cleaned up', async () => {
    const filtered = rules({ transform: rekey, changesKey: true, filter: ACTIVE });
    const outside = change('MODIFY', 'a', {
      newImage: { ...tenant('a', 't2'), status: { S: 'active' } },
      oldImage: { ...tenant('a', 't1'), status: { S: 'idle' } },
    });
    assert.deepEqual(await writes([outside], filtered), [
      `put ${JSON.stringify({ ...tenant('a', 't2'), status: { S: 'active' }, pk: { S: 't2#a' } })}`,
    ]);
  });
});
