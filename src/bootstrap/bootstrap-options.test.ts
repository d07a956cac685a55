import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../errors/replicator-error.js';
import { buildBootstrapOptions } from './bootstrap-options.js';

const BASE = { copyOnly: false, copyConcurrency: 8, progressIntervalMs: 10_000, progressBar: false };

test('no rate given means no limit; segments stay undefined for the default', () => {
  const options = buildBootstrapOptions(BASE);
  assert.equal(options.maxWriteRate, Infinity);
  assert.equal(options.maxReadRate, Infinity);
  assert.equal(options.segments, undefined);
});

test('rates and segments are taken as given when valid', () => {
  const options = buildBootstrapOptions({ ...BASE, segments: 16, maxWriteRate: 500, maxReadRate: 2.5 });
  assert.equal(options.segments, 16);
  assert.equal(options.maxWriteRate, 500);
  assert.equal(options.maxReadRate, 2.5);
});

test('each bad value is one ConfigError naming its flag', () => {
  const cases: [Partial<Parameters<typeof buildBootstrapOptions>[0]>, RegExp][] = [
    [{ segments: 0 }, /--segments/],
    [{ segments: 1.5 }, /--segments/],
    [{ segments: 1_000_001 }, /--segments/],
    [{ maxWriteRate: 0 }, /--max-write-rate/],
    [{ maxReadRate: -1 }, /--max-read-rate/],
    [{ maxReadRate: Number.NaN }, /--max-read-rate/],
    [{ copyConcurrency: 0 }, /--copy-concurrency/],
  ];
  for (const [flags, message] of cases) {
    assert.throws(
      () => buildBootstrapOptions({ ...BASE, ...flags }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, message);
        return true;
      },
    );
  }
});
