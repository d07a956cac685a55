import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Item } from '../stream/change-record.js';
import {
  AttributeRuleError,
  excludeAttributes,
  parseExcludeAttributes,
  parseRenameAttributes,
  renameAttributes,
} from './attribute-rules.js';
import type { ImageTransform, TransformContext } from './transform-module.js';

const context: TransformContext = {
  sourceTable: 'src',
  destinationTable: 'dst',
  eventName: 'MODIFY',
  oldImage: undefined,
};

/** Runs a built-in transform, which must answer synchronously with an item. */
function run(transform: ImageTransform, image: Item): Item {
  const result = transform(image, context);
  assert.ok(!(result instanceof Promise), 'built-in transforms are synchronous');
  assert.ok(result !== null);
  return result;
}

function parseError(parse: () => unknown, pattern: RegExp): void {
  assert.throws(parse, (err: unknown) => {
    assert.ok(err instanceof AttributeRuleError);
    assert.ok(!err.message.includes('\n'));
    assert.match(err.message, pattern);
    return true;
  });
}

const BIG = '12345678901234567890123456789012345678';
const BYTES = new Uint8Array([0, 1, 2, 255]);

describe('parseExcludeAttributes', () => {
  test('splits on commas and trims around them', () => {
    assert.deepEqual(parseExcludeAttributes('a, b ,c'), ['a', 'b', 'c']);
    assert.deepEqual(parseExcludeAttributes('single'), ['single']);
  });

  test('keeps a name given twice once', () => {
    assert.deepEqual(parseExcludeAttributes('a,b,a'), ['a', 'b']);
  });

  test('refuses an empty flag and empty names', () => {
    parseError(() => parseExcludeAttributes(''), /--exclude-attributes is empty/);
    parseError(() => parseExcludeAttributes('  '), /--exclude-attributes is empty/);
    parseError(() => parseExcludeAttributes('a,,b'), /"a,,b" has an empty name/);
    parseError(() => parseExcludeAttributes('a,'), /has an empty name/);
    parseError(() => parseExcludeAttributes(',a'), /has an empty name/);
    parseError(() => parseExcludeAttributes('a, ,b'), /has an empty name/);
  });
});

describe('parseRenameAttributes', () => {
  test('reads old=new pairs, trimmed around commas and =', () => {
    assert.deepEqual(
      [...parseRenameAttributes(' a=b , c = d,e=f')],
      [
        ['a', 'b'],
        ['c', 'd'],
        ['e', 'f'],
      ],
    );
  });

  test('refuses entries that are not old=new', () => {
    parseError(() => parseRenameAttributes(''), /--rename-attributes is empty/);
    parseError(() => parseRenameAttributes('a=b,,c=d'), /has an empty name/);
    parseError(() => parseRenameAttributes('a'), /entry "a" is not old=new/);
    parseError(() => parseRenameAttributes('a=b=c'), /entry "a=b=c" is not old=new: write one = per entry/);
    parseError(() => parseRenameAttributes('a='), /entry "a=" lacks a name on one side of =/);
    parseError(() => parseRenameAttributes('=b'), /entry "=b" lacks a name/);
    parseError(() => parseRenameAttributes('a= '), /lacks a name/);
  });

  test('refuses a name renamed twice', () => {
    parseError(() => parseRenameAttributes('a=b,a=c'), /renames a twice \(to b and to c\)/);
    parseError(() => parseRenameAttributes('a=b,a=b'), /renames a twice/);
  });

  test('refuses two names renamed onto one target', () => {
    parseError(() => parseRenameAttributes('a=c,b=c'), /renames both a and b to c: one value would be lost/);
  });

  test('refuses chains, swaps and renames onto themselves', () => {
    parseError(() => parseRenameAttributes('a=b,b=c'), /renames b \(to c\) and also renames a onto b/);
    parseError(() => parseRenameAttributes('b=c,a=b'), /renames b \(to c\) and also renames a onto b/);
    parseError(() => parseRenameAttributes('a=b,b=a'), /a chain or swap is ambiguous/);
    parseError(() => parseRenameAttributes('a=a'), /renames a \(to a\) and also renames a onto a/);
  });
});

describe('excludeAttributes', () => {
  test('drops the named attributes without touching the input', () => {
    const image: Item = { pk: { S: 'a' }, email: { S: 'x@y' }, secret: { S: 's' }, n: { N: '1' } };
    const before = structuredClone(image);
    const result = run(excludeAttributes(['email', 'secret']), image);
    assert.deepEqual(result, { pk: { S: 'a' }, n: { N: '1' } });
    assert.deepEqual(image, before);
  });

  test('returns the image itself when none of the names is in it', () => {
    const image: Item = { pk: { S: 'a' } };
    assert.equal(run(excludeAttributes(['email']), image), image);
    assert.equal(run(excludeAttributes([]), image), image);
  });

  test('leaves 38-digit numbers and binary untouched (the same objects)', () => {
    const image: Item = { pk: { S: 'a' }, big: { N: BIG }, bytes: { B: BYTES }, email: { S: 'x' } };
    const result = run(excludeAttributes(['email']), image);
    assert.equal(result.big, image.big);
    assert.equal(result.bytes?.B, BYTES);
    assert.deepEqual(result.big, { N: BIG });
  });

  test('only own attributes count: a name like toString is not found in an image without it', () => {
    const image: Item = { pk: { S: 'a' } };
    assert.equal(run(excludeAttributes(['toString', 'constructor']), image), image);
  });

  test('a later change to the names given does not change the transform', () => {
    const names = ['email'];
    const transform = excludeAttributes(names);
    names.push('pk');
    assert.deepEqual(run(transform, { pk: { S: 'a' }, email: { S: 'x' } }), { pk: { S: 'a' } });
  });
});

describe('renameAttributes', () => {
  test('renames without touching the input', () => {
    const image: Item = { pk: { S: 'a' }, old: { S: 'v' }, other: { N: '2' } };
    const before = structuredClone(image);
    const result = run(renameAttributes(parseRenameAttributes('old=new')), image);
    assert.deepEqual(result, { pk: { S: 'a' }, new: { S: 'v' }, other: { N: '2' } });
    assert.deepEqual(image, before);
  });

  test('returns the image itself when no source is in it', () => {
    const image: Item = { pk: { S: 'a' } };
    assert.equal(run(renameAttributes(parseRenameAttributes('old=new')), image), image);
  });

  test('renames a key attribute like any other (the caller decides whether a key may change)', () => {
    const result = run(renameAttributes(parseRenameAttributes('pk=id,sk=sort')), {
      pk: { S: 'a' },
      sk: { N: '1' },
      v: { S: 'x' },
    });
    assert.deepEqual(result, { id: { S: 'a' }, sort: { N: '1' }, v: { S: 'x' } });
  });

  test('the renamed value wins over an attribute already named like the target', () => {
    const image: Item = { pk: { S: 'a' }, old: { S: 'renamed' }, new: { S: 'existing' } };
    assert.deepEqual(run(renameAttributes(parseRenameAttributes('old=new')), image), {
      pk: { S: 'a' },
      new: { S: 'renamed' },
    });
    assert.deepEqual(image.new, { S: 'existing' });
  });

  test('an existing target stays when its source is absent', () => {
    const image: Item = { pk: { S: 'a' }, new: { S: 'existing' } };
    assert.equal(run(renameAttributes(parseRenameAttributes('old=new')), image), image);
  });

  test('carries 38-digit numbers and binary across untouched (the same objects)', () => {
    const image: Item = { pk: { S: 'a' }, big: { N: BIG }, bytes: { B: BYTES } };
    const result = run(renameAttributes(parseRenameAttributes('big=huge,bytes=blob')), image);
    assert.equal(result.huge, image.big);
    assert.equal(result.blob?.B, BYTES);
    assert.deepEqual(result.huge, { N: BIG });
  });

  test('a swap given directly (not through the flag) applies all renames at once', () => {
    const swap = new Map([
      ['a', 'b'],
      ['b', 'a'],
    ]);
    assert.deepEqual(run(renameAttributes(swap), { a: { S: '1' }, b: { S: '2' } }), {
      b: { S: '1' },
      a: { S: '2' },
    });
  });

  test('renames onto __proto__ as an own attribute, not the prototype', () => {
    const result = run(renameAttributes(parseRenameAttributes('p=__proto__')), { p: { S: 'x' } });
    assert.ok(Object.hasOwn(result, '__proto__'));
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(result, '__proto__')?.value, { S: 'x' });
  });
});
