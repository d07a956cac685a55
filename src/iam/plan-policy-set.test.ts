import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CredentialSource, KnownProfiles } from '../config/credential-source.js';
import { deadLetterTableName } from '../deadletter/dead-letter-item.js';
import { parsePlan } from '../plan/parse-plan.js';
import type { Plan } from '../plan/plan-schema.js';
import { planTasks } from '../plan/plan-tasks.js';
import { actionsFor, type IamResource } from './iam-permissions.js';
import { coveredFeatures, SIDE_RESOURCES } from './identity-policies.js';
import { MANAGED_POLICY_CHARACTERS, planPolicySet, type PlanPolicySet } from './plan-policy-set.js';
import {
  planPolicyTasks,
  resolvedPolicyTasks,
  type PlanPolicyOptions,
  type PlanPolicyTask,
} from './plan-policy-tasks.js';
import { planPolicyText } from './plan-policy-text.js';
import { policyAllows } from './policy-allows.js';
import type { PrintedPolicy } from './policy-document.js';
import { policySet } from './policy-set.js';
import { POLICY_SIDES, type PolicySide } from './side-accounts.js';

const DEST_ROLE = 'arn:aws:iam::222222222222:role/writer';
const OTHER_DEST_ROLE = 'arn:aws:iam::555555555555:role/writer-eu';
const LEASE_ROLE = 'arn:aws:iam::333333333333:role/leases';
const PROFILES: KnownProfiles = { names: new Set(['src', 'ops']), region: () => undefined, files: 'config' };
const OPTIONS: PlanPolicyOptions = {
  env: {},
  profiles: PROFILES,
  bootstrap: false,
  createDestTable: false,
  copyTags: false,
  features: [],
};
/** Tables a ListTables of the source side could show: some every glob below selects, some none does. */
const LISTING = ['orders', 'g-1', 'g-2', 'g-tmp', 'eu-1', 'us-9', 'other', 'DynamoDBCrossRegionReplicationx'];

interface EntryShape {
  readonly source: string;
  readonly taskName?: string;
  readonly enableStream: boolean;
  readonly createTable: boolean;
  readonly copyTags: boolean;
  readonly bootstrap: boolean;
  /** onReject: dead-letter (a named table: deadLetterTable too). */
  readonly deadLetter?: false | 'default' | 'named';
  readonly destination?: string;
}

const SOURCES: readonly { source: string; taskName?: string }[] = [
  { source: 'orders' },
  { source: 'g-*' },
  { source: '{eu,us}-*' },
  { source: 'g-*', taskName: '{name}-repl' },
];

/** Each side's credentials in `defaults`, as the fields after a side's region. */
const CREDENTIALS: readonly { name: string; source?: string; destination?: string; lease?: string }[] = [
  { name: 'default chain' },
  { name: 'destination role', destination: `roleArn: "${DEST_ROLE}", externalId: ext-1` },
  { name: 'lease role', lease: `roleArn: "${LEASE_ROLE}"` },
  {
    name: 'profiles and roles',
    source: 'profile: src',
    destination: `profile: ops, roleArn: "${DEST_ROLE}"`,
  },
];

function entryYaml(e: EntryShape, index: number): string {
  const glob = /[*{]/.test(e.source);
  const destination = e.destination ?? (glob ? '{name}-dr' : `${e.source}-dr${index}`);
  const options = [e.createTable ? ', createTable: true' : '', e.copyTags ? ', copyTags: true' : ''].join('');
  return [
    `  - source: { table: "${e.source}"${glob && e.source === 'g-*' ? ', exclude: ["*-tmp"]' : ''} }`,
    `    destination: { table: "${destination}"${options} }`,
    ...(e.taskName === undefined ? [] : [`    taskName: "${e.taskName}"`]),
    ...(e.enableStream ? ['    enableStream: true'] : []),
    ...(e.bootstrap ? ['    bootstrap: true'] : []),
    ...(e.deadLetter === 'default' || e.deadLetter === 'named' ? ['    onReject: dead-letter'] : []),
    // A glob's tables each need their own (the plan refuses one table for all of them).
    ...(e.deadLetter === 'named' ? [`    deadLetterTable: "${glob ? '{name}-' : ''}refused-${index}"`] : []),
  ].join('\n');
}

function planOf(entries: readonly EntryShape[], credentials: (typeof CREDENTIALS)[number]): Plan {
  const more = (fields: string | undefined): string => (fields === undefined ? '' : `, ${fields}`);
  const lease = credentials.lease === undefined ? '' : `  lease: { ${credentials.lease} }\n`;
  const yaml = `defaults:
  source: { region: us-east-1${more(credentials.source)} }
  destination: { region: eu-west-1${more(credentials.destination)} }
${lease}replications:
${entries.map(entryYaml).join('\n')}
`;
  return parsePlan(yaml, 'p.yaml');
}

/** Every entry shape: each kind of source with each of the plan's options. */
function* entryShapes(): Generator<EntryShape> {
  for (const { source, taskName } of SOURCES) {
    for (const enableStream of [false, true]) {
      for (const [createTable, copyTags] of [
        [false, false],
        [true, false],
        [true, true],
      ] as const) {
        for (const bootstrap of [false, true]) {
          // Dead letters with every source and credentials, not with every option (the options are independent).
          const deadLetters: readonly EntryShape['deadLetter'][] =
            enableStream || createTable ? [false] : [false, 'default', 'named'];
          for (const deadLetter of deadLetters) {
            yield {
              source,
              ...(taskName === undefined ? {} : { taskName }),
              enableStream,
              createTable,
              copyTags,
              bootstrap,
              deadLetter,
            };
          }
        }
      }
    }
  }
}

interface Case {
  readonly name: string;
  readonly plan: Plan;
  readonly tasks: readonly PlanPolicyTask[];
  readonly set: PlanPolicySet;
  readonly accounts: { source?: string; destination?: string };
}

function build(plan: Plan, accounts: Case['accounts'], name: string): Case {
  const tasks = planPolicyTasks(plan, OPTIONS);
  return {
    name,
    plan,
    tasks,
    accounts,
    set: planPolicySet({ file: 'p.yaml', tasks, accounts, identities: new Map() }),
  };
}

/** One entry of every shape under every set of credentials; and two-entry plans mixing shapes. */
function* everyCase(): Generator<Case> {
  const shapes = [...entryShapes()];
  for (const credentials of CREDENTIALS) {
    const { name } = credentials;
    for (const accounts of [{}, { source: '111111111111', destination: '222222222222' }]) {
      for (const shape of shapes) {
        yield build(planOf([shape], credentials), accounts, `${name}: ${JSON.stringify(shape)}`);
      }
      // A named pair beside each glob shape, the pair with the opposite options: statements split by need.
      for (const shape of shapes.filter((s) => s.source !== 'orders')) {
        const named: EntryShape = {
          source: 'orders',
          enableStream: !shape.enableStream,
          createTable: !shape.createTable,
          copyTags: false,
          bootstrap: !shape.bootstrap,
          deadLetter: shape.deadLetter === false ? 'default' : false,
        };
        yield build(
          planOf([named, shape], credentials),
          accounts,
          `${name}: orders + ${JSON.stringify(shape)}`,
        );
      }
    }
  }
}

const SIDE_OF: Record<IamResource, PolicySide> = {
  'source-table': 'source',
  'source-stream': 'source',
  'table-list': 'source',
  'destination-table': 'destination',
  'lease-table': 'lease',
  'dead-letter-table': 'lease',
  'spool-table': 'lease',
  'source-tombstone-table': 'source',
  'destination-tombstone-table': 'destination',
  'conflict-table': 'lease',
};

/** The ARN a task's policies name for a resource. */
function arnOf(set: PlanPolicySet, index: number, resource: IamResource): string {
  const r = set.tasks[index]?.resources;
  assert.ok(r !== undefined, `task ${index}`);
  return {
    'source-table': r.sourceTable,
    'source-stream': r.sourceStream,
    'destination-table': r.destinationTable,
    'lease-table': r.leaseTable,
    // Named only for a task with dead letters (no action is granted on it otherwise).
    'dead-letter-table': r.deadLetterTable ?? '(no dead-letter table)',
    // Named only for a task with a bootstrap copy.
    'spool-table': r.spoolTable ?? '(no spool table)',
    'source-tombstone-table': r.tombstoneTable ?? '(no tombstones)',
    'destination-tombstone-table': r.otherSideTombstoneTable ?? '(no tombstones)',
    'conflict-table': r.conflictTable ?? '(no conflict log)',
    'table-list': '*',
  }[resource];
}

function credentialsOf(task: PlanPolicyTask, side: PolicySide): CredentialSource {
  return task.sides[side].credentials ?? {};
}

/** The identity policy of whoever acts on a side of a task: its role's, else its base credentials'. */
function actor(
  set: PlanPolicySet | { policies: readonly PrintedPolicy[] },
  c: CredentialSource,
): PrintedPolicy {
  const base = c.profile === undefined ? 'the default credential chain' : `profile ${c.profile}`;
  const found = set.policies.find(
    (p) =>
      p.kind === 'identity' &&
      (c.roleArn === undefined
        ? !p.attachTo.startsWith('role ') && p.attachTo.includes(base)
        : p.attachTo === `role ${c.roleArn}`),
  );
  assert.ok(found, `no identity policy for ${JSON.stringify(c)}`);
  return found;
}

const RESOURCES = POLICY_SIDES.flatMap((side) => SIDE_RESOURCES[side]);

test("every task's actions are allowed to whoever acts on each side, on that task's ARN", () => {
  for (const c of everyCase()) {
    c.tasks.forEach((task, i) => {
      const features = coveredFeatures(task.features);
      for (const resource of RESOURCES) {
        const policy = actor(c.set, credentialsOf(task, SIDE_OF[resource]));
        const arn = arnOf(c.set, i, resource).replace(/stream\/\*$/, 'stream/2024-01-01T00:00:00.000');
        for (const action of actionsFor(features, resource)) {
          assert.ok(
            policyAllows(policy.document, action, arn),
            `${c.name}: ${policy.name} ${action} on ${arn}`,
          );
        }
      }
    });
  }
});

test('nothing is granted that no task needs: each action on each ARN is some task’s, for whoever acts there', () => {
  for (const c of everyCase()) {
    for (const policy of c.set.policies.filter((p) => p.kind === 'identity')) {
      for (const statement of policy.document.Statement) {
        if (statement.Sid === 'AssumeRoles') continue;
        for (const arn of [statement.Resource ?? []].flat()) {
          for (const action of statement.Action) {
            const needed = c.tasks.some((task, i) =>
              RESOURCES.some(
                (resource) =>
                  arnOf(c.set, i, resource) === arn &&
                  actionsFor(coveredFeatures(task.features), resource).includes(action) &&
                  actor(c.set, credentialsOf(task, SIDE_OF[resource])) === policy,
              ),
            );
            assert.ok(needed, `${c.name}: ${policy.name} ${statement.Sid} ${action} on ${arn} is no task's`);
          }
        }
      }
    }
  }
});

test('the plan’s policy covers whatever its globs select: any listing’s tasks are allowed by it', () => {
  for (const c of everyCase()) {
    for (const listing of [LISTING, ['orders'], []]) {
      const resolved = planTasks(c.plan, () => listing, OPTIONS).tasks;
      const tasks = resolvedPolicyTasks(c.plan, resolved, OPTIONS);
      const today = planPolicySet({ file: 'p.yaml', tasks, accounts: c.accounts, identities: new Map() });
      for (const policy of today.policies.filter((p) => p.kind === 'identity')) {
        const planned = c.set.policies.find((p) => p.kind === 'identity' && p.attachTo === policy.attachTo);
        for (const statement of policy.document.Statement) {
          for (const arn of [statement.Resource ?? []].flat()) {
            for (const action of statement.Action) {
              assert.ok(
                planned !== undefined && policyAllows(planned.document, action, arn),
                `${c.name} with ${listing.join(',')}: ${policy.name} ${action} on ${arn}`,
              );
            }
          }
        }
      }
      if (listing === LISTING) {
        assert.deepEqual(
          today.policies.filter((p) => p.kind === 'trust'),
          c.set.policies.filter((p) => p.kind === 'trust'),
          c.name,
        );
      }
    }
  }
});

test('plan-only actions: ListTables on "*" only for globs, UpdateTable only for enableStream sources', () => {
  for (const c of everyCase()) {
    const statements = c.set.policies.flatMap((p) => p.document.Statement.map((s) => ({ policy: p, s })));
    const globs = c.tasks.filter((t) => t.selectedBy === 'glob');
    const listing = statements.filter(({ s }) => s.Action.includes('dynamodb:ListTables'));
    assert.equal(listing.length, globs.length > 0 ? 1 : 0, c.name);
    for (const { policy, s } of listing) {
      assert.deepEqual([s.Sid, s.Action, s.Resource], ['ListTables', ['dynamodb:ListTables'], '*'], c.name);
      assert.equal(policy, actor(c.set, credentialsOf(globs[0]!, 'source')));
    }
    for (const { s } of statements) {
      if (s.Sid !== 'ListTables')
        assert.ok(
          [s.Resource ?? []].flat().every((r) => r !== '*'),
          c.name,
        );
      for (const action of s.Action) {
        assert.ok(!action.includes('*'), action);
        assert.match(action, /^(dynamodb|sts):[A-Z][A-Za-z]+$/);
      }
      assert.match(s.Sid, /^[A-Za-z0-9]+$/);
    }
    for (const policy of c.set.policies) {
      const sids = policy.document.Statement.map((s) => s.Sid);
      assert.equal(new Set(sids).size, sids.length, `${c.name}: ${policy.name} repeats a Sid`);
    }
    const updatable = statements
      .filter(({ s }) => s.Action.includes('dynamodb:UpdateTable'))
      .flatMap(({ s }) => [s.Resource ?? []].flat());
    const enabling = c.tasks.flatMap((t, i) =>
      t.features.includes('enable-stream') ? [arnOf(c.set, i, 'source-table')] : [],
    );
    assert.deepEqual(new Set(updatable), new Set(enabling), c.name);
    const creating = statements
      .filter(({ s }) => s.Sid.startsWith('DestinationTable') && s.Action.includes('dynamodb:CreateTable'))
      .flatMap(({ s }) => [s.Resource ?? []].flat());
    const created = c.tasks.flatMap((t, i) =>
      t.features.includes('create-dest-table') ? [arnOf(c.set, i, 'destination-table')] : [],
    );
    assert.deepEqual(new Set(creating), new Set(created), c.name);
  }
});

test('placeholders in the plan’s words, each one in the documents explained; notes for what a plan adds', () => {
  for (const c of everyCase()) {
    const text = JSON.stringify([c.set.tasks, c.set.policies.map((p) => p.document)]);
    assert.deepEqual(new Set(Object.keys(c.set.placeholders)), new Set(text.match(/<[A-Z_]+>/g) ?? []));
    for (const meaning of Object.values(c.set.placeholders)) {
      assert.doesNotMatch(meaning, /--(dest|lease|source)-(role-arn|profile)/, c.name);
    }
    const notes = c.set.notes.join('\n');
    const glob = c.tasks.some((t) => t.selectedBy === 'glob');
    assert.equal(/ListTables is allowed on Resource "\*" and cannot be narrowed/.test(notes), glob, c.name);
    assert.equal(/not by the tables that exist today/.test(notes), glob, c.name);
    assert.equal(
      /cannot be narrowed below DynamoDBCrossRegionReplication\*/.test(notes),
      c.tasks.some((t) => t.leaseByPrefix),
      c.name,
    );
    assert.equal(
      /UpdateTable \(it changes the source table\)/.test(notes),
      c.tasks.some((t) => t.features.includes('enable-stream')),
      c.name,
    );
  }
});

test('onReject: dead-letter grants the dead-letter table beside each such task’s lease table, and nothing else does', () => {
  const c = build(
    parsePlan(
      `defaults:
  source: { region: us-east-1 }
  destination: { region: eu-west-1 }
  lease: { region: us-west-2, roleArn: "${LEASE_ROLE}" }
replications:
  - source: { table: orders }
    destination: { table: orders-dr }
    onReject: dead-letter
  - source: { table: items }
    destination: { table: items-dr }
    onReject: dead-letter
    deadLetterTable: items-refused
  - source: { table: plain }
    destination: { table: plain-dr }
  - source: { table: "audit-*" }
    destination: { table: "{name}-copy" }
    onReject: dead-letter
  - source: { table: "eu-*" }
    destination: { table: "{name}" }
    taskName: "{name}-repl"
    onReject: dead-letter
`,
      'p.yaml',
    ),
    { source: '111111111111' },
    'dead letters',
  );
  const lease = (name: string) => `arn:aws:dynamodb:us-west-2:333333333333:table/${name}`;
  const leaseTable = (i: number) => c.tasks[i]?.sides.lease.tableName ?? '?';
  assert.deepEqual(
    c.tasks.map((t) => t.deadLetterTable),
    [
      deadLetterTableName(leaseTable(0)),
      'items-refused',
      undefined,
      'DynamoDBCrossRegionReplication*-dead-letters',
      'DynamoDBCrossRegionReplicationeu-*-repl-dead-letters',
    ],
  );
  assert.deepEqual(
    c.tasks.map((t) => t.features.includes('dead-letter')),
    [true, true, false, true, true],
  );
  assert.equal(c.set.tasks[2]?.resources.deadLetterTable, undefined);
  const role = c.set.policies.find((p) => p.attachTo === `role ${LEASE_ROLE}`);
  const statement = role?.document.Statement.find((s) => s.Sid === 'DeadLetterTable');
  // The pattern of the glob without a task name covers the other tasks' default-named tables: left out.
  assert.deepEqual(statement?.Resource, [
    lease('items-refused'),
    lease('DynamoDBCrossRegionReplication*-dead-letters'),
  ]);
  assert.deepEqual(statement?.Action, actionsFor(['dead-letter'], 'dead-letter-table'));
  for (const table of [
    deadLetterTableName(leaseTable(0)),
    'items-refused',
    'DynamoDBCrossRegionReplicationeu-1-repl-dead-letters',
  ]) {
    assert.ok(
      statement !== undefined && policyAllows(role!.document, 'dynamodb:PutItem', lease(table)),
      table,
    );
  }
  assert.ok(!policyAllows(role!.document, 'dynamodb:PutItem', lease('items-refused-2')));
  for (const policy of c.set.policies.filter((p) => p !== role)) {
    assert.ok(!JSON.stringify(policy.document).includes('dead-letters'), policy.name);
    assert.ok(!JSON.stringify(policy.document).includes('items-refused'), policy.name);
  }

  // The command line's --on-reject for entries that do not say; an entry's onReject: stop keeps its own.
  const plan = parsePlan(
    `defaults:
  source: { region: us-east-1 }
replications:
  - source: { table: orders }
    destination: { table: orders-dr }
  - source: { table: items }
    destination: { table: items-dr }
    onReject: stop
`,
    'p.yaml',
  );
  const given = planPolicyTasks(plan, { ...OPTIONS, onReject: 'dead-letter' });
  assert.deepEqual(
    given.map((t) => t.deadLetterTable),
    [deadLetterTableName(given[0]?.sides.lease.tableName ?? '?'), undefined],
  );
  assert.deepEqual(
    planPolicyTasks(plan, OPTIONS).map((t) => t.deadLetterTable),
    [undefined, undefined],
  );
  // deadLetterTable without onReject: dead-letter is the plan mistake replicate --plan makes of it.
  assert.throws(
    () =>
      planPolicyTasks(
        parsePlan(
          `replications:
  - source: { table: orders, region: us-east-1 }
    destination: { table: orders-dr }
    deadLetterTable: refused
`,
          'p.yaml',
        ),
        OPTIONS,
      ),
    /replications\[0\].*deadLetterTable only applies with onReject dead-letter/s,
  );
});

test('a plan of one named pair has the policies of that pair alone (the same code)', () => {
  for (const credentials of CREDENTIALS) {
    for (const shape of [...entryShapes()].filter((s) => s.source === 'orders' && !s.enableStream)) {
      const c = build(planOf([shape], credentials), { source: '111111111111' }, 'one pair');
      const [task] = c.tasks;
      assert.ok(task !== undefined);
      const single = policySet({
        setup: 'role',
        features: task.features,
        sourceRegion: 'us-east-1',
        tables: task.tables,
        deadLetterTable: task.deadLetterTable,
        credentials: {
          source: credentialsOf(task, 'source'),
          destination: credentialsOf(task, 'destination'),
          lease: credentialsOf(task, 'lease'),
        },
        accounts: { source: '111111111111' },
        identities: new Map(),
      });
      assert.deepEqual(c.set.policies, single.policies);
      assert.deepEqual(c.set.tasks[0]?.resources, single.resources);
    }
  }
});

test('a glob shares statements with a named pair where they need the same, and splits where not', () => {
  const c = build(
    parsePlan(
      `defaults:
  source: { region: us-east-1 }
  destination: { region: eu-west-1, roleArn: "${DEST_ROLE}" }
replications:
  - source: { table: orders }
    destination: { table: orders }
  - source: { table: "audit-*" }
    destination: { table: "{name}-copy", createTable: true }
    enableStream: true
  - source: { table: "eu-*" }
    destination: { table: "{name}", roleArn: "${OTHER_DEST_ROLE}" }
`,
      'p.yaml',
    ),
    { source: '111111111111' },
    'mixed',
  );
  const sids = (name: string) =>
    c.set.policies.find((p) => p.name === name)?.document.Statement.map((s) => [s.Sid, s.Resource]);
  const table = (name: string) => `arn:aws:dynamodb:us-east-1:111111111111:table/${name}`;
  assert.deepEqual(sids('replicator'), [
    ['SourceTable', [table('orders'), table('audit-*'), table('eu-*')]],
    ['SourceTable2', table('audit-*')],
    [
      'SourceStream',
      [`${table('orders')}/stream/*`, `${table('audit-*')}/stream/*`, `${table('eu-*')}/stream/*`],
    ],
    ['ListTables', '*'],
    ['LeaseTable', table('DynamoDBCrossRegionReplication*')],
    ['AssumeRoles', [DEST_ROLE, OTHER_DEST_ROLE]],
  ]);
  const dest = (account: string, name: string) => `arn:aws:dynamodb:eu-west-1:${account}:table/${name}`;
  assert.deepEqual(sids('destination-role'), [
    ['DestinationTable', [dest('222222222222', 'orders'), dest('222222222222', 'audit-*-copy')]],
    ['DestinationTable2', dest('222222222222', 'audit-*-copy')],
  ]);
  assert.deepEqual(sids('destination-role-2'), [['DestinationTable', dest('555555555555', 'eu-*')]]);
  assert.deepEqual(
    c.set.policies.map((p) => [p.name, p.kind, p.attachTo]),
    [
      [
        'replicator',
        'identity',
        'the identity of the default credential chain (not known here: an identity of account 111111111111)',
      ],
      ['destination-role', 'identity', `role ${DEST_ROLE}`],
      ['destination-role-trust', 'trust', `role ${DEST_ROLE}`],
      ['destination-role-2', 'identity', `role ${OTHER_DEST_ROLE}`],
      ['destination-role-2-trust', 'trust', `role ${OTHER_DEST_ROLE}`],
    ],
  );
  assert.deepEqual(c.set.features, [
    'replicate',
    'status',
    'create-dest-table',
    'plan-glob',
    'enable-stream',
  ]);
});

test('a document longer than a managed policy may be is named in a note', () => {
  const entries = (count: number) =>
    Array.from(
      { length: count },
      (_, i) => `  - source: { table: orders-of-the-${i}-region }\n    destination: { table: "{name}-dr" }`,
    ).join('\n');
  const planned = (count: number) =>
    build(
      parsePlan(`defaults:\n  source: { region: us-east-1 }\nreplications:\n${entries(count)}\n`, 'p.yaml'),
      { source: '111111111111' },
      `${count} pairs`,
    ).set;
  const few = planned(2);
  assert.ok(few.notes.every((n) => !n.includes('managed policy')));
  const many = planned(40);
  const replicator = many.policies.find((p) => p.name === 'replicator');
  assert.ok(JSON.stringify(replicator?.document).length > MANAGED_POLICY_CHARACTERS);
  assert.ok(
    many.notes.some((n) => n.startsWith('replicator is longer than the 6144 characters of a managed policy')),
    many.notes.join('\n'),
  );
});

test("a fan-out's further destinations are granted as the first is, each to whoever acts on it, createTable only where asked", () => {
  const c = build(
    parsePlan(
      `defaults:
  source: { region: us-east-1 }
  destination: { region: eu-west-1 }
replications:
  - source: { table: orders }
    destinations:
      - { table: orders-a }
      - { table: orders-b, region: us-west-2, roleArn: "${DEST_ROLE}", externalId: ext-9, createTable: true }
  - source: { table: "g-*" }
    destinations: [{ table: "{name}-a" }, { table: "{name}-b", createTable: true }]
`,
      'p.yaml',
    ),
    { source: '111111111111', destination: '444444444444' },
    'fan-out',
  );
  const first = 'arn:aws:dynamodb:eu-west-1:444444444444:table/orders-a';
  const more = 'arn:aws:dynamodb:us-west-2:444444444444:table/orders-b';
  const globFirst = 'arn:aws:dynamodb:eu-west-1:444444444444:table/g-*-a';
  const globMore = 'arn:aws:dynamodb:eu-west-1:444444444444:table/g-*-b';
  assert.deepEqual(
    c.set.tasks.map((t) => [t.resources.destinationTable, t.resources.fanOutTables]),
    [
      [first, [more]],
      [globFirst, [globMore]],
    ],
  );
  const text = planPolicyText(c.set).split('\n');
  assert.ok(text.includes(`  destination table  ${more}`), text.join('\n'));
  assert.ok(text.includes(`  destination table  ${globMore}`), text.join('\n'));
  const replicator = actor(c.set, {});
  const role = actor(c.set, { roleArn: DEST_ROLE });
  const writes = actionsFor(coveredFeatures([]), 'destination-table');
  const creates = actionsFor(['create-dest-table'], 'destination-table').filter((a) => !writes.includes(a));
  assert.ok(creates.includes('dynamodb:CreateTable'));
  for (const action of writes) {
    assert.ok(policyAllows(replicator.document, action, first), `replicator ${action} on ${first}`);
    assert.ok(policyAllows(replicator.document, action, globMore), `replicator ${action} on ${globMore}`);
    assert.ok(policyAllows(role.document, action, more), `role ${action} on ${more}`);
    assert.ok(!policyAllows(replicator.document, action, more), `replicator ${action} on ${more}`);
    assert.ok(!policyAllows(role.document, action, first), `role ${action} on ${first}`);
  }
  for (const action of creates) {
    assert.ok(policyAllows(role.document, action, more), `role ${action} on ${more}`);
    assert.ok(policyAllows(replicator.document, action, globMore), `replicator ${action} on ${globMore}`);
    assert.ok(!policyAllows(replicator.document, action, first), `replicator ${action} on ${first}`);
    assert.ok(!policyAllows(replicator.document, action, globFirst), `replicator ${action} on ${globFirst}`);
  }
  // A destination created reads the source's time to live: granted on each source whose fan-out creates one.
  assert.ok(
    policyAllows(
      replicator.document,
      'dynamodb:DescribeTimeToLive',
      'arn:aws:dynamodb:us-east-1:111111111111:table/orders',
    ),
  );
  const trust = c.set.policies.find((p) => p.kind === 'trust' && p.attachTo === `role ${DEST_ROLE}`);
  assert.deepEqual(trust?.document.Statement[0]?.Condition, {
    StringEquals: { 'sts:ExternalId': 'ext-9' },
  });
  assert.ok(
    replicator.document.Statement.some(
      (s) => s.Sid === 'AssumeRoles' && [s.Resource].flat().includes(DEST_ROLE),
    ),
  );
});

test("a two-way entry: B→A's tables of side B in --dest-account, its writes to side A in --source-account", () => {
  const plan = parsePlan(
    `defaults:
  source: { region: us-east-1 }
  destination: { region: us-west-2, roleArn: "${DEST_ROLE}" }
replications:
  - source: { table: orders-a }
    destination: { table: orders-b }
    mode: two-way
    taskName: orders
`,
    'p.yaml',
  );
  const set = planPolicySet({
    file: 'p.yaml',
    tasks: planPolicyTasks(plan, OPTIONS),
    accounts: { source: '111111111111', destination: '222222222222' },
    identities: new Map(),
  });
  const [ab, ba] = set.tasks.map((t) => t.resources);
  const a = (name: string): string => `arn:aws:dynamodb:us-east-1:111111111111:table/${name}`;
  const b = (name: string): string => `arn:aws:dynamodb:us-west-2:222222222222:table/${name}`;
  assert.equal(ab?.sourceTable, a('orders-a'));
  assert.equal(ab?.destinationTable, b('orders-b'));
  assert.equal(ba?.sourceTable, b('orders-b'));
  assert.equal(ba?.sourceStream, `${b('orders-b')}/stream/*`);
  assert.equal(ba?.destinationTable, a('orders-a'));
  assert.equal(ba?.leaseTable, b('DynamoDBCrossRegionReplicationorders.b-a'));
});
