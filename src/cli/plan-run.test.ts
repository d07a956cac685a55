import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planFanOutFlags } from './plan-run.js';

const ARGS = { 'create-dest-table': false, 'copy-tags': false, 'ttl-deletes': 'replicate' };

test("a fan-out's further destinations: their rule files beside the plan, as the first destination's", () => {
  const inline = '{"dynamodb":{"NewImage":{"tenant":{"S":["b"]}}}}';
  assert.deepEqual(
    planFanOutFlags(
      [
        { destTable: 'b', filter: '@tenants/b.json', transform: 'mask.mjs', excludeAttributes: 'email' },
        {
          destTable: 'c',
          destRegion: 'eu-west-1',
          filter: inline,
          ttlDeletes: 'skip',
          createDestTable: true,
        },
      ],
      '/plans/x/plan.yaml',
      ARGS,
    ),
    [
      {
        destTable: 'b',
        createDestTable: false,
        copyTags: false,
        filter: '@/plans/x/tenants/b.json',
        transform: '/plans/x/mask.mjs',
        excludeAttributes: 'email',
        renameAttributes: undefined,
        ttlDeletes: 'replicate',
      },
      {
        destTable: 'c',
        destRegion: 'eu-west-1',
        createDestTable: true,
        copyTags: false,
        filter: inline,
        transform: undefined,
        excludeAttributes: undefined,
        renameAttributes: undefined,
        ttlDeletes: 'skip',
      },
    ],
  );
});

test("the command line's --create-dest-table, --copy-tags and --ttl-deletes where the plan says nothing", () => {
  const [only] =
    planFanOutFlags([{ destTable: 'b' }], 'plan.yaml', {
      'create-dest-table': true,
      'copy-tags': true,
      'ttl-deletes': 'skip',
    }) ?? [];
  assert.equal(only?.createDestTable, true);
  assert.equal(only?.copyTags, true);
  assert.equal(only?.ttlDeletes, 'skip');
  assert.equal(planFanOutFlags(undefined, 'plan.yaml', ARGS), undefined, 'no fan-out, no fanOut flags');
});
