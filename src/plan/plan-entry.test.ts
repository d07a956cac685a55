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
