import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../errors/replicator-error.js';
import type { KnownProfiles } from './credential-source.js';
import { buildReplicationConfig, buildTaskSides, type ReplicationFlags } from './replication-config.js';
import { defaultTaskName } from './task-name.js';

const BASE: ReplicationFlags = {
  sourceTable: 'src',
  sourceRegion: 'us-east-1',
  destTable: 'dst',
  workerId: 'worker-1',
  startPosition: 'trim-horizon',
  batchSize: 1000,
  writeConcurrency: 16,
  maxBufferMb: 64,
  pollIntervalMs: 1000,
  checkpointIntervalMs: 1000,
  failoverMs: 10_000,
  shardSyncIntervalMs: 60_000,
  progressIntervalMs: 30_000,
  shutdownTimeoutMs: 30_000,
};

const NO_ENV: NodeJS.ProcessEnv = {};

type NumericFlag =
  | 'batchSize'
  | 'writeConcurrency'
  | 'maxBufferMb'
  | 'pollIntervalMs'
  | 'checkpointIntervalMs'
  | 'failoverMs'
  | 'shardSyncIntervalMs'
  | 'progressIntervalMs'
  | 'shutdownTimeoutMs'
  | 'metricsPort'
  | 'stallTimeoutMs';

/** One flag set to a value, for tables of cases. */
function flag<K extends keyof ReplicationFlags>(
  key: K,
  value: ReplicationFlags[K],
): Partial<ReplicationFlags> {
  const flags: Partial<ReplicationFlags> = {};
  (flags as Record<K, ReplicationFlags[K]>)[key] = value;
  return flags;
}

function build(
  overrides: Partial<ReplicationFlags> = {},
  env: NodeJS.ProcessEnv = NO_ENV,
  profiles?: KnownProfiles,
) {
  return buildReplicationConfig({ ...BASE, ...overrides }, env, profiles);
}

/** Asserts a ConfigError whose message names `flag` (and matches `pattern`, when given). */
function assertRefused(overrides: Partial<ReplicationFlags>, name: string, pattern?: RegExp): void {
  assert.throws(
    () => build(overrides),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `a ConfigError for ${name}`);
      assert.ok(err.message.includes(name), `"${err.message}" names ${name}`);
      if (pattern !== undefined) assert.match(err.message, pattern);
      return true;
    },
  );
}

describe('buildReplicationConfig: defaults', () => {
  test('destination and lease follow the source', () => {
    const config = build();
    const taskName = defaultTaskName('us-east-1', 'src', 'us-east-1', 'dst');
    const credentials = {};
    assert.deepEqual(config.source, {
      region: 'us-east-1',
      endpoint: undefined,
      tableName: 'src',
      credentials,
    });
    assert.deepEqual(config.destination, {
      region: 'us-east-1',
      endpoint: undefined,
      tableName: 'dst',
      credentials,
    });
    assert.deepEqual(config.lease, {
      region: 'us-east-1',
      endpoint: undefined,
      tableName: `DynamoDBCrossRegionReplication${taskName}`,
      credentials,
    });
    assert.equal(config.createDestTable, undefined);
    assert.equal(config.taskName, taskName);
    assert.equal(config.sourceStreamsEndpoint, undefined);
    assert.equal(config.maxBufferBytes, 64 * 1024 * 1024);
    assert.equal(config.metricsPort, undefined);
    assert.equal(config.workerId, 'worker-1');
    assert.equal(config.batchSize, 1000);
    assert.equal(config.stallTimeoutMs, 60_000, 'without --stall-timeout-ms');
  });

  test('the lease table and the stream follow the source endpoint', () => {
    const config = build({ sourceEndpoint: 'http://localhost:8000', destEndpoint: 'http://localhost:8001' });
    assert.equal(config.lease.endpoint, 'http://localhost:8000');
    assert.equal(config.lease.region, 'us-east-1');
    assert.equal(config.sourceStreamsEndpoint, 'http://localhost:8000');
    assert.equal(config.destination.endpoint, 'http://localhost:8001');
  });

  test('--source-streams-endpoint overrides the stream endpoint only', () => {
    const config = build({ sourceEndpoint: 'http://a:1', sourceStreamsEndpoint: 'https://streams:2' });
    assert.equal(config.sourceStreamsEndpoint, 'https://streams:2');
    assert.equal(config.source.endpoint, 'http://a:1');
  });

  test('--lease-region alone means that region’s AWS endpoint, not the source endpoint', () => {
    const config = build({ sourceEndpoint: 'http://localhost:8000', leaseRegion: 'eu-west-1' });
    assert.deepEqual([config.lease.region, config.lease.endpoint], ['eu-west-1', undefined]);
  });

  test('--lease-endpoint is used, with the source region unless --lease-region', () => {
    const a = build({ sourceEndpoint: 'http://localhost:8000', leaseEndpoint: 'http://lease:9000' });
    assert.deepEqual([a.lease.region, a.lease.endpoint], ['us-east-1', 'http://lease:9000']);
    const b = build({ leaseRegion: 'eu-west-1', leaseEndpoint: 'http://lease:9000' });
    assert.deepEqual([b.lease.region, b.lease.endpoint], ['eu-west-1', 'http://lease:9000']);
  });

  test('--dest-region and a task name are used', () => {
    const config = build({ destRegion: 'us-west-2', taskName: 'my.task_1' });
    assert.equal(config.destination.region, 'us-west-2');
    assert.equal(config.taskName, 'my.task_1');
    assert.equal(config.lease.tableName, 'DynamoDBCrossRegionReplicationmy.task_1');
    assert.equal(
      build({ destRegion: 'us-west-2' }).taskName,
      defaultTaskName('us-east-1', 'src', 'us-west-2', 'dst'),
    );
  });

  test('an empty endpoint counts as none', () => {
    const config = build({ sourceEndpoint: '', destEndpoint: '' });
    assert.equal(config.source.endpoint, undefined);
    assert.equal(config.destination.endpoint, undefined);
  });
});

describe('buildReplicationConfig: region from the environment', () => {
  test('AWS_REGION is the fallback for --source-region', () => {
    const config = build({ sourceRegion: undefined }, { AWS_REGION: 'ap-south-1' });
    assert.equal(config.source.region, 'ap-south-1');
    assert.equal(config.destination.region, 'ap-south-1');
  });

  test('AWS_DEFAULT_REGION comes after AWS_REGION', () => {
    assert.equal(
      build({ sourceRegion: undefined }, { AWS_DEFAULT_REGION: 'sa-east-1' }).source.region,
      'sa-east-1',
    );
    const both = { AWS_REGION: 'ap-south-1', AWS_DEFAULT_REGION: 'sa-east-1' };
    assert.equal(build({ sourceRegion: undefined }, both).source.region, 'ap-south-1');
  });

  test('the flag wins over the environment', () => {
    assert.equal(build({}, { AWS_REGION: 'ap-south-1' }).source.region, 'us-east-1');
  });

  test('no region anywhere names --source-region and AWS_REGION', () => {
    assertRefused({ sourceRegion: undefined }, '--source-region', /AWS_REGION/);
    assertRefused({ sourceRegion: '' }, '--source-region');
  });
});

describe('buildReplicationConfig: validation', () => {
  test('missing tables name their flag', () => {
    assertRefused({ sourceTable: undefined }, '--source-table', /missing/);
    assertRefused({ sourceTable: '' }, '--source-table', /missing/);
    assertRefused({ destTable: undefined }, '--dest-table', /missing/);
    assertRefused({ destTable: '' }, '--dest-table', /missing/);
  });

  test('invalid table names name their flag', () => {
    for (const bad of ['ab', 'has space', 'a/b', 'tab:le', 'x'.repeat(256), 'ünï']) {
      assertRefused({ sourceTable: bad }, '--source-table', /not a valid DynamoDB table name/);
      assertRefused({ destTable: bad }, '--dest-table', /not a valid DynamoDB table name/);
    }
  });

  test('table names at the limits are accepted', () => {
    assert.equal(build({ sourceTable: 'abc' }).source.tableName, 'abc');
    assert.equal(build({ destTable: 'x'.repeat(255) }).destination.tableName, 'x'.repeat(255));
    assert.equal(build({ sourceTable: 'A_b-c.9' }).source.tableName, 'A_b-c.9');
  });

  const ranges: [NumericFlag, string, number, number][] = [
    ['batchSize', '--batch-size', 1, 1000],
    ['writeConcurrency', '--write-concurrency', 1, 256],
    ['maxBufferMb', '--max-buffer-mb', 1, 16_384],
    ['pollIntervalMs', '--poll-interval-ms', 0, 60_000],
    ['checkpointIntervalMs', '--checkpoint-interval-ms', 0, 60_000],
    ['failoverMs', '--failover-ms', 1_000, 3_600_000],
    ['shardSyncIntervalMs', '--shard-sync-interval-ms', 100, 3_600_000],
    ['progressIntervalMs', '--progress-interval-ms', 0, 3_600_000],
    ['shutdownTimeoutMs', '--shutdown-timeout-ms', 0, 3_600_000],
    ['metricsPort', '--metrics-port', 0, 65_535],
    ['stallTimeoutMs', '--stall-timeout-ms', 1_000, 86_400_000],
  ];
  for (const [key, name, min, max] of ranges) {
    test(`${name} accepts ${min}..${max} and refuses the rest`, () => {
      for (const good of [min, max]) {
        const config = build(flag(key, good));
        const value = key === 'maxBufferMb' ? config.maxBufferBytes / (1024 * 1024) : config[key];
        assert.equal(value, good);
      }
      const bounds = new RegExp(`from ${min} to ${max}`);
      for (const bad of [min - 1, max + 1, min + 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        assertRefused(flag(key, bad), name, bounds);
      }
    });
  }

  test('bad endpoints name their flag', () => {
    const endpoints = [
      ['sourceEndpoint', '--source-endpoint'],
      ['sourceStreamsEndpoint', '--source-streams-endpoint'],
      ['destEndpoint', '--dest-endpoint'],
      ['leaseEndpoint', '--lease-endpoint'],
    ] as const;
    for (const [key, name] of endpoints) {
      assertRefused(flag(key, 'not a url'), name, /is not a URL/);
      assertRefused(flag(key, 'ftp://host:21'), name, /must start with http:\/\/ or https:\/\//);
      assertRefused(flag(key, 'localhost:8000'), name);
      assert.doesNotThrow(() => build(flag(key, 'https://dynamodb.eu-west-1.amazonaws.com')));
    }
  });

  test('an empty worker id is refused', () => {
    assertRefused({ workerId: '' }, '--worker-id', /empty/);
    assertRefused({ workerId: '  \t' }, '--worker-id', /empty/);
  });

  test('the source table as destination is refused', () => {
    assertRefused({ destTable: 'src' }, '--dest-table', /source table itself/);
    assertRefused({ destTable: 'src', destRegion: 'us-east-1' }, '--dest-table');
    const local = 'http://localhost:8000';
    assertRefused({ destTable: 'src', sourceEndpoint: local, destEndpoint: local }, '--dest-table');
  });

  test('the same table name in another region or endpoint is fine', () => {
    assert.equal(build({ destTable: 'src', destRegion: 'us-west-2' }).destination.tableName, 'src');
    assert.equal(
      build({ destTable: 'src', destEndpoint: 'http://localhost:8001' }).destination.tableName,
      'src',
    );
  });

  test('a task name that cannot be part of a table name is refused', () => {
    for (const bad of ['has space', 'a/b', '', 'x'.repeat(201), 'naïve']) {
      assertRefused({ taskName: bad }, '--task-name', /not usable in a table name/);
    }
    assert.equal(build({ taskName: 'x'.repeat(200) }).taskName, 'x'.repeat(200));
  });
});

describe('buildReplicationConfig: credentials per side', () => {
  const ROLE = 'arn:aws:iam::222222222222:role/replicator';
  const PROFILES: KnownProfiles = {
    names: new Set(['prod', 'dr', 'noregion']),
    region: (name) => ({ prod: 'us-east-2', dr: 'eu-west-1' })[name],
    files: 'config or credentials',
  };

  test('each side keeps its profile, role and external id; the lease side takes the source side’s', () => {
    const config = build(
      {
        sourceCredentials: { profile: 'prod' },
        destCredentials: { profile: 'dr', roleArn: ROLE, externalId: 'ext-1' },
      },
      NO_ENV,
      PROFILES,
    );
    assert.deepEqual(config.source.credentials, { profile: 'prod' });
    assert.deepEqual(config.destination.credentials, { profile: 'dr', roleArn: ROLE, externalId: 'ext-1' });
    assert.deepEqual(config.lease.credentials, { profile: 'prod' });
  });

  test('lease flags give the lease table credentials of its own', () => {
    const config = build(
      { sourceCredentials: { profile: 'prod' }, leaseCredentials: { roleArn: ROLE } },
      NO_ENV,
      PROFILES,
    );
    assert.deepEqual(config.lease.credentials, { roleArn: ROLE });
  });

  test("a side without a region flag takes its profile's region, before AWS_REGION", () => {
    const config = build(
      { sourceRegion: undefined, sourceCredentials: { profile: 'prod' }, destCredentials: { profile: 'dr' } },
      { AWS_REGION: 'ap-south-1' },
      PROFILES,
    );
    assert.equal(config.source.region, 'us-east-2');
    assert.equal(config.destination.region, 'eu-west-1');
    assert.equal(config.lease.region, 'us-east-2');
    assert.equal(config.taskName, defaultTaskName('us-east-2', 'src', 'eu-west-1', 'dst'));
  });

  test('a region flag wins over the profile; a profile without a region falls back as before', () => {
    const config = build(
      {
        sourceRegion: 'us-west-1',
        sourceCredentials: { profile: 'prod' },
        destCredentials: { profile: 'noregion' },
      },
      NO_ENV,
      PROFILES,
    );
    assert.equal(config.source.region, 'us-west-1');
    assert.equal(config.destination.region, 'us-west-1');
  });

  test('an unknown profile is refused by name', () => {
    assert.throws(
      () => build({ destCredentials: { profile: 'nope' } }, NO_ENV, PROFILES),
      /--dest-profile "nope": no such profile/,
    );
  });

  test('the same table name in the same region is fine with other credentials (another account)', () => {
    const config = build({ destTable: 'src', destCredentials: { roleArn: ROLE } });
    assert.equal(config.destination.tableName, 'src');
    assert.throws(() => build({ destTable: 'src', destCredentials: {} }), /source table itself/);
  });
});

describe('buildReplicationConfig: --create-dest-table', () => {
  test('off unless asked; the flags that only apply to it are refused without it', () => {
    assert.equal(build().createDestTable, undefined);
    assertRefused({ copyTags: true }, '--copy-tags', /add --create-dest-table/);
    assertRefused({ destKmsKey: 'alias/dr' }, '--dest-kms-key');
    assertRefused({ destStreamViewType: 'NEW_IMAGE' }, '--dest-stream-view-type');
  });

  test('its options', () => {
    assert.deepEqual(build({ createDestTable: true }).createDestTable, {
      streamViewType: undefined,
      kmsKey: undefined,
      copyTags: false,
    });
    assert.deepEqual(
      build({
        createDestTable: true,
        destStreamViewType: 'NEW_IMAGE',
        destKmsKey: 'alias/dr',
        copyTags: true,
      }).createDestTable,
      { streamViewType: 'NEW_IMAGE', kmsKey: 'alias/dr', copyTags: true },
    );
    assertRefused({ createDestTable: true, destStreamViewType: 'NEW' }, '--dest-stream-view-type');
  });
});

describe('buildReplicationConfig: a source table by ARN (another account, through its resource policy)', () => {
  const ARN = 'arn:aws:dynamodb:eu-west-1:111122223333:table/orders';

  test('its region comes from the ARN; the task name from its name', () => {
    const config = build({
      sourceTable: ARN,
      sourceRegion: undefined,
      destTable: 'orders',
      destRegion: 'eu-west-1',
    });
    assert.equal(config.source.tableName, ARN);
    assert.equal(config.source.region, 'eu-west-1');
    assert.equal(config.taskName, defaultTaskName('eu-west-1', 'orders', 'eu-west-1', 'orders'));
  });

  test('a region flag that differs from the ARN is refused; a malformed ARN too', () => {
    assertRefused(
      { sourceTable: ARN, sourceRegion: 'us-east-1' },
      '--source-region',
      /differs from the region/,
    );
    assertRefused(
      { sourceTable: 'arn:aws:dynamodb:eu-west-1:1:table/orders' },
      '--source-table',
      /is not a table ARN/,
    );
  });

  test('only the source may be an ARN', () => {
    assertRefused({ destTable: ARN }, '--dest-table', /not a valid DynamoDB table name/);
  });
});

describe('buildReplicationConfig: a fan-out (several destinations from one read)', () => {
  const FAN_OUT: ReplicationFlags = {
    ...BASE,
    filter: '{"dynamodb":{"NewImage":{"tenant":{"S":["a"]}}}}',
    fanOut: [
      {
        destTable: 'dst-b',
        filter: '{"dynamodb":{"NewImage":{"tenant":{"S":["b"]}}}}',
        excludeAttributes: 'secret',
      },
      {
        destTable: 'dst-c',
        destRegion: 'eu-west-1',
        destEndpoint: 'http://localhost:8001',
        createDestTable: true,
      },
    ],
  };

  test('each further destination is located like --dest-* and keeps its own rules; the task name covers all', () => {
    const config = buildReplicationConfig(FAN_OUT, NO_ENV);
    assert.equal(config.destination.tableName, 'dst');
    assert.deepEqual(
      config.fanOut.map((t) => [t.destination.tableName, t.destination.region, t.destination.endpoint]),
      [
        ['dst-b', 'us-east-1', undefined],
        ['dst-c', 'eu-west-1', 'http://localhost:8001'],
      ],
    );
    assert.deepEqual(config.fanOut[0]?.rules?.excludeAttributes, ['secret']);
    assert.notEqual(config.fanOut[0]?.rules?.filter, undefined);
    assert.equal(config.fanOut[1]?.rules, undefined, 'no rules of its own: every change as it is');
    assert.equal(config.fanOut[0]?.createDestTable, undefined);
    assert.notEqual(config.fanOut[1]?.createDestTable, undefined);
    assert.deepEqual(config.rules?.excludeAttributes, [], "the first destination's rules are the task's");
    assert.equal(
      config.taskName,
      defaultTaskName('us-east-1', 'src', 'us-east-1', 'dst', [
        { region: 'us-east-1', tableName: 'dst-b' },
        { region: 'eu-west-1', tableName: 'dst-c' },
      ]),
    );
    assert.deepEqual(buildReplicationConfig(BASE, NO_ENV).fanOut, []);
  });

  test("the task's sides do not read a further destination's filter file; the replication's config does", () => {
    const flags = { ...BASE, fanOut: [{ destTable: 'dst-b', filter: '@/nonexistent/tenant-b.json' }] };
    assert.deepEqual(
      buildTaskSides(flags, NO_ENV).fanOut.map((side) => side.destination.tableName),
      ['dst-b'],
    );
    assert.throws(
      () => buildReplicationConfig(flags, NO_ENV),
      (err: unknown) => err instanceof ConfigError && /tenant-b\.json/.test(err.message),
    );
  });

  test('a destination named twice, a further destination without a table, and dead letters are refused', () => {
    assert.throws(
      () => buildReplicationConfig({ ...BASE, fanOut: [{ destTable: 'dst' }] }, NO_ENV),
      (err: unknown) =>
        err instanceof ConfigError &&
        /destination table dst .* is named twice among the destinations/.test(err.message),
    );
    assert.throws(
      () =>
        buildReplicationConfig(
          { ...BASE, fanOut: [{ destTable: 'other', destRegion: 'us-east-1' }, { destTable: 'other' }] },
          NO_ENV,
        ),
      (err: unknown) => err instanceof ConfigError && /named twice/.test(err.message),
    );
    assert.throws(
      () => buildReplicationConfig({ ...BASE, fanOut: [{}] }, NO_ENV),
      (err: unknown) => err instanceof ConfigError && /--dest-table/.test(err.message),
    );
    assert.throws(
      () => buildReplicationConfig({ ...FAN_OUT, onReject: 'dead-letter' }, NO_ENV),
      (err: unknown) =>
        err instanceof ConfigError && /does not work with several destinations yet/.test(err.message),
    );
    // The same table name in another region is another table.
    const two = buildReplicationConfig(
      { ...BASE, fanOut: [{ destTable: 'dst', destRegion: 'eu-west-1' }] },
      NO_ENV,
    );
    assert.equal(two.fanOut.length, 1);
  });
});
