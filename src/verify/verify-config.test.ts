import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../errors/replicator-error.js';
import { buildVerifyConfig, type VerifyFlags } from './verify-config.js';

const base: VerifyFlags = {
  sourceTable: 'orders',
  sourceRegion: 'us-east-1',
  destTable: 'orders-copy',
  pageSize: 1000,
  show: 0,
  repair: false,
  recheckDelayMs: 2000,
  recheckRounds: 3,
};

test('defaults: destination region from the source, no rate limits, segments from the table size', () => {
  const config = buildVerifyConfig(base, {});
  assert.deepEqual(config.source, {
    region: 'us-east-1',
    endpoint: undefined,
    tableName: 'orders',
    credentials: {},
  });
  assert.deepEqual(config.destination, {
    region: 'us-east-1',
    endpoint: undefined,
    tableName: 'orders-copy',
    credentials: {},
  });
  assert.equal(config.maxReadRate, Infinity);
  assert.equal(config.maxWriteRate, Infinity);
  assert.equal(config.segments, undefined);
});

test('the source region falls back to AWS_REGION', () => {
  const config = buildVerifyConfig({ ...base, sourceRegion: undefined }, { AWS_REGION: 'eu-west-1' });
  assert.equal(config.source.region, 'eu-west-1');
  assert.equal(config.destination.region, 'eu-west-1');
});

test('each mistake is one ConfigError naming the flag', () => {
  const cases: [Partial<VerifyFlags>, RegExp][] = [
    [{ sourceTable: undefined }, /missing --source-table/],
    [{ destTable: '' }, /missing --dest-table/],
    [{ destTable: 'a b' }, /--dest-table "a b" is not a valid DynamoDB table name/],
    [{ sourceEndpoint: 'localhost:8000' }, /--source-endpoint .* must start with http/],
    [{ destEndpoint: 'not a url' }, /--dest-endpoint .* is not a URL/],
    [{ destTable: 'orders' }, /is the source table itself/],
    [{ segments: 0 }, /--segments must be a whole number/],
    [{ maxReadRate: 2.5 }, /--max-read-rate must be a whole number/],
    [{ maxWriteRate: -1 }, /--max-write-rate must be a whole number/],
    [{ show: -1 }, /--show/],
    [{ recheckRounds: 0 }, /--recheck-rounds must be a whole number from 1/],
    [{ recheckDelayMs: Number.NaN }, /--recheck-delay-ms/],
    [{ pageSize: 0 }, /--page-size/],
  ];
  for (const [flags, message] of cases) {
    assert.throws(
      () => buildVerifyConfig({ ...base, ...flags }, {}),
      (err: unknown) => err instanceof ConfigError && message.test(err.message),
      JSON.stringify(flags),
    );
  }
  assert.throws(() => buildVerifyConfig({ ...base, sourceRegion: undefined }, {}), /missing --source-region/);
});

test('the same table name in another region or endpoint is another table', () => {
  assert.doesNotThrow(() => buildVerifyConfig({ ...base, destTable: 'orders', destRegion: 'us-west-2' }, {}));
  assert.doesNotThrow(() =>
    buildVerifyConfig({ ...base, destTable: 'orders', destEndpoint: 'http://localhost:8001' }, {}),
  );
});

test('no rule flags: no rules; rule flags: checked like replicate (a bad pattern is one ConfigError line)', () => {
  assert.equal(buildVerifyConfig(base, {}).rules, undefined);
  const rules = buildVerifyConfig(
    {
      ...base,
      filter: JSON.stringify({ dynamodb: { NewImage: { status: { S: ['active'] } } } }),
      excludeAttributes: 'email',
      renameAttributes: 'name=fullName',
    },
    {},
  ).rules;
  assert.deepEqual(rules?.excludeAttributes, ['email']);
  assert.equal(rules?.renameAttributes.get('name'), 'fullName');
  assert.ok(rules?.filter !== undefined);
  assert.throws(() => buildVerifyConfig({ ...base, filter: '{"dynamodb": 3' }, {}), ConfigError);
});
