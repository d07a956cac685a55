import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latestPerKey, parseExportLine, toChange, type ExportChange } from './export-line.js';

const KEYS = ['pk', 'sk'];

test('a full export line is a put of its Item, keys taken by the table key', () => {
  const change = parseExportLine(
    '{"Item":{"pk":{"S":"a"},"sk":{"N":"1"},"v":{"BOOL":true}}}',
    'FULL_EXPORT',
    KEYS,
  );
  assert.deepEqual(change.keys, { pk: { S: 'a' }, sk: { N: '1' } });
  assert.deepEqual(change.newImage, { pk: { S: 'a' }, sk: { N: '1' }, v: { BOOL: true } });
  assert.equal(change.writeMicros, undefined);
  assert.deepEqual(toChange(change).eventName, 'INSERT');
});

test('full export lines without Item or without a key attribute are refused', () => {
  assert.throws(() => parseExportLine('{"Keys":{"pk":{"S":"a"}}}', 'FULL_EXPORT', KEYS), /has no Item/);
  assert.throws(
    () => parseExportLine('{"Item":{"pk":{"S":"a"}}}', 'FULL_EXPORT', KEYS),
    /no key attribute sk/,
  );
  assert.throws(() => parseExportLine('{"Item":', 'FULL_EXPORT', KEYS), /is not JSON/);
  assert.throws(() => parseExportLine('[1]', 'FULL_EXPORT', KEYS), /is not a JSON object/);
  assert.throws(
    () => parseExportLine('{"Item":{"pk":{"N":1}}}', 'FULL_EXPORT', KEYS),
    /Item\.pk is not a number/,
  );
});

test('an incremental line: NewImage is a put (MODIFY with OldImage), Keys alone a delete', () => {
  const put = parseExportLine(
    '{"Metadata":{"WriteTimestampMicros":{"N":"1680109764000000"}},"Keys":{"pk":{"S":"a"},"sk":{"N":"1"}},' +
      '"OldImage":{"pk":{"S":"a"},"sk":{"N":"1"},"v":{"N":"1"}},"NewImage":{"pk":{"S":"a"},"sk":{"N":"1"},"v":{"N":"2"}}}',
    'INCREMENTAL_EXPORT',
    KEYS,
  );
  assert.equal(put.writeMicros, 1680109764000000n);
  const asChange = toChange(put);
  assert.equal(asChange.eventName, 'MODIFY');
  assert.deepEqual(asChange.newImage?.v, { N: '2' });
  const del = parseExportLine(
    '{"Metadata":{"WriteTimestampMicros":{"N":"1680109765000000"}},"Keys":{"pk":{"S":"a"},"sk":{"N":"1"}},"OldImage":{"pk":{"S":"a"},"sk":{"N":"1"}}}',
    'INCREMENTAL_EXPORT',
    KEYS,
  );
  assert.equal(del.newImage, undefined);
  assert.equal(toChange(del).eventName, 'REMOVE');
  assert.deepEqual(toChange(del).keys, { pk: { S: 'a' }, sk: { N: '1' } });
  const insert = parseExportLine(
    '{"Keys":{"pk":{"S":"b"},"sk":{"N":"1"}},"NewImage":{"pk":{"S":"b"},"sk":{"N":"1"}}}',
    'INCREMENTAL_EXPORT',
    KEYS,
  );
  assert.equal(toChange(insert).eventName, 'INSERT');
  assert.throws(() => parseExportLine('{"NewImage":{}}', 'INCREMENTAL_EXPORT', KEYS), /has no Keys/);
  assert.throws(
    () =>
      parseExportLine(
        '{"Metadata":{"WriteTimestampMicros":{"N":"1.5"}},"Keys":{"pk":{"S":"a"}}}',
        'INCREMENTAL_EXPORT',
        KEYS,
      ),
    /WriteTimestampMicros is not a whole number/,
  );
});

function change(pk: string, v: string | undefined, micros: bigint | undefined): ExportChange {
  const keys = { pk: { S: pk }, sk: { N: '1' } };
  return {
    keys,
    newImage: v === undefined ? undefined : { ...keys, v: { S: v } },
    oldImage: undefined,
    writeMicros: micros,
  };
}

test('latest per key: the higher WriteTimestampMicros wins whatever the line order, else the later line', () => {
  const latest = latestPerKey(
    [
      change('a', 'new', 20n),
      change('a', 'old', 10n),
      change('b', 'first', undefined),
      change('b', undefined, undefined),
      change('c', 'x', 5n),
    ],
    KEYS,
  );
  assert.deepEqual(
    latest.map((c) => [c.keys.pk?.S, c.newImage?.v?.S]),
    [
      ['a', 'new'],
      ['b', undefined],
      ['c', 'x'],
    ],
  );
});
