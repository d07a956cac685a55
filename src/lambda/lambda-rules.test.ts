import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WriteRequest } from '@aws-sdk/client-dynamodb';
import type { KeyAttribute } from '../app/startup-checks.js';
import { ConfigError } from '../errors/replicator-error.js';
import { parseFilterPattern } from '../rules/filter-pattern.js';
import type { RuleOptions } from '../rules/rule-options.js';
import { TransformError } from '../rules/transform-call.js';
import type { ImageTransform, LoadedTransform } from '../rules/transform-module.js';
import { toChangeRecord, type ChangeEvent, type ChangeRecord, type Item } from '../stream/change-record.js';
import { pkRules } from '../../tests/support/destination-rules.js';
import { fromLambdaRecord } from './lambda-record.js';
import { batchRules, planBatch, sourceKeyOf } from './lambda-rules.js';

let sequence = 100;
function change(eventName: ChangeEvent, id: string, newImage?: Item): ChangeRecord {
  sequence += 1;
  return {
    sequenceNumber: String(sequence),
    eventName,
    keys: { pk: { S: id } },
    newImage,
    createdAtMs: sequence * 1000,
    sizeBytes: 10,
  };
}
const put = (id: string, extra: Item = {}): ChangeRecord => change('INSERT', id, { pk: { S: id }, ...extra });

function described(requests: readonly WriteRequest[] | undefined): string[] {
  return (requests ?? []).map((r) =>
    r.PutRequest === undefined
      ? `delete ${JSON.stringify(r.DeleteRequest?.Key)}`
      : `put ${JSON.stringify(r.PutRequest.Item)}`,
  );
}

/** Throws for an image with a `bad` attribute, as tests/fixtures/transforms/throws.mjs does. */
const throwing: ImageTransform = (image) => {
  if (image.bad !== undefined) throw new TypeError('bad item');
  return image;
};

describe('planBatch', () => {
  test('without a failure: the whole batch squashed and planned, filtered records counted', async () => {
    const changes = [put('a', { n: { N: '1' } }), put('b'), put('a', { n: { N: '2' } }), put('c')];
    const keep: ImageTransform = (image) => (image.pk?.S === 'b' ? null : image);
    const batch = await planBatch(changes, ['pk'], pkRules({ transform: keep }));
    assert.equal(batch.end, 4);
    assert.equal(batch.refusal, undefined);
    assert.equal(batch.flush?.recordCount, 4);
    assert.equal(batch.planned?.filteredOut, 1);
    assert.deepEqual(described(batch.planned?.requests).sort(), [
      'put {"pk":{"S":"a"},"n":{"N":"2"}}',
      'put {"pk":{"S":"c"}}',
    ]);
  });

  test('a transform that throws stops the batch at that record; the records before it are planned', async () => {
    const changes = [put('a'), put('b'), put('a', { bad: { BOOL: true } }), put('c')];
    const batch = await planBatch(changes, ['pk'], pkRules({ transform: throwing }));
    assert.equal(batch.end, 2, 'the third record');
    assert.ok(batch.refusal instanceof TransformError);
    assert.match(batch.refusal.message, /^transform of key \{"pk":\{"S":"a"\}\} threw: TypeError: bad item$/);
    // a's state before the failing record, b; not c (after it).
    assert.deepEqual(described(batch.planned?.requests).sort(), [
      'put {"pk":{"S":"a"}}',
      'put {"pk":{"S":"b"}}',
    ]);
    assert.equal(batch.flush?.lastSequenceNumber, changes[1]?.sequenceNumber);
  });

  test('the earliest failing record wins, also when a key failed earlier in the batch than its last state', async () => {
    const bad = { bad: { BOOL: true } };
    // c's last state fails at index 3, a's at index 4; but a's first state (index 1) fails too.
    const changes = [put('b'), put('a', bad), put('d'), put('c', bad), put('a', bad)];
    const batch = await planBatch(changes, ['pk'], pkRules({ transform: throwing }));
    assert.equal(batch.end, 1);
    assert.deepEqual(described(batch.planned?.requests), ['put {"pk":{"S":"b"}}']);
  });

  test('a failure at the first record plans nothing', async () => {
    const changes = [put('a', { bad: { BOOL: true } }), put('b')];
    const batch = await planBatch(changes, ['pk'], pkRules({ transform: throwing }));
    assert.deepEqual([batch.end, batch.flush, batch.planned], [0, undefined, undefined]);
    assert.ok(batch.refusal instanceof TransformError);
  });

  test('a transform that fails only once is the whole batch, not a guessed record', async () => {
    let calls = 0;
    const flaky: ImageTransform = (image) => {
      calls += 1;
      if (calls === 2) throw new Error('once');
      return image;
    };
    await assert.rejects(
      planBatch([put('a'), put('b'), put('c')], ['pk'], pkRules({ transform: flaky })),
      TransformError,
    );
  });

  test("an item the transform keeps out is deleted at the destination, by the CLI's planner", async () => {
    const changes = [change('MODIFY', 'a', { pk: { S: 'a' } })];
    const batch = await planBatch(changes, ['pk'], pkRules({ transform: () => null }));
    assert.deepEqual(described(batch.planned?.requests), ['delete {"pk":{"S":"a"}}']);
    assert.equal(batch.planned?.filteredOut, 1);
  });

  test('a TTL delete as Lambda delivers it: kept out with ttl-deletes skip, replicated by default', async () => {
    const ttl = toChangeRecord(
      fromLambdaRecord({
        eventName: 'REMOVE',
        dynamodb: { Keys: { pk: { S: 'a' } }, OldImage: { pk: { S: 'a' } }, SequenceNumber: '900' },
        userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
      }),
      true,
    );
    assert.equal(ttl.ttlDelete, true);
    const skipped = await planBatch([ttl], ['pk'], pkRules({ ttlDeletes: 'skip' }));
    assert.deepEqual(
      [skipped.end, described(skipped.planned?.requests), skipped.planned?.ttlSkipped],
      [1, [], 1],
    );
    const replicated = await planBatch([ttl], ['pk'], pkRules());
    assert.deepEqual(described(replicated.planned?.requests), ['delete {"pk":{"S":"a"}}']);
  });
});

const DEST_KEY: KeyAttribute[] = [{ name: 'id', keyType: 'HASH', type: 'S' }];

function options(overrides: Partial<RuleOptions> = {}): RuleOptions {
  return {
    filter: undefined,
    transformPath: undefined,
    excludeAttributes: [],
    renameAttributes: new Map(),
    ttlDeletes: 'replicate',
    ...overrides,
  };
}

describe('batchRules', () => {
  const stream = { sourceTable: 'orders', viewType: 'NEW_AND_OLD_IMAGES', keys: { pk: { S: 'x' } } };
  const destination = { tableName: 'copy', key: DEST_KEY };

  test("the CLI's rules from a record's key: a renamed key attribute, the filter, the table names", () => {
    const rules = batchRules(
      options({
        renameAttributes: new Map([['pk', 'id']]),
        filter: parseFilterPattern('{"dynamodb":{"NewImage":{"s":{"S":["on"]}}}}'),
      }),
      undefined,
      stream,
      destination,
    );
    assert.deepEqual(
      [rules.sourceTable, rules.destinationTable, rules.sourceKeyAttributes, rules.destinationKeyAttributes],
      ['orders', 'copy', ['pk'], ['id']],
    );
    assert.deepEqual([...rules.keyRenames], [['pk', 'id']]);
    assert.equal(rules.filter?.imageOnly, true);
  });

  test('a destination whose key is not the source key renamed is refused, naming the flag', () => {
    assert.throws(
      () =>
        batchRules(options({ renameAttributes: new Map([['pk', 'key']]) }), undefined, stream, destination),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message ===
          'key schemas differ: the records of source table orders have key (pk S) (renamed by --rename-attributes: key S) but destination table copy has (id S); create the destination with the renamed key schema',
    );
    assert.throws(
      () => batchRules(options({ excludeAttributes: ['a'] }), undefined, stream, destination),
      /the records of source table orders have key \(pk S\) but destination table copy has \(id S\)/,
    );
  });

  test('a transform that changes keys takes any destination key, with old images only', () => {
    const loaded: LoadedTransform = { transform: (image) => image, changesKey: true, path: '/t.mjs' };
    assert.equal(batchRules(options(), loaded, stream, destination).changesKey, true);
    assert.throws(
      () => batchRules(options(), loaded, { ...stream, viewType: 'NEW_IMAGE' }, destination),
      /changes keys, which needs old images .* has view type NEW_IMAGE/,
    );
  });

  test('the source key takes the role of the destination attribute it becomes', () => {
    const destinationKey: KeyAttribute[] = [
      { name: 'tenant', keyType: 'HASH', type: 'S' },
      { name: 'at', keyType: 'RANGE', type: 'N' },
    ];
    assert.deepEqual(
      sourceKeyOf(
        { when: { N: '1' }, tenant: { S: 't' } },
        destinationKey,
        options({ renameAttributes: new Map([['when', 'at']]) }),
      ),
      [
        { name: 'when', keyType: 'RANGE', type: 'N' },
        { name: 'tenant', keyType: 'HASH', type: 'S' },
      ],
    );
    assert.deepEqual(sourceKeyOf({ a: { B: new Uint8Array() }, b: { S: '' } }, [], undefined), [
      { name: 'a', keyType: 'HASH', type: 'B' },
      { name: 'b', keyType: 'RANGE', type: 'S' },
    ]);
  });
});
