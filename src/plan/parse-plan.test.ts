import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../errors/replicator-error.js';
import { parsePlan } from './parse-plan.js';
import { PROCESS_SETTINGS, VERIFY_OPTIONS } from './plan-fields.js';

const PAIR = { source: { table: 'orders' }, destination: { table: 'orders-dr' } };

/** The one line a plan (a document, written as JSON, or YAML text) is refused with. */
function refused(plan: unknown): string {
  const text = typeof plan === 'string' ? plan : JSON.stringify(plan);
  try {
    parsePlan(text, 'p.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    assert.doesNotMatch(err.message, /\n/, 'one line');
    return err.message;
  }
  assert.fail(`accepted: ${text}`);
}

const entry = (fields: Record<string, unknown>) => ({ replications: [{ ...PAIR, ...fields }] });

describe('parsePlan accepts', () => {
  test("the README's example, as YAML", () => {
    const plan = parsePlan(
      `defaults:
  source: { region: us-east-1, profile: prod }            # comment
  destination: { region: eu-west-1, profile: dr, createTable: true }
  lease: { region: us-east-1 }
  startPosition: trim-horizon
replications:
  - source: { table: orders }
    destination: { table: orders }
  - source: { table: "audit-*", exclude: ["audit-tmp-*"] }
    destination: { table: "{name}-copy" }
    bootstrap: true
    enableStream: true
`,
      'plan.yaml',
    );
    assert.deepEqual(plan, {
      file: 'plan.yaml',
      defaults: {
        source: { region: 'us-east-1', profile: 'prod' },
        destination: { region: 'eu-west-1', profile: 'dr', createTable: true },
        lease: { region: 'us-east-1' },
        startPosition: 'trim-horizon',
      },
      replications: [
        { source: { table: 'orders' }, destination: { table: 'orders' } },
        {
          source: { table: 'audit-*', exclude: ['audit-tmp-*'] },
          destination: { table: '{name}-copy' },
          bootstrap: true,
          enableStream: true,
        },
      ],
    });
  });

  test('every field, in defaults and in an entry, as JSON', () => {
    const side = {
      region: 'us-east-1',
      endpoint: 'http://localhost:8000',
      profile: 'p',
      roleArn: 'arn:aws:iam::123456789012:role/r',
      externalId: 'ext-1',
    };
    const options = {
      startPosition: 'latest',
      batchSize: 500,
      pollIntervalMs: 0,
      checkpointIntervalMs: 0,
      bootstrap: true,
      segments: 8,
      maxWriteRate: 100,
      maxReadRate: 2.5,
      copyConcurrency: 4,
      copyMode: 'spool',
      enableStream: false,
    };
    const destination = {
      ...side,
      table: '{name}',
      createTable: true,
      streamViewType: 'NEW_IMAGE',
      kmsKey: 'alias/k',
      copyTags: true,
    };
    const document = {
      defaults: {
        source: { ...side, streamsEndpoint: 'http://localhost:8001' },
        destination,
        lease: side,
        ...options,
      },
      replications: [
        {
          source: {
            ...side,
            table: 'a-*',
            exclude: ['a-tmp-*', 'a-old'],
            streamsEndpoint: 'http://localhost:8001',
          },
          destination,
          lease: side,
          ...options,
          taskName: 'task-{name}',
        },
      ],
    };
    assert.deepEqual(parsePlan(JSON.stringify(document), 'p.json'), { ...document, file: 'p.json' });
  });

  test('null for any optional field (it clears a default), and no defaults at all', () => {
    const plan = parsePlan(
      JSON.stringify({
        defaults: null,
        replications: [{ ...PAIR, batchSize: null, source: { table: 'o', roleArn: null } }],
      }),
      'p',
    );
    assert.equal(plan.replications[0]?.batchSize, null);
    assert.equal(parsePlan(JSON.stringify({ replications: [PAIR] }), 'p').defaults, undefined);
  });

  test('YAML merge keys (<<), so entries can share a block', () => {
    const plan = parsePlan(
      `shared: &shared
replications:
  - &base
    source: { table: orders }
    destination: { table: orders }
    batchSize: 10
  - <<: *base
    source: { table: items }
`.replace('shared: &shared\n', ''),
      'p',
    );
    assert.deepEqual(plan.replications[1], {
      source: { table: 'items' },
      destination: { table: 'orders' },
      batchSize: 10,
    });
  });

  test('a glob entry with {name} in its task name; {name} in a named entry', () => {
    parsePlan(
      JSON.stringify(
        entry({ source: { table: 'a*' }, destination: { table: '{name}' }, taskName: 't-{name}' }),
      ),
      'p',
    );
    parsePlan(JSON.stringify(entry({ destination: { table: '{name}-copy' } })), 'p');
  });

  test('the destination table from defaults', () => {
    parsePlan(
      JSON.stringify({
        defaults: { destination: { table: '{name}' } },
        replications: [{ source: { table: 'a*' } }],
      }),
      'p',
    );
  });
});

describe('parsePlan: a fan-out (destinations)', () => {
  test("the README's per-tenant example, as YAML", () => {
    const plan = parsePlan(
      `defaults:
  source: { region: us-east-1 }
  destination: { region: eu-west-1 }
replications:
  - source: { table: orders }
    excludeAttributes: [cardNumber]
    destinations:
      - table: orders-acme
        filter: { dynamodb: { NewImage: { tenant: { S: [acme] } } } }
      - table: orders-globex
        filter: { dynamodb: { NewImage: { tenant: { S: [globex] } } } }
        excludeAttributes: null
`,
      'plan.yaml',
    );
    assert.deepEqual(plan.replications, [
      {
        source: { table: 'orders' },
        excludeAttributes: 'cardNumber',
        destinations: [
          { table: 'orders-acme', filter: '{"dynamodb":{"NewImage":{"tenant":{"S":["acme"]}}}}' },
          {
            table: 'orders-globex',
            filter: '{"dynamodb":{"NewImage":{"tenant":{"S":["globex"]}}}}',
            excludeAttributes: null,
          },
        ],
      },
    ]);
  });

  test('refused with one line: destination beside destinations, a bad element, a mistake of the list', () => {
    const at = 'plan p.yaml: replications[0] (source orders): ';
    const fanOut = (fields: Record<string, unknown>) => ({
      replications: [{ source: { table: 'orders' }, ...fields }],
    });
    assert.equal(
      refused(fanOut({ destination: { table: 'a' }, destinations: [{ table: 'b' }] })),
      `${at}destinations: give destination (one table) or destinations (a list of tables), not both; defaults.destination applies to each of the list`,
    );
    assert.equal(
      refused(fanOut({ destinations: [{ table: 'a' }, { table: 'b', ttlDeletes: 'keep' }] })),
      `${at}destinations[1].ttlDeletes must be one of replicate, skip, got "keep"`,
    );
    assert.equal(
      refused(fanOut({ destinations: [{ table: 'a' }, { region: 'eu-west-1' }] })),
      `${at}destinations[1].table is missing: name this destination's table ("{name}" for the source table's own name), here or in defaults.destination`,
    );
    assert.equal(
      refused(fanOut({ destinations: [{ table: 'a' }, { table: 'a' }] })),
      `${at}destinations[0].table and destinations[1].table are both "a": every write would reach it twice; name each destination table once`,
    );
    assert.equal(
      refused({
        replications: [{ source: { table: 'o*' }, destinations: [{ table: '{name}-a' }, { table: 'b' }] }],
      }),
      'plan p.yaml: replications[0] (source o*): destinations[1].table "b" has no {name}: every table the glob selects would get the same destination; write e.g. "{name}" or "{name}-copy"',
    );
    assert.equal(
      refused({
        defaults: { onReject: 'dead-letter' },
        ...fanOut({ destinations: [{ table: 'a' }, { table: 'b' }] }),
      }),
      `${at}onReject dead-letter does not work with several destinations yet: use onReject stop for this entry, or one entry per destination`,
    );
    assert.equal(
      refused(fanOut({ destinations: [{ table: 'a', tabel: 'b' }] })),
      `${at}unknown field destinations[0].tabel: allowed here are table, region, endpoint, profile, roleArn, externalId, createTable, streamViewType, kmsKey, copyTags, filter, transform, excludeAttributes, renameAttributes, ttlDeletes`,
    );
    assert.equal(
      refused(fanOut({ destinations: [{ table: 'a', batchSize: 5 }] })),
      `${at}destinations[0].batchSize: batchSize is a field of the entry itself, beside source and destination, not inside destinations[0]`,
    );
    assert.equal(
      refused(fanOut({ destinations: [] })),
      `${at}destinations is empty: list at least one destination`,
    );
    assert.equal(
      refused(fanOut({ destinations: { table: 'a' } })),
      `${at}destinations must be a list of destinations such as [{ table: orders-a }, { table: orders-b }], got a mapping`,
    );
    assert.equal(
      refused(fanOut({ destinations: ['a'] })),
      `${at}destinations[0] must be a mapping such as { table: orders }, got "a"`,
    );
    assert.equal(
      refused({ defaults: { destinations: [{ table: 'a' }] }, ...fanOut({ destination: { table: 'a' } }) }),
      'plan p.yaml: defaults: destinations is not a default: list them in an entry; defaults.destination applies to each of them',
    );
  });
});

describe('parsePlan refuses, naming the file, the entry and the field', () => {
  test('an unknown field, at every level, with what is allowed there', () => {
    assert.equal(
      refused({ replications: [PAIR], extra: 1 }),
      'plan p.yaml: unknown field extra: allowed at the top are defaults, replications',
    );
    assert.equal(
      refused(entry({ destination: { table: 'x', tabel: 'y' } })),
      'plan p.yaml: replications[0] (source orders): unknown field destination.tabel: allowed here are table, region, endpoint, profile, roleArn, externalId, createTable, streamViewType, kmsKey, copyTags',
    );
    assert.equal(
      refused(entry({ source: { table: 'orders', tabel: 'y' } })),
      'plan p.yaml: replications[0] (source orders): unknown field source.tabel: allowed here are table, exclude, region, endpoint, streamsEndpoint, profile, roleArn, externalId',
    );
    assert.equal(
      refused(entry({ lease: { table: 'y' } })),
      'plan p.yaml: replications[0] (source orders): unknown field lease.table: allowed here are region, endpoint, profile, roleArn, externalId',
    );
    assert.equal(
      refused(entry({ colour: 'red' })),
      'plan p.yaml: replications[0] (source orders): unknown field colour: allowed here are source, destination, destinations, lease, startPosition, batchSize, pollIntervalMs, checkpointIntervalMs, bootstrap, segments, maxWriteRate, maxReadRate, copyConcurrency, copyMode, filter, transform, excludeAttributes, renameAttributes, ttlDeletes, onReject, deadLetterTable, mode, markerPrefix, tombstoneHours, taskName, enableStream',
    );
    assert.equal(
      refused({ defaults: { colour: 'red' }, replications: [PAIR] }),
      'plan p.yaml: defaults: unknown field colour: allowed here are source, destination, lease, startPosition, batchSize, pollIntervalMs, checkpointIntervalMs, bootstrap, segments, maxWriteRate, maxReadRate, copyConcurrency, copyMode, filter, transform, excludeAttributes, renameAttributes, ttlDeletes, onReject, deadLetterTable, mode, markerPrefix, tombstoneHours, enableStream',
    );
    assert.equal(
      refused({ defaults: { source: { colour: 'red' } }, replications: [PAIR] }),
      'plan p.yaml: defaults: unknown field source.colour: allowed here are region, endpoint, streamsEndpoint, profile, roleArn, externalId',
    );
  });

  test("each process setting, in defaults and in an entry: the process's, with its flag", () => {
    for (const [field, flag] of Object.entries(PROCESS_SETTINGS)) {
      const line = `${field} is the process's setting, not a table pair's: pass ${flag} on the command line`;
      assert.equal(
        refused({ defaults: { [field]: 1 }, replications: [PAIR] }),
        `plan p.yaml: defaults: ${line}`,
      );
      assert.equal(refused(entry({ [field]: 1 })), `plan p.yaml: replications[0] (source orders): ${line}`);
      assert.equal(
        refused(entry({ source: { table: 'orders', [field]: 1 } })),
        `plan p.yaml: replications[0] (source orders): ${line}`,
      );
    }
  });

  test("verify's options: pass them to verify", () => {
    for (const [field, flag] of Object.entries(VERIFY_OPTIONS)) {
      assert.match(
        refused(entry({ [field]: true })),
        new RegExp(`${field} is verify's option, not a table pair's: pass ${flag} to verify`),
      );
    }
  });

  test('flag names and kebab-case say how the plan writes them', () => {
    assert.equal(
      refused(entry({ sourceRegion: 'x' })),
      'plan p.yaml: replications[0] (source orders): sourceRegion is written source: { region: ... } in a plan',
    );
    assert.equal(
      refused(entry({ 'batch-size': 1 })),
      'plan p.yaml: replications[0] (source orders): unknown field batch-size (fields are camelCase: batchSize)',
    );
    assert.equal(
      refused(entry({ 'max-buffer-mb': 1 })),
      "plan p.yaml: replications[0] (source orders): maxBufferMb is the process's setting, not a table pair's: pass --max-buffer-mb on the command line",
    );
  });

  test('a field in the wrong part of an entry', () => {
    assert.equal(
      refused(entry({ region: 'x' })),
      'plan p.yaml: replications[0] (source orders): region belongs inside source or destination or lease, e.g. source: { region: ... }',
    );
    assert.equal(
      refused(entry({ createTable: true })),
      'plan p.yaml: replications[0] (source orders): createTable belongs inside destination, e.g. destination: { createTable: ... }',
    );
    assert.equal(
      refused({ defaults: { table: 'x' }, replications: [PAIR] }),
      'plan p.yaml: defaults: table belongs inside source or destination, e.g. source: { table: ... }',
    );
    assert.equal(
      refused(entry({ destination: { table: 'x', batchSize: 1 } })),
      'plan p.yaml: replications[0] (source orders): destination.batchSize: batchSize is a field of the entry itself, beside source and destination, not inside destination',
    );
    assert.equal(
      refused({ defaults: { lease: { enableStream: true } }, replications: [PAIR] }),
      'plan p.yaml: defaults: lease.enableStream: enableStream is a field of the defaults itself, beside source and destination, not inside lease',
    );
    assert.equal(
      refused(entry({ destination: { table: 'x', exclude: ['y'] } })),
      'plan p.yaml: replications[0] (source orders): unknown field destination.exclude: allowed here are table, region, endpoint, profile, roleArn, externalId, createTable, streamViewType, kmsKey, copyTags',
    );
    assert.equal(
      refused({ source: { table: 'x' }, replications: [PAIR] }),
      'plan p.yaml: source at the top of the plan: put each table pair under replications (a list), shared fields under defaults',
    );
  });

  test('fields that are no defaults', () => {
    assert.equal(
      refused({ defaults: { taskName: 't' }, replications: [PAIR] }),
      'plan p.yaml: defaults: taskName names one task: give it in an entry, not in defaults',
    );
    assert.equal(
      refused({ defaults: { source: { table: 't' } }, replications: [PAIR] }),
      'plan p.yaml: defaults: source.table is not a default: every entry names its own source table or glob',
    );
    assert.equal(
      refused({ defaults: { source: { exclude: ['t'] } }, replications: [PAIR] }),
      'plan p.yaml: defaults: source.exclude is not a default: give it in the entry whose source table is a glob',
    );
  });

  test('missing and empty parts', () => {
    assert.equal(
      refused({ defaults: {} }),
      'plan p.yaml: replications is missing: list the table pairs to replicate (replications: [{ source: { table: orders }, destination: { table: orders } }])',
    );
    assert.equal(
      refused({ replications: [] }),
      'plan p.yaml: replications is empty: list at least one table pair',
    );
    assert.equal(
      refused({ replications: [{ destination: { table: 'x' } }] }),
      'plan p.yaml: replications[0] (no source table): source is missing: name the source table (source: { table: orders }) or a glob of tables',
    );
    assert.equal(
      refused({ replications: [{ source: { region: 'x' }, destination: { table: 'x' } }] }),
      'plan p.yaml: replications[0] (no source table): source.table is missing: name the source table, or a glob of tables such as "audit-*"',
    );
    assert.equal(
      refused({ replications: [{ source: { table: '' }, destination: { table: 'x' } }] }),
      'plan p.yaml: replications[0] (no source table): source.table is empty: leave it out or give a value',
    );
    assert.equal(
      refused({ replications: [{ source: { table: 'orders' } }] }),
      'plan p.yaml: replications[0] (source orders): destination.table is missing: name the destination table ("{name}" for the source table\'s own name), here or in defaults.destination',
    );
    assert.equal(
      refused({ replications: [{ source: { table: 'a*' }, destination: { region: 'x' } }] }),
      'plan p.yaml: replications[0] (source a*): destination.table is missing: name the destination table ("{name}" for the source table\'s own name), here or in defaults.destination',
    );
  });

  test('a value of the wrong type or out of range, with what is allowed', () => {
    const at = 'plan p.yaml: replications[0] (source orders): ';
    assert.equal(refused(entry({ bootstrap: 'yes' })), `${at}bootstrap must be true or false, got "yes"`);
    assert.equal(refused(entry({ enableStream: 1 })), `${at}enableStream must be true or false, got 1`);
    assert.equal(
      refused(entry({ destination: { table: 'x', createTable: 'no' } })),
      `${at}destination.createTable must be true or false, got "no"`,
    );
    assert.equal(
      refused(entry({ destination: { table: 'x', copyTags: null, kmsKey: 5 } })),
      `${at}destination.kmsKey must be a string, got 5 (quote it to make it a string: "5")`,
    );
    assert.equal(
      refused(entry({ batchSize: 0 })),
      `${at}batchSize must be a whole number from 1 to 1000, got 0`,
    );
    assert.equal(
      refused(entry({ batchSize: 1001 })),
      `${at}batchSize must be a whole number from 1 to 1000, got 1001`,
    );
    assert.equal(
      refused(entry({ batchSize: 1.5 })),
      `${at}batchSize must be a whole number from 1 to 1000, got 1.5`,
    );
    assert.equal(
      refused(entry({ batchSize: '10' })),
      `${at}batchSize must be a whole number from 1 to 1000, got "10"`,
    );
    assert.equal(
      refused(entry({ pollIntervalMs: -1 })),
      `${at}pollIntervalMs must be a whole number from 0 to 60000, got -1`,
    );
    assert.equal(
      refused(entry({ checkpointIntervalMs: 60001 })),
      `${at}checkpointIntervalMs must be a whole number from 0 to 60000, got 60001`,
    );
    assert.equal(
      refused(entry({ segments: 0 })),
      `${at}segments must be a whole number from 1 to 1000000, got 0`,
    );
    assert.equal(
      refused(entry({ copyMode: 'sometimes' })),
      `${at}copyMode must be one of auto, direct, spool, got "sometimes"`,
    );
    assert.equal(
      refused(entry({ copyConcurrency: 257 })),
      `${at}copyConcurrency must be a whole number from 1 to 256, got 257`,
    );
    assert.equal(
      refused(entry({ maxWriteRate: 0 })),
      `${at}maxWriteRate must be a positive number of items per second, got 0`,
    );
    assert.equal(
      refused(entry({ maxReadRate: 'fast' })),
      `${at}maxReadRate must be a positive number of items per second, got "fast"`,
    );
    assert.equal(
      refused(entry({ startPosition: 'earliest' })),
      `${at}startPosition must be one of trim-horizon, latest, got "earliest"`,
    );
    assert.equal(
      refused(entry({ destination: { table: 'x', streamViewType: 'NEW' } })),
      `${at}destination.streamViewType must be one of NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY, got "NEW"`,
    );
    assert.equal(refused(entry({ taskName: '' })), `${at}taskName is empty: leave it out or give a value`);
    assert.equal(refused(entry({ lease: 'us-east-1' })), `${at}lease must be a mapping, got "us-east-1"`);
    assert.equal(
      refused(entry({ source: 'orders' })),
      'plan p.yaml: replications[0] (no source table): source must be a mapping such as { table: orders }, got "orders"',
    );
    assert.equal(
      refused(entry({ source: { table: 'a*', exclude: 'a-tmp' }, destination: { table: '{name}' } })),
      'plan p.yaml: replications[0] (source a*): source.exclude must be a list of globs, got "a-tmp"',
    );
    assert.equal(
      refused(entry({ source: { table: 'a*', exclude: ['x', 3] }, destination: { table: '{name}' } })),
      'plan p.yaml: replications[0] (source a*): source.exclude[1] must be a string, got 3 (quote it to make it a string: "3")',
    );
    assert.equal(
      refused({ replications: { a: 1 } }),
      'plan p.yaml: replications must be a list of table pairs, got a mapping',
    );
    assert.equal(
      refused({ defaults: [], replications: [PAIR] }),
      'plan p.yaml: defaults must be a mapping, got a list',
    );
    assert.equal(
      refused({ replications: ['orders'] }),
      'plan p.yaml: replications[0] must be a mapping such as { source: { table: orders }, destination: { table: orders } }, got "orders"',
    );
  });

  test('a table name YAML reads as a number gets a hint, and still names the entry', () => {
    assert.equal(
      refused('replications:\n  - source: { table: 2024 }\n    destination: { table: x }\n'),
      'plan p.yaml: replications[0] (source 2024): source.table must be a string, got 2024 (quote it to make it a string: "2024")',
    );
    assert.match(
      refused('replications:\n  - source: { table: orders }\n    destination: { table: true }\n'),
      /destination\.table must be a string, got true \(quote it/,
    );
  });

  test('the entries are told apart by index and source table, several mistakes in one line', () => {
    assert.equal(
      refused({
        replications: [
          PAIR,
          { ...PAIR, batchSize: 0 },
          { source: { table: 'b' }, destination: { table: 'c', x: 1 } },
        ],
      }),
      'plan p.yaml: replications[1] (source orders): batchSize must be a whole number from 1 to 1000, got 0; replications[2] (source b): unknown field destination.x: allowed here are table, region, endpoint, profile, roleArn, externalId, createTable, streamViewType, kmsKey, copyTags',
    );
  });

  test('globs, excludes and {name}', () => {
    const glob = (
      source: Record<string, unknown>,
      destination = '{name}',
      more: Record<string, unknown> = {},
    ) => refused({ replications: [{ source, destination: { table: destination }, ...more }] });
    assert.equal(
      glob({ table: 'audit-{a' }),
      'plan p.yaml: replications[0] (source audit-{a): source.table "audit-{a" has a { that is never closed',
    );
    assert.equal(
      glob({ table: 'audit-[' }),
      'plan p.yaml: replications[0] (source audit-[): source.table "audit-[" has a [ that is never closed',
    );
    assert.equal(
      glob({ table: 'a/*' }),
      'plan p.yaml: replications[0] (source a/*): source.table "a/*" may hold only the characters of table names (a-z A-Z 0-9 _ - .) and the glob characters * ? [ ] { } , ^',
    );
    assert.equal(
      glob({ table: 'a*', exclude: ['ok-*', 'b]'] }),
      'plan p.yaml: replications[0] (source a*): source.exclude[1] "b]" has a ] that closes no [',
    );
    assert.equal(
      glob({ table: 'orders', exclude: ['x'] }, 'x'),
      'plan p.yaml: replications[0] (source orders): source.exclude only applies to a glob: source.table "orders" names one table',
    );
    assert.equal(
      glob({ table: 'arn:aws:dynamodb:us-east-1:123456789012:table/a*' }),
      'plan p.yaml: replications[0] (source arn:aws:dynamodb:us-east-1:123456789012:table/a*): source.table "arn:aws:dynamodb:us-east-1:123456789012:table/a*" is an ARN with a glob: a glob selects from the tables the source credentials\' account lists; name another account\'s tables one by one by ARN',
    );
    assert.equal(
      glob({ table: 'a*' }, 'copy'),
      'plan p.yaml: replications[0] (source a*): destination.table "copy" has no {name}: every table the glob selects would get the same destination; write e.g. "{name}" or "{name}-copy"',
    );
    assert.equal(
      glob({ table: 'a*' }, '{name}', { taskName: 'one' }),
      'plan p.yaml: replications[0] (source a*): taskName "one" has no {name}: every table the glob selects would get the same task name; write e.g. "{name}" or "{name}-copy"',
    );
    assert.equal(
      glob({ table: 'orders' }, '{table}-x'),
      'plan p.yaml: replications[0] (source orders): destination.table "{table}-x" holds {table}: only {name} (the source table\'s name) is replaced',
    );
    assert.equal(
      glob({ table: 'orders' }, 'x', { taskName: '{name}-{region}' }),
      'plan p.yaml: replications[0] (source orders): taskName "{name}-{region}" holds {region}: only {name} (the source table\'s name) is replaced',
    );
    assert.equal(
      glob({ table: 'a*' }, '{name}', { onReject: 'dead-letter', deadLetterTable: 'refused' }),
      'plan p.yaml: replications[0] (source a*): deadLetterTable "refused" has no {name}: every table the glob selects would get the same dead-letter table (their keys would mix); write e.g. "{name}" or "{name}-copy"',
    );
  });

  test('a dead-letter table in defaults must hold {name}: one table for every task would mix their keys', () => {
    assert.equal(
      refused({ defaults: { deadLetterTable: 'refused' }, ...entry({}) }),
      'plan p.yaml: defaults: deadLetterTable "refused" has no {name}: every task would share one dead-letter table and their keys would mix; write e.g. "{name}-dead-letters", or name it per entry',
    );
    assert.doesNotThrow(() =>
      parsePlan(JSON.stringify({ defaults: { deadLetterTable: '{name}-refused' }, ...entry({}) }), 'p.yaml'),
    );
    assert.doesNotThrow(() => parsePlan(JSON.stringify(entry({ deadLetterTable: 'refused' })), 'p.yaml'));
  });

  test('the file as a whole: not a mapping, empty', () => {
    assert.equal(
      refused('- a\n- b\n'),
      'plan p.yaml: a plan is a mapping with defaults and replications, got a list',
    );
    assert.equal(
      refused('orders'),
      'plan p.yaml: a plan is a mapping with defaults and replications, got "orders"',
    );
    assert.equal(
      refused(''),
      'plan p.yaml: the file is empty: write a plan with replications (see README, "Replication plans")',
    );
    assert.equal(
      refused('# nothing\n'),
      'plan p.yaml: the file is empty: write a plan with replications (see README, "Replication plans")',
    );
  });

  test('YAML syntax errors name the file, line and column', () => {
    assert.equal(
      refused('replications:\n  - source: { table: x }\n    source: { table: y }\n'),
      'plan p.yaml:3:5: YAML syntax error: Map keys must be unique',
    );
    assert.equal(
      refused('replications: [\n'),
      'plan p.yaml:2:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    );
    assert.equal(
      refused('replications:\n\t- a\n'),
      'plan p.yaml:2:1: YAML syntax error: Tabs are not allowed as indentation',
    );
    assert.equal(
      refused('{"replications": [}'),
      'plan p.yaml:1:19: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    );
  });
});
