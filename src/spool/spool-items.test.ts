import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChangeRecord } from '../stream/change-record.js';
import { generationOf, POINTER_ABOVE_BYTES, spooledChange, spoolKeyOf, spoolWrite } from './spool-items.js';

const change = (over: Partial<ChangeRecord>): ChangeRecord => ({
  sequenceNumber: '100',
  eventName: 'MODIFY',
  keys: { pk: { S: 'a' }, sk: { N: '1' } },
  newImage: { pk: { S: 'a' }, sk: { N: '1' }, v: { S: 'x' } },
  createdAtMs: undefined,
  sizeBytes: 10,
  ...over,
});

test('a key is spooled under one digest whatever the order of its attributes; different keys differ', () => {
  assert.equal(
    spoolKeyOf({ pk: { S: 'a' }, sk: { N: '1' } }),
    spoolKeyOf({ sk: { N: '1' }, pk: { S: 'a' } }),
  );
  assert.notEqual(spoolKeyOf({ pk: { S: 'a' } }), spoolKeyOf({ pk: { S: 'b' } }));
  assert.notEqual(spoolKeyOf({ pk: { S: '1' } }), spoolKeyOf({ pk: { N: '1' } }));
  assert.notEqual(
    spoolKeyOf({ pk: { B: new Uint8Array([1]) } }),
    spoolKeyOf({ pk: { B: new Uint8Array([2]) } }),
  );
});

test('a put is spooled as its image, a delete as a marker, a large image as a pointer; each read back', () => {
  const put = spoolWrite(change({}), 1).PutRequest?.Item ?? {};
  assert.equal(put.g?.N, '1');
  assert.equal(put.seq?.S, '100');
  assert.deepEqual(spooledChange(put), { kind: 'put', item: change({}).newImage });
  const del = spoolWrite(change({ eventName: 'REMOVE', newImage: undefined }), 2).PutRequest?.Item ?? {};
  assert.equal(del.g?.N, '2');
  assert.deepEqual(spooledChange(del), { kind: 'delete', key: change({}).keys });
  const big = { pk: { S: 'a' }, sk: { N: '1' }, blob: { S: 'x'.repeat(POINTER_ABOVE_BYTES + 1) } };
  const pointer = spoolWrite(change({ newImage: big }), 3).PutRequest?.Item ?? {};
  assert.equal(pointer.img, undefined);
  assert.deepEqual(spooledChange(pointer), { kind: 'pointer', key: change({}).keys });
});

test('the generation follows the phase: 1 while copying, 2 draining, 3 switching, none once done', () => {
  assert.equal(generationOf('recording-positions'), 1);
  assert.equal(generationOf('positions-recorded'), 1);
  assert.equal(generationOf('copying'), 1);
  assert.equal(generationOf('draining'), 2);
  assert.equal(generationOf('switching'), 3);
  assert.equal(generationOf('done'), undefined);
});
