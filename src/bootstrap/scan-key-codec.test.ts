import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeScanKey, encodeScanKey, type ScanKey } from './scan-key-codec.js';

test('string, number and binary keys survive the round trip; binary as base64', () => {
  const key: ScanKey = {
    pk: { S: 'user#1' },
    sk: { N: '-12.50' },
    bin: { B: new Uint8Array([0, 1, 2, 254, 255]) },
  };
  const json = encodeScanKey(key);
  assert.match(json, /"B64":"AAEC\/v8="/);
  assert.deepEqual(decodeScanKey(json), key);
});

test('every other attribute type survives too (index keys, nested values)', () => {
  const key: ScanKey = {
    a: { BOOL: false },
    b: { NULL: true },
    c: { SS: ['x', 'y'] },
    d: { NS: ['1', '2.5'] },
    e: { BS: [new Uint8Array([9]), new Uint8Array([])] },
    f: { L: [{ S: 'l' }, { M: { g: { B: new Uint8Array([7, 8]) } } }] },
  };
  assert.deepEqual(decodeScanKey(encodeScanKey(key)), key);
});

test('the JSON is plain data (no typed arrays) and stable', () => {
  const json = encodeScanKey({ pk: { B: new Uint8Array([1]) } });
  assert.equal(json, '{"pk":{"B64":"AQ=="}}');
});

test('garbage is refused, not decoded into a wrong position', () => {
  assert.throws(() => decodeScanKey('[1,2]'), TypeError);
  assert.throws(() => decodeScanKey('{"pk":{"X":"1"}}'), TypeError);
  assert.throws(() => decodeScanKey('not json'), SyntaxError);
});
