// dynamodb-local: none
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exportedNames, metricNames } from './promql-names.js';

test('metric names out of PromQL: not functions, aggregations, labels, keywords, durations or strings', () => {
  assert.deepEqual(metricNames('up'), ['up']);
  assert.deepEqual(
    metricNames('max by (task, shard) (ddb_replicator_shard_behind_seconds{task=~"$task"}) > 300'),
    ['ddb_replicator_shard_behind_seconds'],
  );
  assert.deepEqual(
    metricNames(
      'histogram_quantile(0.99, sum by (task, le) (rate(flush_seconds_bucket{task=~"$task"}[$__rate_interval])))',
    ),
    ['flush_seconds_bucket'],
  );
  assert.deepEqual(metricNames('sum(rate(a_total[5m] offset 1h)) by (task) / on (task) group_left b'), [
    'a_total',
    'b',
  ]);
  assert.deepEqual(metricNames('max by (instance) (max_over_time(stuck[5m:30s])) == 1 and bool 1e3'), [
    'stuck',
  ]);
  assert.deepEqual(metricNames('absent(x{a="sum(y)", b=\'z\'}) or vector(0)'), ['x']);
  assert.deepEqual(metricNames('count without(shard) (a:recorded:rate5m) unless ignoring (x) c'), [
    'a:recorded:rate5m',
    'c',
  ]);
});

test('what the extractor cannot judge throws', () => {
  assert.throws(() => metricNames('{__name__=~"ddb_.*"}'), /__name__/);
  assert.throws(() => metricNames('rate(x[5m]) * $factor'), /variable/);
});

test('exported names: families by their TYPE lines, histograms by bucket, sum and count', () => {
  const names = exportedNames(
    [
      '# HELP a_total A',
      '# TYPE a_total counter',
      '# TYPE h_seconds histogram',
      'h_seconds_bucket{le="1"} 0',
      '# TYPE s summary',
    ].join('\n'),
  );
  assert.equal(names.get('a_total'), 'a_total');
  assert.equal(names.get('h_seconds_bucket'), 'h_seconds');
  assert.equal(names.get('h_seconds_count'), 'h_seconds');
  assert.equal(names.get('s_sum'), 's');
  assert.equal(names.get('s_bucket'), undefined);
  assert.equal(names.get('h'), undefined);
});
