import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Item } from '../stream/change-record.js';
import { callTransform, TransformError } from './transform-call.js';
import { loadTransformModule, type ImageTransform, type TransformContext } from './transform-module.js';

const FIXTURES = fileURLToPath(new URL('../../../tests/fixtures/transforms/', import.meta.url));

const context: TransformContext = {
  sourceTable: 'src',
  destinationTable: 'dst',
  eventName: 'MODIFY',
  oldImage: { pk: { S: 'a' } },
};
const image: Item = { pk: { S: 'a' }, v: { S: 'x' } };
const KEY = '{"pk":{"S":"a"}}';

/** A transform returning whatever it is given, typed loosely: user code is plain JS. */
const returning = (value: unknown): ImageTransform => (() => value) as ImageTransform;

function transformError(pattern: RegExp): (err: unknown) => true {
  return (err) => {
    assert.ok(err instanceof TransformError, `expected a TransformError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
    assert.match(err.message, pattern);
    return true;
  };
}

describe('callTransform', () => {
  test('a synchronous good result comes back as a plain value', () => {
    const result = callTransform((item) => ({ ...item, w: { N: '1' } }), image, context, KEY);
    assert.ok(!(result instanceof Promise));
    assert.deepEqual(result, { pk: { S: 'a' }, v: { S: 'x' }, w: { N: '1' } });
  });

  test('null comes back as null', () => {
    assert.equal(callTransform(returning(null), image, context, KEY), null);
  });

  test('passes the image and the context on', () => {
    let seen: unknown[] = [];
    const result = callTransform(
      (item, given) => {
        seen = [item, given];
        return item;
      },
      image,
      context,
      KEY,
    );
    assert.equal(result, image);
    assert.equal(seen[0], image);
    assert.equal(seen[1], context);
  });

  test('an async good result comes back as a Promise of it', async () => {
    const pending = callTransform((item) => Promise.resolve(item), image, context, KEY);
    assert.ok(pending instanceof Promise);
    assert.equal(await pending, image);
    assert.equal(await callTransform(() => Promise.resolve(null), image, context, KEY), null);
  });

  test('38-digit numbers, binary and nested values pass the check untouched', () => {
    const bytes = new Uint8Array([0, 255]);
    const item: Item = {
      pk: { S: 'a' },
      big: { N: '12345678901234567890123456789012345678' },
      b: { B: bytes },
      m: { M: { x: { L: [{ NULL: true }] } } },
      bs: { BS: [bytes] },
    };
    assert.equal(callTransform(returning(item), image, context, KEY), item);
  });

  test('a throw names the key and the error', () => {
    const cause = new TypeError('cannot read x');
    assert.throws(
      () =>
        callTransform(
          () => {
            throw cause;
          },
          image,
          context,
          KEY,
        ),
      (err: unknown) => {
        transformError(/^transform of key \{"pk":\{"S":"a"\}\} threw: TypeError: cannot read x$/)(err);
        assert.equal((err as Error).cause, cause);
        return true;
      },
    );
  });

  test('a rejection names the key and the error', async () => {
    await assert.rejects(
      Promise.resolve(callTransform(() => Promise.reject(new Error('lookup\nfailed')), image, context, KEY)),
      transformError(/^transform of key \{"pk":\{"S":"a"\}\} threw: Error: lookup failed$/),
    );
  });

  test('a thrown non-Error is shown as it is', () => {
    const thrower = (() => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- user code may throw anything.
      throw 'nope';
    }) as ImageTransform;
    assert.throws(
      () => callTransform(thrower, image, context, KEY),
      transformError(/threw: nope \(not an Error\)$/),
    );
  });

  test('a return that is no item or null is refused', async () => {
    for (const [value, shown] of [
      [undefined, 'undefined'],
      ['text', 'the string "text"'],
      [3, 'a number'],
      [[{ S: 'a' }], 'an array'],
    ] as const) {
      assert.throws(
        () => callTransform(returning(value), image, context, KEY),
        transformError(
          new RegExp(`^transform of key .* returned ${shown.replace(/"/g, '.')}, not an item or null`),
        ),
      );
    }
    await assert.rejects(
      Promise.resolve(
        callTransform(() => Promise.resolve(undefined as unknown as Item), image, context, KEY),
      ),
      transformError(/returned undefined, not an item or null/),
    );
  });

  test('an attribute that is not AttributeValue-shaped is refused by name', async () => {
    const cases: [unknown, RegExp][] = [
      ['plain', /returned attribute "v" as the string "plain", not an attribute value/],
      [null, /attribute "v" as null/],
      [{}, /attribute "v" as \{\}/],
      [{ S: 'a', N: '1' }, /attribute "v" as \{"S":"a","N":"1"\}/],
      [['a'], /attribute "v" as \["a"\]/],
      [new Uint8Array([7]), /attribute "v" as \{"0":7\}/],
      [42, /attribute "v" as a number/],
    ];
    for (const [value, pattern] of cases) {
      assert.throws(
        () => callTransform(returning({ pk: { S: 'a' }, v: value }), image, context, KEY),
        transformError(pattern),
      );
    }
    await assert.rejects(
      Promise.resolve(
        callTransform(() => Promise.resolve({ v: 'x' } as unknown as Item), image, context, KEY),
      ),
      transformError(/attribute "v"/),
    );
  });

  test('describes the key only on failure when given a function', () => {
    let described = 0;
    const key = (): string => {
      described += 1;
      return KEY;
    };
    assert.equal(
      callTransform((item) => item, image, context, key),
      image,
    );
    assert.equal(described, 0);
    assert.throws(() => callTransform(returning(5), image, context, key), transformError(/key \{"pk"/));
    assert.equal(described, 1);
  });

  test('wraps the throws.mjs fixture, and lets its good items through', async () => {
    const module = await loadTransformModule(join(FIXTURES, 'throws.mjs'));
    assert.equal(callTransform(module.transform, image, context, KEY), image);
    assert.throws(
      () => callTransform(module.transform, { ...image, bad: { BOOL: true } }, context, KEY),
      transformError(/^transform of key \{"pk":\{"S":"a"\}\} threw: TypeError: bad item$/),
    );
  });
});
