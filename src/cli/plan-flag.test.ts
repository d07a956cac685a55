import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../errors/replicator-error.js';
import { refuseWithPlan, TABLE_PAIR_FLAGS } from './plan-flag.js';

test('refuseWithPlan: a plan with flags that name a table pair is refused, naming them', () => {
  assert.doesNotThrow(() => refuseWithPlan({ 'source-table': 'a' }, TABLE_PAIR_FLAGS), 'no plan');
  assert.doesNotThrow(
    () => refuseWithPlan({ plan: 'p.yaml', json: true }, TABLE_PAIR_FLAGS),
    'no table flag',
  );
  assert.throws(
    () => refuseWithPlan({ plan: 'p.yaml', 'source-table': 'a' }, TABLE_PAIR_FLAGS),
    new ConfigError('--plan names the table pairs: leave out --source-table (or write it into the plan)'),
  );
  assert.throws(
    () => refuseWithPlan({ plan: 'p.yaml', 'dest-region': 'r', 'source-profile': 'p' }, TABLE_PAIR_FLAGS),
    new ConfigError(
      '--plan names the table pairs: leave out --source-profile, --dest-region (or write them into the plan)',
    ),
  );
});
