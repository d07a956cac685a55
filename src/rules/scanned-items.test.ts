import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Item } from '../stream/change-record.js';
import { destinationRules } from './destination-rules.js';
import type { DestinationRules } from './destination-writes.js';
import { buildRuleOptions, type RuleFlags } from './rule-options.js';
import {
  destinationKeyOf,
  expectedItem,
  expectedItems,
  planScannedItems,
  scannedChange,
  sourceKeyOf,
} from './scanned-items.js';
import type { ImageTransform, LoadedTransform } from './transform-module.js';
import { TransformError } from './transform-call.js';

const ACTIVE = JSON.stringify({ dynamodb: { NewImage: { status: { S: ['active'] } } } });

function rulesOf(flags: RuleFlags, transform?: ImageTransform, changesKey = false): DestinationRules {
  const options = buildRuleOptions({ ...flags, transform: transform === undefined ? undefined : '/t.mjs' });
  assert.ok(options !== undefined);
  const loaded: LoadedTransform | undefined =
    transform === undefined ? undefined : { transform, changesKey, path: '/t.mjs' };
  const renamed = (name: string): string => options.renameAttributes.get(name) ?? name;
  return destinationRules(options, loaded, {
    sourceTable: 'src',
    destinationTable: 'dst',
    viewType: 'NEW_AND_OLD_IMAGES',
    sourceKey: [
      { name: 'pk', keyType: 'HASH', type: 'S' },
      { name: 'sk', keyType: 'RANGE', type: 'N' },
    ],
    destinationKey: [
      { name: renamed('pk'), keyType: 'HASH', type: 'S' },
      { name: renamed('sk'), keyType: 'RANGE', type: 'N' },
    ],
  });
}

const person = (id: string, sk: number, status: string): Item => ({
  pk: { S: id },
  sk: { N: String(sk) },
  status: { S: status },
  name: { S: `name ${id}` },
  email: { S: `${id}@example.com` },
});

describe('scanned items through the rules', () => {
  test('a scanned item is an INSERT of the whole item with its key', () => {
    const item = person('a', 1, 'active');
    const change = scannedChange(item, ['pk', 'sk']);
    assert.equal(change.eventName, 'INSERT');
    assert.deepEqual(change.keys, { pk: { S: 'a' }, sk: { N: '1' } });
    assert.equal(change.newImage, item);
    assert.equal(change.oldImage, undefined);
    assert.equal(change.earlier, undefined);
  });

  test('the copy writes the filtered, shaped items and nothing for the others (no deletes)', async () => {
    const rules = rulesOf({ filter: ACTIVE, excludeAttributes: 'email', renameAttributes: 'name=fullName' });
    const planned = await planScannedItems(
      [person('a', 1, 'active'), person('b', 2, 'idle'), person('c', 3, 'active')],
      rules,
    );
    assert.deepEqual(planned.requests, [
      {
        PutRequest: {
          Item: { pk: { S: 'a' }, sk: { N: '1' }, status: { S: 'active' }, fullName: { S: 'name a' } },
        },
      },
      {
        PutRequest: {
          Item: { pk: { S: 'c' }, sk: { N: '3' }, status: { S: 'active' }, fullName: { S: 'name c' } },
        },
      },
    ]);
    assert.equal(planned.deletes, 0);
    assert.equal(planned.filteredOut, 1);
  });

  test('expected items: present ones shaped, the left-out ones as destination keys (renamed)', async () => {
    const rules = rulesOf({ filter: ACTIVE, renameAttributes: 'pk=id' });
    const expected = await expectedItems(
      [person('a', 1, 'active'), person('b', 2, 'idle'), person('c', 3, 'gone')],
      rules,
    );
    assert.deepEqual(
      expected.present.map((item) => item.id?.S),
      ['a'],
    );
    assert.equal(expected.present[0]?.pk, undefined);
    assert.deepEqual(expected.absent, [
      { id: { S: 'b' }, sk: { N: '2' } },
      { id: { S: 'c' }, sk: { N: '3' } },
    ]);
  });

  test('a transform returning null leaves the item out; its context is an INSERT without an old image', async () => {
    const seen: string[] = [];
    const rules = rulesOf({}, (image, context) => {
      seen.push(
        `${context.eventName} ${context.oldImage === undefined ? 'none' : 'old'} ${context.sourceTable}>${context.destinationTable}`,
      );
      return image.status?.S === 'active' ? image : null;
    });
    const expected = await expectedItems([person('a', 1, 'active'), person('b', 2, 'idle')], rules);
    assert.deepEqual(expected.present, [person('a', 1, 'active')]);
    assert.deepEqual(expected.absent, [{ pk: { S: 'b' }, sk: { N: '2' } }]);
    assert.deepEqual(seen, ['INSERT none src>dst', 'INSERT none src>dst']);
    assert.equal(await expectedItem(person('b', 2, 'idle'), rules), undefined);
    assert.equal(await expectedItem(undefined, rules), undefined);
    assert.deepEqual(await expectedItem(person('a', 1, 'active'), rules), person('a', 1, 'active'));
  });

  test('a throwing transform is a TransformError naming the key', async () => {
    const rules = rulesOf({}, () => {
      throw new Error('boom');
    });
    await assert.rejects(expectedItems([person('a', 1, 'x')], rules), (err: unknown) => {
      assert.ok(err instanceof TransformError);
      assert.match(err.message, /"pk":\{"S":"a"\}.*threw: Error: boom/);
      return true;
    });
  });

  test('keys renamed both ways', () => {
    const rules = rulesOf({ renameAttributes: 'pk=id,name=fullName' });
    const destination = destinationKeyOf(person('a', 1, 'x'), rules);
    assert.deepEqual(destination, { id: { S: 'a' }, sk: { N: '1' } });
    assert.deepEqual(sourceKeyOf(destination, rules), { pk: { S: 'a' }, sk: { N: '1' } });
  });

  test('a transform that changes keys has no expected item per source item', async () => {
    const rules = rulesOf({}, (image) => image, true);
    await assert.rejects(expectedItems([person('a', 1, 'x')], rules), RangeError);
  });
});
