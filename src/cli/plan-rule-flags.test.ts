import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planRuleFlags } from './plan-rule-flags.js';

test('a plan entry: @filter and transform beside the plan, the rest as written, ttlDeletes from the command line', () => {
  assert.deepEqual(
    planRuleFlags(
      { filter: '@p/active.json', transform: 't.mjs', excludeAttributes: 'email', renameAttributes: 'a=b' },
      '/plans/x/plan.yaml',
      'skip',
    ),
    {
      filter: '@/plans/x/p/active.json',
      transform: '/plans/x/t.mjs',
      excludeAttributes: 'email',
      renameAttributes: 'a=b',
      ttlDeletes: 'skip',
    },
  );
  const inline = '{"dynamodb":{"NewImage":{"s":{"S":["a"]}}}}';
  assert.deepEqual(planRuleFlags({ filter: inline, ttlDeletes: 'replicate' }, 'plan.yaml', 'skip'), {
    filter: inline,
    transform: undefined,
    excludeAttributes: undefined,
    renameAttributes: undefined,
    ttlDeletes: 'replicate',
  });
});
