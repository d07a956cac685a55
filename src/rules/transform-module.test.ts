import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Item } from '../stream/change-record.js';
import { loadTransformModule, TransformLoadError, type TransformContext } from './transform-module.js';

// The tests run from dist/src/rules/; the fixtures are plain JS in the repo, not built.
const FIXTURES = fileURLToPath(new URL('../../../tests/fixtures/transforms/', import.meta.url));
const fixture = (name: string): string => join(FIXTURES, name);

const context: TransformContext = {
  sourceTable: 'src',
  destinationTable: 'dst',
  eventName: 'INSERT',
  oldImage: undefined,
};

async function rejection(path: string): Promise<string> {
  try {
    await loadTransformModule(path);
  } catch (err) {
    assert.ok(err instanceof TransformLoadError, `expected a TransformLoadError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
    return err.message;
  }
  assert.fail(`${path} loaded`);
}

describe('loadTransformModule', () => {
  let scratch = '';
  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'transform-module-'));
  });
  after(async () => {
    await rm(scratch, { recursive: true, force: true });
  });
  async function scratchModule(name: string, text: string): Promise<string> {
    const path = join(scratch, name);
    await writeFile(path, text);
    return path;
  }

  test('loads a module by its absolute path; changesKey defaults to false', async () => {
    const loaded = await loadTransformModule(fixture('drop-email.mjs'));
    assert.equal(loaded.changesKey, false);
    assert.equal(loaded.path, fixture('drop-email.mjs'));
    const image: Item = { pk: { S: 'a' }, email: { S: 'a@example.com' }, n: { N: '1' } };
    assert.deepEqual(await loaded.transform(image, context), { pk: { S: 'a' }, n: { N: '1' } });
  });

  test('resolves a relative path against the working directory', async () => {
    const path = relative(process.cwd(), fixture('drop-email.mjs'));
    const loaded = await loadTransformModule(path);
    assert.equal(loaded.path, fixture('drop-email.mjs'));
  });

  test('reads changesKey = true', async () => {
    const loaded = await loadTransformModule(fixture('rekey.mjs'));
    assert.equal(loaded.changesKey, true);
    const result = await loaded.transform({ pk: { S: 'a' }, tenant: { S: 't1' } }, context);
    assert.deepEqual(result, { pk: { S: 't1#a' }, tenant: { S: 't1' } });
  });

  test('an async transform returns a Promise', async () => {
    const loaded = await loadTransformModule(fixture('async-upper.mjs'));
    const pending = loaded.transform({ pk: { S: 'a' }, name: { S: 'ada' } }, context);
    assert.ok(pending instanceof Promise);
    assert.deepEqual(await pending, { pk: { S: 'a' }, name: { S: 'ADA' } });
  });

  test("a CommonJS module's module.exports = { transform } arrives as a named export", async () => {
    const loaded = await loadTransformModule(fixture('cjs-transform.cjs'));
    assert.deepEqual(await loaded.transform({ pk: { S: 'a' } }, context), {
      pk: { S: 'a' },
      cjs: { BOOL: true },
    });
  });

  test("a CommonJS module whose names Node's lexer cannot see is read from default", async () => {
    const path = await scratchModule(
      'opaque.cjs',
      'const made = () => ({ transform: (image) => null, changesKey: true });\nmodule.exports = made();\n',
    );
    const loaded = await loadTransformModule(path);
    assert.equal(loaded.changesKey, true);
    assert.equal(await loaded.transform({ pk: { S: 'a' } }, context), null);
  });

  test('a missing file names the path given, the resolved path and the flag', async () => {
    const message = await rejection('./no-such-transform.mjs');
    assert.equal(
      message,
      `transform module ./no-such-transform.mjs not found (resolved to ${join(process.cwd(), 'no-such-transform.mjs')}): check the --transform path`,
    );
  });

  test('a directory is refused', async () => {
    assert.match(await rejection(FIXTURES), /is not a file .*: give the path of the module's/);
  });

  test('a syntax error names the error and how to find it', async () => {
    const message = await rejection(fixture('syntax-error.mjs'));
    assert.match(message, /^transform module .*syntax-error\.mjs could not be loaded: SyntaxError: /);
    assert.match(message, /node --check .*syntax-error\.mjs shows where/);
  });

  test('a file that is no module names the error from the import', async () => {
    const path = await scratchModule('notes.txt', 'export function transform() {}\n');
    assert.match(await rejection(path), /could not be loaded: TypeError: Unknown file extension ".txt"/);
  });

  test("a module whose top level throws names the module's error, on one line", async () => {
    const path = await scratchModule('top-level.mjs', 'throw new Error("no config\\nfound");\n');
    assert.match(await rejection(path), /could not be loaded: Error: no config found: it must be/);
  });

  test('a module without a transform export says what to add', async () => {
    const path = fixture('no-export.mjs');
    assert.equal(
      await rejection(path),
      `transform module ${path} does not export a function named transform: add export function transform(image, context) { ... }`,
    );
  });

  test('a transform export that is no function says what it is', async () => {
    const path = await scratchModule('not-function.mjs', 'export const transform = { drop: ["email"] };\n');
    assert.match(
      await rejection(path),
      /does not export a function named transform \(its transform is an object\)/,
    );
  });

  test('a changesKey that is not a boolean is refused', async () => {
    const path = await scratchModule(
      'string-flag.mjs',
      'export const changesKey = "yes";\nexport function transform(image) { return image; }\n',
    );
    assert.equal(
      await rejection(path),
      `transform module ${path} exports changesKey as a string, not a boolean: write export const changesKey = true (or leave it out when the key stays)`,
    );
  });

  test('changesKey = false is read as false', async () => {
    const path = await scratchModule(
      'false-flag.mjs',
      'export const changesKey = false;\nexport const transform = (image) => image;\n',
    );
    assert.equal((await loadTransformModule(path)).changesKey, false);
  });
});
