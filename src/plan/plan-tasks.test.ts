import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KnownProfiles } from '../config/credential-source.js';
import type { Location } from '../config/replication-config.js';
import { defaultTaskName } from '../config/task-name.js';
import { ConfigError } from '../errors/replicator-error.js';
import { parsePlan } from './parse-plan.js';
import type { Plan } from './plan-schema.js';
import {
  planNamesProfile,
  planSourceSides,
  planTasks,
  sourceSideKey,
  type PlanEnvironment,
  type TablesOf,
} from './plan-tasks.js';

const ENV: PlanEnvironment = { env: {} };

function plan(document: unknown): Plan {
  return parsePlan(JSON.stringify(document), 'p.yaml');
}

/** Every source side lists these tables. */
const listing =
  (...names: string[]): TablesOf =>
  () =>
    names;

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail('accepted');
}

const TWO_REGIONS = {
  source: { region: 'us-east-1' },
  destination: { region: 'eu-west-1' },
};

describe('planTasks', () => {
  test("named pairs and a glob's tables become tasks with replicate's flags, every choice logged", () => {
    const p = plan({
      defaults: { ...TWO_REGIONS, startPosition: 'latest' },
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
    const { tasks, choices } = planTasks(
      p,
      listing('orders', 'audit-b', 'audit-a', 'audit-tmp-1', 'other', 'audit-a'),
      ENV,
    );
    const common = {
      sourceRegion: 'us-east-1',
      sourceCredentials: {},
      destRegion: 'eu-west-1',
      destCredentials: {},
      startPosition: 'latest',
    };
    assert.deepEqual(tasks, [
      {
        entry: 0,
        selectedBy: 'name',
        enableStream: false,
        flags: { ...common, sourceTable: 'orders', destTable: 'orders' },
      },
      {
        entry: 1,
        selectedBy: 'glob',
        enableStream: true,
        flags: { ...common, sourceTable: 'audit-a', destTable: 'audit-a-copy', bootstrap: true },
      },
      {
        entry: 1,
        selectedBy: 'glob',
        enableStream: true,
        flags: { ...common, sourceTable: 'audit-b', destTable: 'audit-b-copy', bootstrap: true },
      },
    ]);
    assert.deepEqual(choices, [
      {
        level: 'info',
        msg: 'plan: table pair',
        fields: {
          entry: 'replications[0] (source orders)',
          source: 'orders',
          sourceRegion: 'us-east-1',
          destination: 'orders',
          destinationRegion: 'eu-west-1',
          taskName: defaultTaskName('us-east-1', 'orders', 'eu-west-1', 'orders'),
        },
      },
      {
        level: 'info',
        msg: 'plan: glob selected tables',
        fields: {
          entry: 'replications[1] (source audit-*)',
          glob: 'audit-*',
          exclude: ['audit-tmp-*'],
          sourceRegion: 'us-east-1',
          listed: 6,
          selected: ['audit-a -> audit-a-copy', 'audit-b -> audit-b-copy'],
          excluded: ['audit-tmp-1'],
          enableStream: true,
        },
      },
    ]);
  });

  test('a glob that selects nothing is a warning, not an error', () => {
    const p = plan({
      defaults: TWO_REGIONS,
      replications: [
        { source: { table: 'audit-*', exclude: ['audit-x'] }, destination: { table: '{name}' } },
      ],
    });
    const { tasks, choices } = planTasks(p, listing('orders', 'audit-x'), ENV);
    assert.deepEqual(tasks, []);
    assert.equal(choices.length, 1);
    assert.equal(choices[0]?.level, 'warn');
    assert.equal(
      choices[0]?.msg,
      'replications[0] (source audit-*): the glob selects none of the 2 tables in region us-east-1 (1 excluded): nothing to replicate for it until a matching table appears',
    );
  });

  test("a glob never selects a lease table nor one of the plan's destinations in the same place", () => {
    const sameRegion = plan({
      defaults: { source: { region: 'us-east-1' } },
      replications: [
        { source: { table: '*' }, destination: { table: '{name}-copy' } },
        { source: { table: 'items' }, destination: { table: 'items-dr' } },
      ],
    });
    const names = ['orders', 'orders-copy', 'DynamoDBCrossRegionReplicationabc', 'items', 'items-dr'];
    const { tasks, choices } = planTasks(sameRegion, listing(...names), ENV);
    assert.deepEqual(
      tasks.map((t) => `${t.flags.sourceTable} -> ${t.flags.destTable}`),
      ['items -> items-copy', 'orders -> orders-copy', 'items -> items-dr'],
    );
    assert.deepEqual(choices[0]?.fields.notSources, [
      'DynamoDBCrossRegionReplicationabc (a lease table)',
      'items-dr (the destination of replications[1] (source items))',
      'orders-copy (the destination of replications[0] (source orders, selected by *))',
    ]);
    // Destinations in another region are other tables: a glob may select the same names there.
    const otherRegion = plan({
      defaults: TWO_REGIONS,
      replications: [{ source: { table: '*' }, destination: { table: '{name}-copy' } }],
    });
    assert.equal(planTasks(otherRegion, listing('orders', 'orders-copy'), ENV).tasks.length, 2);
  });

  test('two tasks onto one destination table are refused by both entries', () => {
    const p = plan({
      defaults: TWO_REGIONS,
      replications: [
        { source: { table: 'orders' }, destination: { table: 'orders' } },
        { source: { table: 'ord*' }, destination: { table: '{name}' } },
      ],
    });
    assert.equal(
      refusal(() => planTasks(p, listing('orders', 'ordersx'), ENV)),
      'plan p.yaml: replications[0] (source orders) and replications[1] (source orders, selected by ord*) both write destination table orders in region eu-west-1: give each pair its own destination table',
    );
  });

  test('the same destination name in another region or endpoint is another table', () => {
    const p = plan({
      replications: [
        { source: { table: 'aaa', region: 'us-east-1' }, destination: { table: 'xxx', region: 'eu-west-1' } },
        { source: { table: 'bbb', region: 'us-east-1' }, destination: { table: 'xxx', region: 'eu-west-2' } },
        {
          source: { table: 'ccc', region: 'us-east-1' },
          destination: { table: 'xxx', region: 'eu-west-2', endpoint: 'http://localhost:8000' },
        },
      ],
    });
    assert.equal(planTasks(p, listing(), ENV).tasks.length, 3);
  });

  test('a fan-out is one task: the first destination its own, the others its fanOut; its own task name', () => {
    const p = plan({
      defaults: TWO_REGIONS,
      replications: [
        {
          source: { table: 'orders' },
          destinations: [
            { table: 'orders-a', filter: { dynamodb: { NewImage: { tenant: { S: ['a'] } } } } },
            {
              table: 'orders-b',
              region: 'us-west-2',
              filter: { dynamodb: { NewImage: { tenant: { S: ['b'] } } } },
            },
          ],
        },
      ],
    });
    const { tasks, choices } = planTasks(p, listing(), ENV);
    assert.deepEqual(tasks, [
      {
        entry: 0,
        selectedBy: 'name',
        enableStream: false,
        flags: {
          sourceTable: 'orders',
          sourceRegion: 'us-east-1',
          sourceCredentials: {},
          destTable: 'orders-a',
          destRegion: 'eu-west-1',
          destCredentials: {},
          filter: '{"dynamodb":{"NewImage":{"tenant":{"S":["a"]}}}}',
          fanOut: [
            {
              destTable: 'orders-b',
              destRegion: 'us-west-2',
              destCredentials: {},
              filter: '{"dynamodb":{"NewImage":{"tenant":{"S":["b"]}}}}',
            },
          ],
        },
      },
    ]);
    const taskName = defaultTaskName('us-east-1', 'orders', 'eu-west-1', 'orders-a', [
      { region: 'us-west-2', tableName: 'orders-b' },
    ]);
    assert.notEqual(taskName, defaultTaskName('us-east-1', 'orders', 'eu-west-1', 'orders-a'));
    assert.deepEqual(choices, [
      {
        level: 'info',
        msg: 'plan: table pair',
        fields: {
          entry: 'replications[0] (source orders)',
          source: 'orders',
          sourceRegion: 'us-east-1',
          destination: 'orders-a',
          destinationRegion: 'eu-west-1',
          fanOut: ['orders-b (region us-west-2)'],
          taskName,
        },
      },
    ]);
  });

  test("a fan-out's further destination is refused as another task's destination, either way round", () => {
    const fanOut = {
      source: { table: 'orders' },
      destinations: [{ table: 'orders-a' }, { table: 'shared' }],
    };
    const p = plan({
      defaults: TWO_REGIONS,
      replications: [fanOut, { source: { table: 'items' }, destination: { table: 'shared' } }],
    });
    assert.equal(
      refusal(() => planTasks(p, listing(), ENV)),
      'plan p.yaml: replications[0] (source orders) and replications[1] (source items) both write destination table shared in region eu-west-1: give each pair its own destination table',
    );
    const reversed = plan({
      defaults: TWO_REGIONS,
      replications: [{ source: { table: 'items' }, destination: { table: 'shared' } }, fanOut],
    });
    assert.equal(
      refusal(() => planTasks(reversed, listing(), ENV)),
      'plan p.yaml: replications[0] (source items) and replications[1] (source orders) both write destination table shared in region eu-west-1: give each pair its own destination table',
    );
    const twoFanOuts = plan({
      defaults: TWO_REGIONS,
      replications: [
        fanOut,
        { source: { table: 'items' }, destinations: [{ table: 'items-a' }, { table: 'shared' }] },
      ],
    });
    assert.equal(
      refusal(() => planTasks(twoFanOuts, listing(), ENV)),
      'plan p.yaml: replications[0] (source orders) and replications[1] (source items) both write destination table shared in region eu-west-1: give each pair its own destination table',
    );
  });

  test("a glob never selects a fan-out's destination in the same place; its choice shows every destination", () => {
    const p = plan({
      defaults: { source: { region: 'us-east-1' } },
      replications: [
        { source: { table: 'orders' }, destinations: [{ table: 'orders-a' }, { table: 'orders-b' }] },
        { source: { table: 'o*' }, destinations: [{ table: '{name}-x' }, { table: '{name}-y' }] },
      ],
    });
    const { tasks, choices } = planTasks(p, listing('orders', 'orders-a', 'orders-b', 'owls'), ENV);
    assert.deepEqual(
      tasks.map((t) => [t.flags.sourceTable, t.flags.destTable, t.flags.fanOut?.map((f) => f.destTable)]),
      [
        ['orders', 'orders-a', ['orders-b']],
        ['orders', 'orders-x', ['orders-y']],
        ['owls', 'owls-x', ['owls-y']],
      ],
    );
    const glob = choices.find((c) => c.msg === 'plan: glob selected tables');
    assert.deepEqual(glob?.fields.selected, ['orders -> orders-x, orders-y', 'owls -> owls-x, owls-y']);
    assert.deepEqual(glob?.fields.notSources, [
      'orders-a (the destination of replications[0] (source orders))',
      'orders-b (the destination of replications[0] (source orders))',
    ]);
  });

  test('a fan-out with dead letters is refused by its entry before any table is built', () => {
    assert.equal(
      refusal(() =>
        plan({
          defaults: TWO_REGIONS,
          replications: [
            {
              source: { table: 'orders' },
              destinations: [{ table: 'a' }, { table: 'b' }],
              onReject: 'dead-letter',
            },
          ],
        }),
      ),
      'plan p.yaml: replications[0] (source orders): onReject dead-letter does not work with several destinations yet: use onReject stop for this entry, or one entry per destination',
    );
  });

  test('two tasks with one task name (one lease table) are refused by both entries', () => {
    const p = plan({
      defaults: TWO_REGIONS,
      replications: [
        { source: { table: 'aaa' }, destination: { table: 'aaa' }, taskName: 'shared' },
        { source: { table: 'bbb' }, destination: { table: 'bbb' }, taskName: 'shared' },
      ],
    });
    assert.equal(
      refusal(() => planTasks(p, listing(), ENV)),
      'plan p.yaml: replications[0] (source aaa) and replications[1] (source bbb) both have task name shared (one lease table): give each its own taskName',
    );
  });

  test('one pair listed twice is one mistake (the destination), not two', () => {
    const p = plan({
      defaults: TWO_REGIONS,
      replications: [
        { source: { table: 'aaa' }, destination: { table: 'aaa' } },
        { source: { table: 'aaa' }, destination: { table: 'aaa' } },
      ],
    });
    assert.equal(
      refusal(() => planTasks(p, listing(), ENV)),
      'plan p.yaml: replications[0] (source aaa) and replications[1] (source aaa) both write destination table aaa in region eu-west-1: give each pair its own destination table',
    );
  });

  test("replicate's flag rules, in the plan's words, naming the entry and the table a glob selected", () => {
    const one = (entry: Record<string, unknown>, defaults: Record<string, unknown> = TWO_REGIONS) =>
      refusal(() => planTasks(plan({ defaults, replications: [entry] }), listing('a-1', 'a-2'), ENV));
    assert.equal(
      one(
        { source: { table: 'orders' }, destination: { table: 'orders' } },
        { source: { region: 'us-east-1' } },
      ),
      'plan p.yaml: replications[0] (source orders): destination.table orders is the source table itself (same region, endpoint and credentials): name another table',
    );
    assert.equal(
      one({ source: { table: 'aaa' }, destination: { table: 'bbb', kmsKey: 'k' } }),
      'plan p.yaml: replications[0] (source aaa): destination.kmsKey only applies to a table that destination.createTable creates: add destination.createTable, or leave destination.kmsKey out',
    );
    assert.equal(
      one({ source: { table: 'a*' }, destination: { table: '{name}~' } }),
      'plan p.yaml: replications[0] (source a-1, selected by a*): destination.table "a-1~" is not a valid DynamoDB table name (3-255 of a-z A-Z 0-9 _ - .); replications[0] (source a-2, selected by a*): destination.table "a-2~" is not a valid DynamoDB table name (3-255 of a-z A-Z 0-9 _ - .)',
    );
    assert.equal(
      one({ source: { table: 'o' }, destination: { table: 'orders' } }),
      'plan p.yaml: replications[0] (source o): source.table "o" is not a valid DynamoDB table name (3-255 of a-z A-Z 0-9 _ - .)',
    );
    assert.equal(
      one({ source: { table: 'orders', endpoint: 'localhost:8000' }, destination: { table: 'xxx' } }),
      'plan p.yaml: replications[0] (source orders): source.endpoint "localhost:8000" must start with http:// or https://',
    );
    assert.equal(
      one({ source: { table: 'orders' }, destination: { table: 'xxx' }, taskName: 'a b' }),
      "plan p.yaml: replications[0] (source orders): taskName \"a b\" is not usable in a table name: use letters, digits, '_', '-' and '.'",
    );
    assert.equal(
      one({ source: { table: 'orders', externalId: 'e1' }, destination: { table: 'xxx' } }),
      'plan p.yaml: replications[0] (source orders): source.externalId is given without source.roleArn: an external id only applies to a role that is assumed',
    );
    assert.equal(
      one({ source: { table: 'orders' }, destination: { table: 'xxx' }, lease: { roleArn: 'nope' } }),
      'plan p.yaml: replications[0] (source orders): lease.roleArn "nope" is not an IAM role ARN: write it as arn:aws:iam::<12-digit account>:role/<name>',
    );
    assert.equal(
      one({ source: { table: 'orders' }, destination: { table: 'xxx' } }, {}),
      "plan p.yaml: replications[0] (source orders): missing source.region: name the source table's region (or set AWS_REGION, or a region in source.profile's profile)",
    );
    assert.equal(
      one({ source: { table: 'a*' }, destination: { table: '{name}' } }, {}),
      "plan p.yaml: replications[0] (source a*): missing source.region: name the region whose tables the glob selects from (or set AWS_REGION, or a region in source.profile's profile)",
    );
  });

  test('regions from AWS_REGION and from profiles; a missing profile is refused by name', () => {
    const profiles: KnownProfiles = {
      names: new Set(['prod']),
      region: (name) => (name === 'prod' ? 'eu-central-1' : undefined),
      files: '~/.aws/config',
    };
    const p = plan({
      replications: [
        { source: { table: 'aaa', profile: 'prod' }, destination: { table: 'bbb' } },
        { source: { table: 'c*' }, destination: { table: '{name}-x' } },
      ],
    });
    const { tasks } = planTasks(p, listing('c-1'), { env: { AWS_REGION: 'us-west-1' }, profiles });
    assert.deepEqual(
      tasks.map((t) => t.flags.sourceTable),
      ['aaa', 'c-1'],
    );
    const sides = planSourceSides(p, { env: { AWS_REGION: 'us-west-1' }, profiles });
    assert.deepEqual(
      sides.map((s) => s.location.region),
      ['us-west-1'],
    );
    const missing = plan({
      replications: [{ source: { table: 'a*', profile: 'nope' }, destination: { table: '{name}' } }],
    });
    assert.equal(
      refusal(() => planSourceSides(missing, { env: {}, profiles })),
      'plan p.yaml: replications[0] (source a*): source.profile "nope": no such profile in ~/.aws/config; check the name (aws configure list-profiles) or set AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE',
    );
  });

  test('each source side is listed by its own region, endpoint and credentials', () => {
    const p = plan({
      defaults: TWO_REGIONS,
      replications: [
        { source: { table: 'a*' }, destination: { table: '{name}' } },
        { source: { table: 'b*', endpoint: 'http://localhost:8000' }, destination: { table: '{name}' } },
      ],
    });
    const seen: Location[] = [];
    const { tasks } = planTasks(
      p,
      (side) => {
        seen.push(side);
        return side.endpoint === undefined ? ['a-1', 'b-1'] : ['a-2', 'b-2'];
      },
      ENV,
    );
    assert.deepEqual(
      tasks.map((t) => t.flags.sourceTable),
      ['a-1', 'b-2'],
    );
    assert.deepEqual(
      seen.map((s) => s.endpoint),
      [undefined, 'http://localhost:8000'],
    );
  });

  test('a side that was not listed is a bug, not a plan mistake', () => {
    const p = plan({
      defaults: TWO_REGIONS,
      replications: [{ source: { table: 'a*' }, destination: { table: '{name}' } }],
    });
    assert.throws(
      () => planTasks(p, () => undefined, ENV),
      (err) => !(err instanceof ConfigError) && /no listing of source side/.test(String(err)),
    );
  });
});

describe('planSourceSides', () => {
  test('the sides the globs select from, each once, with the entries that use it; named entries none', () => {
    const p = plan({
      defaults: TWO_REGIONS,
      replications: [
        { source: { table: 'a*' }, destination: { table: '{name}' } },
        { source: { table: 'named' }, destination: { table: 'xxx' } },
        { source: { table: 'b*' }, destination: { table: '{name}-b' } },
        { source: { table: 'c*', profile: 'other' }, destination: { table: '{name}-c' } },
      ],
    });
    const sides = planSourceSides(p, ENV);
    assert.deepEqual(
      sides.map((s) => ({ entries: s.entries, location: s.location })),
      [
        { entries: [0, 2], location: { region: 'us-east-1', endpoint: undefined, credentials: {} } },
        {
          entries: [3],
          location: { region: 'us-east-1', endpoint: undefined, credentials: { profile: 'other' } },
        },
      ],
    );
    assert.deepEqual(
      planSourceSides(
        plan({ replications: [{ source: { table: 'aaa' }, destination: { table: 'bbb' } }] }),
        ENV,
      ),
      [],
    );
  });
});

test('sourceSideKey tells sides apart by region, endpoint and each credential field', () => {
  const base: Location = { region: 'r', endpoint: undefined, credentials: {} };
  const keys = [
    base,
    { ...base, region: 'r2' },
    { ...base, endpoint: 'http://e' },
    { ...base, credentials: { profile: 'p' } },
    { ...base, credentials: { roleArn: 'a' } },
    { ...base, credentials: { roleArn: 'a', externalId: 'x' } },
  ].map(sourceSideKey);
  assert.equal(new Set(keys).size, keys.length);
  assert.equal(sourceSideKey({ region: 'r', endpoint: undefined }), keys[0]);
});

test('planNamesProfile: whether any side of defaults or an entry names a profile', () => {
  const pair = { source: { table: 'aaa' }, destination: { table: 'bbb' } };
  assert.equal(planNamesProfile(plan({ replications: [pair] })), false);
  assert.equal(planNamesProfile(plan({ defaults: { lease: { profile: 'x' } }, replications: [pair] })), true);
  assert.equal(
    planNamesProfile(plan({ replications: [{ ...pair, destination: { table: 'bbb', profile: 'x' } }] })),
    true,
  );
  assert.equal(
    planNamesProfile(
      plan({
        replications: [
          { source: { table: 'aaa' }, destinations: [{ table: 'bbb' }, { table: 'ccc', profile: 'x' }] },
        ],
      }),
    ),
    true,
  );
});

describe('planTasks: mode two-way', () => {
  test('an entry is two tasks: A→B as written, B→A with the sides swapped, each named as replicate --two-way names them', () => {
    const p = plan({
      defaults: TWO_REGIONS,
      replications: [
        {
          source: { table: 'orders', profile: 'a' },
          destination: { table: 'orders-b', profile: 'b' },
          mode: 'two-way',
          taskName: 'pair',
          markerPrefix: 'm',
          tombstoneHours: 72,
        },
        { source: { table: 'audit' }, destination: { table: 'audit' } },
      ],
    });
    const { tasks, choices } = planTasks(p, listing(), ENV);
    assert.deepEqual(
      tasks.map((t) => [t.flags.sourceTable, t.flags.destTable, t.flags.taskName, t.twoWay?.side]),
      [
        ['orders', 'orders-b', 'pair.a-b', 'a'],
        ['orders-b', 'orders', 'pair.b-a', 'b'],
        ['audit', 'audit', undefined, undefined],
      ],
    );
    const [ab, ba] = tasks;
    assert.deepEqual(ab?.twoWay, {
      side: 'a',
      otherTaskName: 'pair.b-a',
      markerPrefix: 'm',
      tombstoneHorizonMs: 72 * 3_600_000,
    });
    assert.equal(ba?.twoWay?.otherTaskName, 'pair.a-b');
    // Each side keeps its own region and credentials when swapped.
    assert.deepEqual(
      [ba?.flags.sourceRegion, ba?.flags.sourceCredentials, ba?.flags.destRegion, ba?.flags.destCredentials],
      ['eu-west-1', { profile: 'b' }, 'us-east-1', { profile: 'a' }],
    );
    assert.equal(choices[0]?.fields.mode, 'two-way');
  });

  test('without a task name each direction is named by its own pair; defaults as replicate --two-way', () => {
    const p = plan({
      defaults: TWO_REGIONS,
      replications: [{ source: { table: 'orders' }, destination: { table: 'orders' }, mode: 'two-way' }],
    });
    const [ab, ba] = planTasks(p, listing(), ENV).tasks;
    assert.equal(ab?.flags.taskName, undefined);
    assert.equal(ba?.flags.taskName, undefined);
    assert.deepEqual(ab?.twoWay, {
      side: 'a',
      otherTaskName: undefined,
      markerPrefix: '_ddbr',
      tombstoneHorizonMs: 48 * 3_600_000,
    });
    assert.notEqual(
      defaultTaskName('us-east-1', 'orders', 'eu-west-1', 'orders'),
      defaultTaskName('eu-west-1', 'orders', 'us-east-1', 'orders'),
    );
  });

  test("a glob selects side A's tables, each a pair; B's tables are never selected as sources", () => {
    const p = plan({
      replications: [
        {
          source: { table: 'orders-*', region: 'us-east-1' },
          destination: { table: '{name}-b', region: 'us-east-1' },
          mode: 'two-way',
          taskName: '{name}',
        },
      ],
    });
    const { tasks } = planTasks(p, listing('orders-1', 'orders-1-b'), ENV);
    assert.deepEqual(
      tasks.map((t) => [t.flags.sourceTable, t.flags.destTable, t.flags.taskName]),
      [
        ['orders-1', 'orders-1-b', 'orders-1.a-b'],
        ['orders-1-b', 'orders-1', 'orders-1.b-a'],
      ],
    );
  });

  test('what replicate --two-way refuses is a plan mistake naming the entry and the fields', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ bootstrap: true }, 'bootstrap'],
      [{ destination: { table: 'bbb', createTable: true } }, 'destination.createTable'],
      [{ filter: { eventName: ['INSERT'] } }, 'filter'],
      [{ lease: { region: 'us-east-1' } }, 'lease.region'],
      [{ source: { table: 'aaa', streamsEndpoint: 'http://localhost:1' } }, 'source.streamsEndpoint'],
      [{ onReject: 'dead-letter' }, 'onReject'],
      [{ destination: null, destinations: [{ table: 'bbb' }, { table: 'ccc' }] }, 'destinations'],
    ];
    for (const [fields, named] of cases) {
      const message = refusal(() =>
        plan({
          defaults: TWO_REGIONS,
          replications: [
            { source: { table: 'aaa' }, destination: { table: 'bbb' }, mode: 'two-way', ...fields },
          ],
        }),
      );
      assert.match(message, /replications\[0\] \(source aaa\): mode two-way does not take /, message);
      assert.ok(message.includes(named), `${named}: ${message}`);
    }
    // A default that a two-way entry cannot take: cleared with null.
    const p = plan({
      defaults: { ...TWO_REGIONS, bootstrap: true },
      replications: [
        { source: { table: 'aaa' }, destination: { table: 'bbb' }, mode: 'two-way', bootstrap: null },
      ],
    });
    assert.equal(planTasks(p, listing(), ENV).tasks.length, 2);
    assert.match(
      refusal(() =>
        plan({
          defaults: TWO_REGIONS,
          replications: [
            { source: { table: 'aaa' }, destination: { table: 'bbb' }, mode: 'two-way', markerPrefix: 'a b' },
          ],
        }),
      ),
      /markerPrefix "a b" is not a plain attribute name/,
    );
  });
});
