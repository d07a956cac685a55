import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { entryMistakes, mergeEntry, taskFlags } from './plan-entry.js';
import type { PlanDefaults, PlanEntry } from './plan-schema.js';

const ROLE = 'arn:aws:iam::123456789012:role/r';
const ARN = 'arn:aws:dynamodb:eu-west-1:123456789012:table/orders';

const DEFAULTS: PlanDefaults = {
  source: {
    region: 'us-east-1',
    endpoint: 'http://s',
    streamsEndpoint: 'http://st',
    profile: 'sp',
    roleArn: ROLE,
    externalId: 'se',
  },
  destination: {
    table: '{name}',
    region: 'eu-west-1',
    endpoint: 'http://d',
    profile: 'dp',
    roleArn: ROLE,
    externalId: 'de',
    createTable: true,
    streamViewType: 'NEW_IMAGE',
    kmsKey: 'alias/k',
    copyTags: true,
  },
  lease: { region: 'us-east-2', endpoint: 'http://l', profile: 'lp', roleArn: ROLE, externalId: 'le' },
  startPosition: 'latest',
  batchSize: 10,
  pollIntervalMs: 20,
  checkpointIntervalMs: 30,
  bootstrap: true,
  segments: 40,
  maxWriteRate: 50,
  maxReadRate: 60,
  copyConcurrency: 70,
  enableStream: true,
};

describe('mergeEntry and taskFlags', () => {
  test('every field of defaults reaches the flags of a task', () => {
    const entry = mergeEntry(DEFAULTS, { source: { table: 'orders' } }, 3);
    assert.equal(entry.index, 3);
    assert.equal(entry.glob, false);
    assert.equal(entry.enableStream, true);
    assert.deepEqual(taskFlags(entry, 'orders'), {
      sourceTable: 'orders',
      sourceRegion: 'us-east-1',
      sourceEndpoint: 'http://s',
      sourceStreamsEndpoint: 'http://st',
      sourceCredentials: { profile: 'sp', roleArn: ROLE, externalId: 'se' },
      destTable: 'orders',
      destRegion: 'eu-west-1',
      destEndpoint: 'http://d',
      destCredentials: { profile: 'dp', roleArn: ROLE, externalId: 'de' },
      leaseRegion: 'us-east-2',
      leaseEndpoint: 'http://l',
      leaseCredentials: { profile: 'lp', roleArn: ROLE, externalId: 'le' },
      createDestTable: true,
      destStreamViewType: 'NEW_IMAGE',
      destKmsKey: 'alias/k',
      copyTags: true,
      startPosition: 'latest',
      batchSize: 10,
      pollIntervalMs: 20,
      checkpointIntervalMs: 30,
      bootstrap: true,
      segments: 40,
      maxWriteRate: 50,
      maxReadRate: 60,
      copyConcurrency: 70,
    });
  });

  test("every field of an entry overrides the default's", () => {
    const raw: PlanEntry = {
      source: {
        table: 'a',
        region: 'r1',
        endpoint: 'http://s2',
        streamsEndpoint: 'http://st2',
        profile: 'sp2',
        roleArn: `${ROLE}2`,
        externalId: 'se2',
      },
      destination: {
        table: 'b',
        region: 'r2',
        endpoint: 'http://d2',
        profile: 'dp2',
        roleArn: `${ROLE}3`,
        externalId: 'de2',
        createTable: false,
        streamViewType: 'KEYS_ONLY',
        kmsKey: 'alias/k2',
        copyTags: false,
      },
      lease: { region: 'r3', endpoint: 'http://l2', profile: 'lp2', roleArn: `${ROLE}4`, externalId: 'le2' },
      startPosition: 'trim-horizon',
      batchSize: 1,
      pollIntervalMs: 2,
      checkpointIntervalMs: 3,
      bootstrap: false,
      segments: 4,
      maxWriteRate: 5,
      maxReadRate: 6,
      copyConcurrency: 7,
      taskName: 't',
      enableStream: false,
    };
    const entry = mergeEntry(DEFAULTS, raw, 0);
    assert.equal(entry.enableStream, false);
    assert.deepEqual(taskFlags(entry, 'a'), {
      sourceTable: 'a',
      sourceRegion: 'r1',
      sourceEndpoint: 'http://s2',
      sourceStreamsEndpoint: 'http://st2',
      sourceCredentials: { profile: 'sp2', roleArn: `${ROLE}2`, externalId: 'se2' },
      destTable: 'b',
      destRegion: 'r2',
      destEndpoint: 'http://d2',
      destCredentials: { profile: 'dp2', roleArn: `${ROLE}3`, externalId: 'de2' },
      leaseRegion: 'r3',
      leaseEndpoint: 'http://l2',
      leaseCredentials: { profile: 'lp2', roleArn: `${ROLE}4`, externalId: 'le2' },
      taskName: 't',
      createDestTable: false,
      destStreamViewType: 'KEYS_ONLY',
      destKmsKey: 'alias/k2',
      copyTags: false,
      startPosition: 'trim-horizon',
      batchSize: 1,
      pollIntervalMs: 2,
      checkpointIntervalMs: 3,
      bootstrap: false,
      segments: 4,
      maxWriteRate: 5,
      maxReadRate: 6,
      copyConcurrency: 7,
    });
  });

  test('field by field: an entry that sets one credential field keeps the others of defaults', () => {
    const entry = mergeEntry(DEFAULTS, { source: { table: 'a', profile: 'mine' } }, 0);
    assert.deepEqual(entry.source.credentials, { profile: 'mine', roleArn: ROLE, externalId: 'se' });
  });

  test('null in an entry clears the default', () => {
    const entry = mergeEntry(
      DEFAULTS,
      {
        source: { table: 'a', roleArn: null, externalId: null },
        destination: { kmsKey: null, createTable: null },
        lease: { region: null, profile: null, roleArn: null, externalId: null, endpoint: null },
        batchSize: null,
        enableStream: null,
      },
      0,
    );
    const flags = taskFlags(entry, 'a');
    assert.deepEqual(flags.sourceCredentials, { profile: 'sp' });
    assert.equal(flags.destKmsKey, undefined);
    assert.equal(flags.createDestTable, undefined);
    assert.equal(flags.leaseRegion, undefined);
    assert.equal(
      flags.leaseCredentials,
      undefined,
      "no lease credentials: the source side's, as without --lease-* flags",
    );
    assert.equal(flags.batchSize, undefined);
    assert.equal(entry.enableStream, false);
  });

  test('without defaults only what the entry says; no lease credentials', () => {
    const entry = mergeEntry(undefined, { source: { table: 'a' }, destination: { table: 'b' } }, 0);
    assert.deepEqual(taskFlags(entry, 'a'), {
      sourceTable: 'a',
      sourceCredentials: {},
      destTable: 'b',
      destCredentials: {},
    });
    assert.equal(entry.enableStream, false);
    assert.deepEqual(mergeEntry(null, { source: { table: 'a' } }, 0).lease, { credentials: undefined });
  });

  test("a source ARN keeps its own region: the default region does not apply, the entry's does", () => {
    assert.equal(taskFlags(mergeEntry(DEFAULTS, { source: { table: ARN } }, 0), ARN).sourceRegion, undefined);
    assert.equal(
      taskFlags(mergeEntry(DEFAULTS, { source: { table: ARN, region: 'eu-west-1' } }, 0), ARN).sourceRegion,
      'eu-west-1',
    );
  });

  test("{name} is the source table's name, everywhere it occurs, also for an ARN; in the task name too", () => {
    const entry = mergeEntry(
      undefined,
      { source: { table: 'a*' }, destination: { table: '{name}-{name}' }, taskName: 'x-{name}' },
      0,
    );
    assert.equal(entry.glob, true);
    const flags = taskFlags(entry, 'a-1');
    assert.equal(flags.destTable, 'a-1-a-1');
    assert.equal(flags.taskName, 'x-a-1');
    const byArn = taskFlags(
      mergeEntry(undefined, { source: { table: ARN }, destination: { table: '{name}-dr' } }, 0),
      ARN,
    );
    assert.equal(byArn.destTable, 'orders-dr');
    assert.equal(byArn.sourceTable, ARN);
  });
});

describe('entryMistakes', () => {
  test('none for good entries', () => {
    assert.deepEqual(
      entryMistakes(mergeEntry(DEFAULTS, { source: { table: 'a*', exclude: ['a-x'] } }, 0)),
      [],
    );
    assert.deepEqual(
      entryMistakes(mergeEntry(undefined, { source: { table: 'a' }, destination: { table: 'b' } }, 0)),
      [],
    );
  });
  test('each one named by its entry', () => {
    assert.deepEqual(entryMistakes(mergeEntry(undefined, { source: { table: 'a*' } }, 4)), [
      {
        where: 'replications[4] (source a*)',
        what: 'destination.table is missing: name the destination table ("{name}" for the source table\'s own name), here or in defaults.destination',
      },
    ]);
  });

  test("a dead-letter table's {name} becomes each selected table's name", () => {
    const entry = mergeEntry(
      { deadLetterTable: '{name}-refused' },
      { source: { table: 'audit-*' }, destination: { table: '{name}-copy' }, onReject: 'dead-letter' },
      0,
    );
    assert.deepEqual(entryMistakes(entry), []);
    assert.equal(taskFlags(entry, 'audit-eu').deadLetterTable, 'audit-eu-refused');
    assert.equal(taskFlags(entry, 'audit-us').deadLetterTable, 'audit-us-refused');
  });
});

describe('a fan-out (destinations)', () => {
  test("the first destination is the task's own, the rest its fanOut; defaults.destination under each", () => {
    const entry = mergeEntry(
      DEFAULTS,
      {
        source: { table: 'orders' },
        destinations: [
          { table: '{name}-a' },
          { table: '{name}-b', region: 'us-west-2', profile: 'bp', createTable: null, kmsKey: 'alias/b' },
        ],
      },
      0,
    );
    assert.deepEqual(entryMistakes(entry), []);
    const flags = taskFlags(entry, 'orders');
    assert.equal(flags.destTable, 'orders-a');
    assert.equal(flags.destRegion, 'eu-west-1');
    assert.deepEqual(flags.destCredentials, { profile: 'dp', roleArn: ROLE, externalId: 'de' });
    assert.equal(flags.createDestTable, true);
    assert.deepEqual(flags.fanOut, [
      {
        destTable: 'orders-b',
        destRegion: 'us-west-2',
        destEndpoint: 'http://d',
        destCredentials: { profile: 'bp', roleArn: ROLE, externalId: 'de' },
        destStreamViewType: 'NEW_IMAGE',
        destKmsKey: 'alias/b',
        copyTags: true,
      },
    ]);
  });

  test("the entry's rules (over defaults') apply to each destination unless it sets its own; null clears", () => {
    const entry = mergeEntry(
      { excludeAttributes: 'secret', ttlDeletes: 'skip' },
      {
        source: { table: 'orders' },
        filter: '{"eventName":["INSERT"]}',
        transform: 'shared.mjs',
        destinations: [
          { table: 'a', filter: '{"dynamodb":{"NewImage":{"tenant":{"S":["a"]}}}}' },
          { table: 'b', transform: null, excludeAttributes: null, renameAttributes: 'x=y' },
          { table: 'c' },
        ],
      },
      0,
    );
    const flags = taskFlags(entry, 'orders');
    assert.equal(flags.filter, '{"dynamodb":{"NewImage":{"tenant":{"S":["a"]}}}}');
    assert.equal(flags.transform, 'shared.mjs');
    assert.equal(flags.excludeAttributes, 'secret');
    assert.equal(flags.renameAttributes, undefined);
    assert.equal(flags.ttlDeletes, 'skip');
    assert.deepEqual(flags.fanOut, [
      {
        destTable: 'b',
        destCredentials: {},
        filter: '{"eventName":["INSERT"]}',
        renameAttributes: 'x=y',
        ttlDeletes: 'skip',
      },
      {
        destTable: 'c',
        destCredentials: {},
        filter: '{"eventName":["INSERT"]}',
        transform: 'shared.mjs',
        excludeAttributes: 'secret',
        ttlDeletes: 'skip',
      },
    ]);
  });

  test("the first destination's null clears the entry's rule for the task itself", () => {
    const entry = mergeEntry(
      undefined,
      {
        source: { table: 'orders' },
        filter: '{"eventName":["INSERT"]}',
        destinations: [{ table: 'a', filter: null }, { table: 'b' }],
      },
      0,
    );
    const flags = taskFlags(entry, 'orders');
    assert.equal(flags.filter, undefined);
    assert.equal(flags.fanOut?.[0]?.filter, '{"eventName":["INSERT"]}');
  });

  test('a list of one is a single destination: no fanOut', () => {
    const flags = taskFlags(
      mergeEntry(undefined, { source: { table: 'orders' }, destinations: [{ table: 'copy' }] }, 0),
      'orders',
    );
    assert.deepEqual(flags, {
      sourceTable: 'orders',
      sourceCredentials: {},
      destTable: 'copy',
      destCredentials: {},
    });
  });

  test("{name} in each element's table is the selected table's name", () => {
    const entry = mergeEntry(
      undefined,
      { source: { table: 'audit-*' }, destinations: [{ table: '{name}-a' }, { table: 'x-{name}' }] },
      0,
    );
    assert.deepEqual(entryMistakes(entry), []);
    const flags = taskFlags(entry, 'audit-eu');
    assert.equal(flags.destTable, 'audit-eu-a');
    assert.equal(flags.fanOut?.[0]?.destTable, 'x-audit-eu');
  });

  test('mistakes name the element: a missing table, a bad placeholder, one table twice, dead letters', () => {
    const mistakes = (raw: Omit<PlanEntry, 'source'>, table = 'a*', defaults?: PlanDefaults) =>
      entryMistakes(mergeEntry(defaults, { source: { table }, ...raw }, 2)).map((m) => {
        assert.equal(m.where, `replications[2] (source ${table})`);
        return m.what;
      });
    assert.deepEqual(mistakes({ destinations: [{ table: '{name}-a' }, { region: 'r' }] }), [
      'destinations[1].table is missing: name this destination\'s table ("{name}" for the source table\'s own name), here or in defaults.destination',
    ]);
    assert.deepEqual(mistakes({ destinations: [{ table: '{name}-a' }, { table: 'b' }] }), [
      'destinations[1].table "b" has no {name}: every table the glob selects would get the same destination; write e.g. "{name}" or "{name}-copy"',
    ]);
    assert.deepEqual(mistakes({ destinations: [{ table: '{table}' }] }, 'orders'), [
      'destinations[0].table "{table}" holds {table}: only {name} (the source table\'s name) is replaced',
    ]);
    assert.deepEqual(mistakes({ destinations: [{ table: 'b' }, { table: 'c' }, { table: 'b' }] }, 'orders'), [
      'destinations[0].table and destinations[2].table are both "b": every write would reach it twice; name each destination table once',
    ]);
    assert.deepEqual(
      mistakes({ destinations: [{}, { region: 'r' }, {}] }, 'orders', { destination: { table: '{name}' } }),
      [
        'destinations[0].table and destinations[2].table are both "{name}": every write would reach it twice; name each destination table once',
      ],
      'the default table applies to each element that names none',
    );
    assert.deepEqual(
      mistakes({ destinations: [{ table: 'b' }, { table: 'b', region: 'r' }] }, 'orders'),
      [],
      'one name in two regions is two tables',
    );
    const deadLetters =
      'onReject dead-letter does not work with several destinations yet: use onReject stop for this entry, or one entry per destination';
    assert.deepEqual(
      mistakes({ onReject: 'dead-letter', destinations: [{ table: 'b' }, { table: 'c' }] }, 'orders'),
      [deadLetters],
    );
    assert.deepEqual(
      mistakes({ destinations: [{ table: 'b' }, { table: 'c' }] }, 'orders', { onReject: 'dead-letter' }),
      [deadLetters],
      "defaults' onReject counts too",
    );
    assert.deepEqual(
      mistakes({ onReject: 'dead-letter', destinations: [{ table: 'b' }] }, 'orders'),
      [],
      'one destination keeps its dead letters',
    );
  });
});
