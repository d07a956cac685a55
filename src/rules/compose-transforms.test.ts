import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Item } from '../stream/change-record.js';
import { excludeAttributes, parseRenameAttributes, renameAttributes } from './attribute-rules.js';
import { composeTransforms } from './compose-transforms.js';
import { loadTransformModule, type ImageTransform, type TransformContext } from './transform-module.js';

const FIXTURES = fileURLToPath(new URL('../../../tests/fixtures/transforms/', import.meta.url));

const context: TransformContext = {
  sourceTable: 'src',
  destinationTable: 'dst',
  eventName: 'INSERT',
  oldImage: undefined,
};

/** A step that notes its name in `calls` and adds an attribute of that name. */
function marker(name: string, calls: string[], mode: 'sync' | 'async' = 'sync'): ImageTransform {
  return (image) => {
    calls.push(name);
    const next: Item = { ...image, [name]: { BOOL: true } };
    return mode === 'async' ? Promise.resolve(next) : next;
  };
}

function composed(transforms: readonly ImageTransform[]): ImageTransform {
  const transform = composeTransforms(transforms);
  assert.ok(transform !== undefined);
  return transform;
}

describe('composeTransforms', () => {
  test('an empty list is no transform at all', () => {
    assert.equal(composeTransforms([]), undefined);
  });

  test('a single transform is returned as it is', () => {
    const only: ImageTransform = (image) => image;
    assert.equal(composeTransforms([only]), only);
  });

  test('runs the steps in order, each on the previous result', () => {
    const calls: string[] = [];
    const result = composed([marker('a', calls), marker('b', calls), marker('c', calls)])(
      { pk: { S: '1' } },
      context,
    );
    assert.deepEqual(calls, ['a', 'b', 'c']);
    assert.deepEqual(result, { pk: { S: '1' }, a: { BOOL: true }, b: { BOOL: true }, c: { BOOL: true } });
  });

  test('all-synchronous steps give a plain value, not a Promise', () => {
    const transform = composed([excludeAttributes(['x']), renameAttributes(new Map([['y', 'z']]))]);
    const result = transform({ pk: { S: '1' }, x: { S: 'gone' }, y: { S: 'moved' } }, context);
    assert.ok(!(result instanceof Promise));
    assert.deepEqual(result, { pk: { S: '1' }, z: { S: 'moved' } });
  });

  test('hands every step the context', () => {
    const seen: TransformContext[] = [];
    const spy: ImageTransform = (image, given) => {
      seen.push(given);
      return image;
    };
    const result = composed([spy, spy])({ pk: { S: '1' } }, context);
    assert.deepEqual(result, { pk: { S: '1' } });
    assert.deepEqual(seen, [context, context]);
  });

  test('null stops the chain: later steps do not run', () => {
    const calls: string[] = [];
    const drop: ImageTransform = () => {
      calls.push('drop');
      return null;
    };
    const result = composed([marker('a', calls), drop, marker('b', calls)])({ pk: { S: '1' } }, context);
    assert.equal(result, null);
    assert.deepEqual(calls, ['a', 'drop']);
  });

  test('an async step makes the result a Promise and the later steps run after it, in order', async () => {
    const calls: string[] = [];
    const transform = composed([
      marker('a', calls),
      marker('b', calls, 'async'),
      marker('c', calls),
      marker('d', calls, 'async'),
      marker('e', calls),
    ]);
    const pending = transform({ pk: { S: '1' } }, context);
    assert.ok(pending instanceof Promise);
    assert.deepEqual(calls, ['a', 'b']);
    const result = await pending;
    assert.deepEqual(calls, ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(Object.keys(result ?? {}), ['pk', 'a', 'b', 'c', 'd', 'e']);
  });

  test('an async null stops the chain too', async () => {
    const calls: string[] = [];
    const drop: ImageTransform = () => Promise.resolve(null);
    const result = await composed([drop, marker('a', calls)])({ pk: { S: '1' } }, context);
    assert.equal(result, null);
    assert.deepEqual(calls, []);
  });

  test('a null after an async step stops the chain', async () => {
    const calls: string[] = [];
    const drop: ImageTransform = () => null;
    const result = await composed([marker('a', calls, 'async'), drop, marker('b', calls)])(
      { pk: { S: '1' } },
      context,
    );
    assert.equal(result, null);
    assert.deepEqual(calls, ['a']);
  });

  test("a step's throw and rejection come out as they are (callTransform wraps them)", async () => {
    const boom: ImageTransform = () => {
      throw new RangeError('sync boom');
    };
    const later: ImageTransform = () => Promise.reject(new RangeError('async boom'));
    assert.throws(() => composed([boom, (image) => image])({ pk: { S: '1' } }, context), /sync boom/);
    await assert.rejects(
      Promise.resolve(composed([(image) => image, later])({ pk: { S: '1' } }, context)),
      /async boom/,
    );
  });

  test('a result that is no object ends the chain untouched, for callTransform to report', async () => {
    const calls: string[] = [];
    const broken = (() => undefined) as unknown as ImageTransform;
    const brokenAsync = (() => Promise.resolve('text')) as unknown as ImageTransform;
    assert.equal(composed([broken, marker('a', calls)])({ pk: { S: '1' } }, context), undefined);
    assert.equal(await composed([brokenAsync, marker('a', calls)])({ pk: { S: '1' } }, context), 'text');
    assert.deepEqual(calls, []);
  });

  test('the CLI order: the module sees the source names, then exclude, then rename', async () => {
    const module = await loadTransformModule(join(FIXTURES, 'async-upper.mjs'));
    const transform = composed([
      module.transform,
      excludeAttributes(['email']),
      renameAttributes(parseRenameAttributes('name=fullName,pk=id')),
    ]);
    const big = '99999999999999999999999999999999999999';
    const bytes = new Uint8Array([1, 2, 3]);
    const image: Item = {
      pk: { S: 'k' },
      name: { S: 'ada' },
      email: { S: 'x' },
      n: { N: big },
      b: { B: bytes },
    };
    const result = await transform(image, context);
    assert.deepEqual(result, { id: { S: 'k' }, fullName: { S: 'ADA' }, n: { N: big }, b: { B: bytes } });
    assert.equal(result?.b?.B, bytes);
    assert.deepEqual(image.name, { S: 'ada' });
  });

  test('a module dropping an attribute composes with the built-ins synchronously', async () => {
    const module = await loadTransformModule(join(FIXTURES, 'drop-email.mjs'));
    const transform = composed([module.transform, renameAttributes(new Map([['v', 'value']]))]);
    const result = transform({ pk: { S: 'k' }, email: { S: 'x' }, v: { S: '1' } }, context);
    assert.ok(!(result instanceof Promise));
    assert.deepEqual(result, { pk: { S: 'k' }, value: { S: '1' } });
  });
});
