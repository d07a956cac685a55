import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PlanPolicySet } from './plan-policy-set.js';
import { planPolicyText } from './plan-policy-text.js';

const arn = (table: string): string => `arn:aws:dynamodb:us-east-1:111111111111:table/${table}`;
const resources = {
  sourceTable: arn('orders'),
  sourceStream: `${arn('orders')}/stream/*`,
  destinationTable: arn('orders-b'),
  leaseTable: arn('L'),
};
const set = (extra: object): PlanPolicySet => ({
  plan: 'p',
  setup: 'role',
  features: ['replicate'],
  tasks: [{ entry: 'A→B', selectedBy: 'name', resources: { ...resources, ...extra } }],
  policies: [],
  placeholders: {},
  notes: [],
});

test("a two-way direction's text names its tombstone tables and conflict log, as its documents do", () => {
  const text = planPolicyText(
    set({
      tombstoneTable: arn('L-tombstones'),
      otherSideTombstoneTable: arn('M-tombstones'),
      conflictTable: arn('L-conflicts'),
    }),
  ).split('\n');
  for (const line of [
    `  tombstones               ${arn('L-tombstones')}`,
    `  other side's tombstones  ${arn('M-tombstones')}`,
    `  conflict log             ${arn('L-conflicts')}`,
  ]) {
    assert.ok(text.includes(line), `${line}\n${text.join('\n')}`);
  }
});

test('a one-way task shows no two-way line', () => {
  const text = planPolicyText(set({}));
  assert.doesNotMatch(text, /tombstones|conflict log/);
});
