import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FEATURE_LABELS, IAM_PERMISSIONS, RESOURCE_LABELS } from './iam-permissions.js';
import { IAM_TABLE_END, IAM_TABLE_START, iamTable, markdownTable, withIamTable } from './iam-table.js';

const README = new URL('../../../README.md', import.meta.url);

test("the README's IAM table is the one generated from src/iam (npm run docs:iam rewrites it)", () => {
  const readme = readFileSync(README, 'utf8');
  assert.ok(readme.includes(IAM_TABLE_START), 'README.md has the iam-table markers');
  assert.equal(withIamTable(readme), readme, 'README.md is out of date: run npm run docs:iam');
});

test('every permission is in the table once, with the features that need it', () => {
  const table = iamTable();
  for (const p of IAM_PERMISSIONS) {
    const rows = table.split('\n').filter((row) => row.includes(`\`${p.action}\``));
    const row = rows.filter((r) => r.startsWith(`| ${RESOURCE_LABELS[p.resource].name} `));
    assert.equal(row.length, 1, `${p.action} on ${p.resource}`);
    for (const feature of p.features) {
      assert.ok(row[0]?.includes(FEATURE_LABELS[feature]), `${p.action} on ${p.resource} names ${feature}`);
    }
  }
});

test('a Markdown table laid out as prettier lays it out', () => {
  assert.equal(
    markdownTable(['a', 'long header'], [['wide cell', 'x']]),
    ['| a         | long header |', '| --------- | ----------- |', '| wide cell | x           |'].join('\n'),
  );
});

test('the table goes between the markers, replacing what was there; no markers, no rewrite', () => {
  const before = `# T\n\n${IAM_TABLE_START}\n\nold\n\n${IAM_TABLE_END}\n\nrest\n`;
  assert.equal(withIamTable(before, 'NEW'), `# T\n\n${IAM_TABLE_START}\n\nNEW\n\n${IAM_TABLE_END}\n\nrest\n`);
  assert.throws(() => withIamTable('# T\n'), /markers/);
});
