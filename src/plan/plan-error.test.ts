import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../errors/replicator-error.js';
import { entryLabel, planError } from './plan-error.js';

describe('planError', () => {
  test('a ConfigError starting with the file; the mistakes of one place after its name once', () => {
    const err = planError('p.yaml', [
      { where: 'replications[0] (source a)', what: 'one' },
      { where: 'replications[0] (source a)', what: 'two' },
      { where: 'defaults', what: 'three' },
    ]);
    assert.ok(err instanceof ConfigError);
    assert.equal(err.message, 'plan p.yaml: replications[0] (source a): one; two; defaults: three');
  });
  test("the file's own mistakes come first, repeated mistakes once", () => {
    const err = planError('p.yaml', [
      { where: 'defaults', what: 'a' },
      { where: '', what: 'top' },
      { where: 'defaults', what: 'a' },
    ]);
    assert.equal(err.message, 'plan p.yaml: top; defaults: a');
  });
  test('at most five, the rest counted', () => {
    const mistakes = Array.from({ length: 8 }, (_, i) => ({ where: 'defaults', what: `m${i}` }));
    assert.equal(
      planError('p.yaml', mistakes).message,
      'plan p.yaml: defaults: m0; m1; m2; m3; m4 (and 3 more)',
    );
  });
});

describe('entryLabel', () => {
  test('by index and source table, with the table a glob selected, or without a usable table', () => {
    assert.equal(entryLabel(2, 'orders'), 'replications[2] (source orders)');
    assert.equal(
      entryLabel(1, 'audit-*', 'audit-a'),
      'replications[1] (source audit-a, selected by audit-*)',
    );
    assert.equal(entryLabel(0, 2024), 'replications[0] (source 2024)');
    assert.equal(entryLabel(0, undefined), 'replications[0] (no source table)');
    assert.equal(entryLabel(0, ''), 'replications[0] (no source table)');
    assert.equal(entryLabel(0, { table: 'x' }), 'replications[0] (no source table)');
  });
});
