// dynamodb-local: shared
// The policy `ddb-replicator policy` prints covers what the commands really call: `replicate --bootstrap`, then
// `verify --repair` over planted differences, then `status` run through recording proxies in front of DynamoDB
// Local, and every (action, resource) they asked for is checked against the printed documents, with DynamoDB
// Local's tables and streams mapped to the ARNs the policy names. In the role setup the destination table must be
// allowed by the destination role's policy and everything else by the replicator's; in the resource-policy setup
// the source table and stream also by their resource-based policies, for the printed principal. The same for a
// plan: what `policy --plan` prints before anything runs (and before a table its glob selects exists) must allow
// everything `replicate --plan` (ListTables, enableStream's UpdateTable, createTable, a bootstrap), `verify --plan
// --repair` and `status --plan` then call, the late table included. And for `--on-reject dead-letter`: what a
// worker that dead-letters (a refusal and a throwing transform), `dead-letters list|replay|purge` and `status
// --on-reject dead-letter` call is allowed by `policy --on-reject dead-letter`, and the policy without it grants
// nothing on the dead-letter table. And for a fan-out: what `replicate --plan` (one destination created), `verify
// --plan` (each destination with its own rules, a difference in one) and `status --plan` call on each destination is
// allowed by the role `policy --plan` names for that destination. And for two-way: what `replicate --two-way` (a
// conflict, a delete, its status page reading the conflict logs), `status --two-way`, `conflicts list` and `verify
// --two-way` call on each side is allowed by `policy --two-way --verify` to that side's identity and not to the
// other's; the same for a plan's `mode: two-way` entry (`replicate`, `status` and `verify --repair` by `--plan`,
// `conflicts list` by the pair's flags) against `policy --plan --verify`. An action the code calls that src/iam
// does not list fails here.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test, type TestContext } from 'node:test';
import {
  DeleteItemCommand,
  DescribeTableCommand,
  PutItemCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { EXIT_FAILED } from '../../src/cli/exit-codes.js';
import { defaultTaskName, leaseTableName } from '../../src/config/task-name.js';
import { deadLetterTableName } from '../../src/deadletter/dead-letter-item.js';
import { LOCAL_CREDENTIALS } from '../../src/local/dynamodb-local.js';
import { createTable, deleteTableIfExists, scanAll, type TableKey } from '../../src/local/local-tables.js';
import { policyAllows } from '../../src/iam/policy-allows.js';
import { spoolTableName } from '../../src/spool/spool-table.js';
import type { PolicyDocument } from '../../src/iam/policy-set.js';
import { putItems } from '../support/attribute-items.js';
import {
  destClient,
  destEndpoint,
  DEST_REGION,
  SOURCE_REGION,
  sourceClient,
  sourceEndpoint,
  uniqueName,
} from '../support/local-env.js';
import { OperationRecorder, type RecordedPermission } from '../support/operation-recorder.js';
import {
  assertTablesConverge,
  canonicalItem,
  createFixture,
  fixtureOf,
  type Item,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import { convergedWhileRunning, runUntilExit } from '../support/run-replicator.js';
import { StsStandIn } from '../support/sts-stand-in.js';
import { TwoWayPair } from '../support/twoway-fixture.js';
import { dropIndex, replaceWithIndexedTable } from '../support/table-with-index.js';
import { waitFor } from '../support/wait-for.js';
import { writeBacklog } from '../support/workload.js';

const SOURCE_ACCOUNT = '111111111111';
const DEST_ACCOUNT = '222222222222';
const DEST_ROLE = `arn:aws:iam::${DEST_ACCOUNT}:role/writer`;
/** DynamoDB Local's ARNs: region ddblocal, account 000000000000. */
const LOCAL_ARN_PREFIX = 'arn:aws:dynamodb:ddblocal:000000000000:';

interface PrintedSet {
  readonly setup: string;
  readonly resources: Record<'sourceTable' | 'sourceStream' | 'destinationTable' | 'leaseTable', string> & {
    readonly deadLetterTable?: string;
    readonly spoolTable?: string;
  };
  readonly policies: readonly { name: string; kind: string; document: PolicyDocument }[];
}

interface Seen extends RecordedPermission {
  /** Which proxy saw it. */
  readonly via: 'source' | 'destination';
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** The fixture's flags with both endpoints replaced by the recorders'. */
function through(
  args: readonly string[],
  source: OperationRecorder,
  destination: OperationRecorder,
): string[] {
  return args.map((arg, i) =>
    args[i - 1] === '--source-endpoint'
      ? source.endpoint
      : args[i - 1] === '--dest-endpoint'
        ? destination.endpoint
        : arg,
  );
}

/** The four table flags of the fixture (verify and policy take no lease or run flags). */
function tableArgs(
  fixture: ReplicationFixture,
  endpoints: { source: string; destination: string },
): string[] {
  return [
    '--source-table',
    fixture.sourceTable,
    '--source-region',
    SOURCE_REGION,
    '--source-endpoint',
    endpoints.source,
    '--dest-table',
    fixture.destTable,
    '--dest-region',
    DEST_REGION,
    '--dest-endpoint',
    endpoints.destination,
  ];
}

/** Differences of every kind for verify --repair: missing, extra and different items. */
async function plantDifferences(fixture: ReplicationFixture): Promise<void> {
  const { source, destination, sourceTable, destTable } = fixture;
  await source.send(new PutItemCommand({ TableName: sourceTable, Item: { pk: { S: 'only-in-source' } } }));
  await destination.send(new PutItemCommand({ TableName: destTable, Item: { pk: { S: 'only-in-dest' } } }));
  await destination.send(new DeleteItemCommand({ TableName: destTable, Key: { pk: { S: 'b-1' } } }));
  await destination.send(
    new UpdateItemCommand({
      TableName: destTable,
      Key: { pk: { S: 'b-2' } },
      UpdateExpression: 'SET n = :n',
      ExpressionAttributeValues: { ':n': { N: '-1' } },
    }),
  );
}

async function printPolicy<T = PrintedSet>(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<T> {
  const run = new ReplicatorProcess(['policy', ...args], env);
  try {
    const exit = await run.waitForExit(20_000);
    assert.equal(exit.code, 0, run.describe());
    return JSON.parse(run.stdout) as T;
  } finally {
    await run.kill();
  }
}

/** The ARN the policy names for what a request named on DynamoDB Local, or undefined for a stranger. */
function policyArn(seen: Seen, fixture: ReplicationFixture, set: PrintedSet): string | undefined {
  const { resources } = set;
  const name = seen.resource.startsWith(LOCAL_ARN_PREFIX)
    ? seen.resource.slice(LOCAL_ARN_PREFIX.length)
    : `table/${seen.resource}`;
  const stream = /^table\/([^/]+)\/stream\/(.+)$/.exec(name);
  if (seen.via === 'source' && stream?.[1] === fixture.sourceTable) {
    return `${resources.sourceTable}/stream/${stream[2]}`;
  }
  const table = name.slice('table/'.length);
  if (seen.via === 'source' && table === fixture.sourceTable) return resources.sourceTable;
  if (seen.via === 'source' && table === leaseTableName(fixture.taskName)) {
    return resources.leaseTable;
  }
  // Undefined (a resource the policy does not name) for a policy printed without --on-reject dead-letter.
  if (seen.via === 'source' && table === deadLetterTableName(leaseTableName(fixture.taskName))) {
    return resources.deadLetterTable;
  }
  // Undefined for a policy printed without the bootstrap feature.
  if (seen.via === 'source' && table === spoolTableName(leaseTableName(fixture.taskName))) {
    return resources.spoolTable;
  }
  if (seen.via === 'destination' && table === fixture.destTable) return resources.destinationTable;
  return undefined;
}

function documentNamed(set: Pick<PrintedSet, 'policies'>, name: string): PolicyDocument {
  const found = set.policies.find((p) => p.name === name);
  assert.ok(found, `no ${name} policy in ${set.policies.map((p) => p.name).join(', ')}`);
  return found.document;
}

/** Each recorded (action, resource) the policy set does not allow, in words. */
function refused(seen: readonly Seen[], fixture: ReplicationFixture, set: PrintedSet): string[] {
  const problems: string[] = [];
  for (const request of seen) {
    const arn = policyArn(request, fixture, set);
    const what = `${request.action} on ${request.resource} (${request.operation} via the ${request.via} endpoint)`;
    if (arn === undefined) {
      problems.push(`${what}: a resource the policy does not name`);
      continue;
    }
    const identity =
      set.setup === 'role' && request.via === 'destination' ? 'destination-role' : 'replicator';
    if (!policyAllows(documentNamed(set, identity), request.action, arn)) {
      problems.push(`${what}: not allowed by ${identity} on ${arn}`);
    }
    // The lease side's tables (lease, spool) are the replicator's own, not the source owner's.
    const own = [set.resources.leaseTable, set.resources.spoolTable];
    if (set.setup !== 'resource-policy' || request.via !== 'source' || own.includes(arn)) continue;
    const onStream = arn.includes('/stream/');
    const name = onStream ? 'source-stream-resource-policy' : 'source-table-resource-policy';
    const document = documentNamed(set, name);
    const principal = [document.Statement[0]?.Principal?.AWS ?? []].flat()[0];
    if (!policyAllows(document, request.action, arn, principal)) {
      problems.push(`${what}: not allowed by ${name} for ${principal ?? '?'} on ${arn}`);
    }
  }
  return problems;
}

function distinct(seen: readonly Seen[]): Seen[] {
  const byKey = new Map(seen.map((s) => [`${s.via} ${s.action} ${s.resource}`, s]));
  return [...byKey.values()];
}

test('the printed policies allow every action replicate --bootstrap, verify --repair and status call', async (t) => {
  const fixture = await createFixture({ prefix: 'pol' });
  cleanups.push(() => fixture.cleanup());
  const sourceProxy = await OperationRecorder.start(sourceEndpoint());
  const destProxy = await OperationRecorder.start(destEndpoint());
  cleanups.push(
    () => sourceProxy.close(),
    () => destProxy.close(),
  );
  const endpoints = { source: sourceProxy.endpoint, destination: destProxy.endpoint };

  await writeBacklog(fixture.source, fixture.sourceTable, 60);
  const viaProxies: ReplicationFixture = {
    ...fixture,
    args: (extra = []) => through(fixture.args(extra), sourceProxy, destProxy),
  };
  // Past the copy into replication (a change made after it arrives), then a clean stop (presence deleted). A
  // spool-mode copy: it calls what a direct one does, and the spool table's actions (created, written, scanned,
  // read again, deleted) and the control item's reads.
  const worker = new ReplicatorProcess(
    viaProxies.args(['--bootstrap', '--copy-mode', 'spool', '--segments', '2', '--failover-ms', '3000']),
  );
  try {
    await worker.waitForLog('lease taken');
    await fixture.source.send(
      new PutItemCommand({ TableName: fixture.sourceTable, Item: { pk: { S: 'after-copy' } } }),
    );
    await worker.waitForLog('spool table deleted', { timeoutMs: 60_000 });
    await convergedWhileRunning(fixture, worker);
    const exit = await worker.stop();
    assert.equal(exit.code, 0, worker.describe());
    assert.deepEqual(worker.errors(), [], worker.describe());
  } finally {
    await worker.kill();
  }

  await plantDifferences(fixture);
  const verify = await runUntilExit([
    'verify',
    ...tableArgs(fixture, endpoints),
    '--repair',
    '--segments',
    '2',
    '--recheck-delay-ms',
    '20',
    '--recheck-rounds',
    '1',
  ]);
  assert.equal(verify.code, 0, verify.worker.describe());
  await assertTablesConverge(fixture, 10_000);

  const status = await runUntilExit([
    'status',
    '--task-name',
    fixture.taskName,
    '--lease-region',
    SOURCE_REGION,
    '--lease-endpoint',
    sourceProxy.endpoint,
    '--json',
  ]);
  assert.equal(status.code, 0, status.worker.describe());

  const seen = distinct([
    ...sourceProxy.permissions.map((p): Seen => ({ ...p, via: 'source' })),
    ...destProxy.permissions.map((p): Seen => ({ ...p, via: 'destination' })),
  ]);
  const actions = new Set(seen.map((s) => s.action));
  // The runs did what the test means to cover (else a policy would pass for lack of requests).
  for (const action of [
    'dynamodb:GetRecords',
    'dynamodb:ConditionCheckItem',
    'dynamodb:CreateTable',
    'dynamodb:DeleteItem',
    'dynamodb:BatchGetItem',
    'dynamodb:BatchWriteItem',
    'dynamodb:Scan',
    'dynamodb:GetItem',
    'dynamodb:DeleteTable',
  ]) {
    assert.ok(actions.has(action), `no ${action} was recorded: ${[...actions].join(', ')}`);
  }
  t.diagnostic(
    `recorded: ${seen
      .map((s) => `${s.via}:${s.action}`)
      .sort()
      .join(' ')}`,
  );

  // The role setup, with the account of the credentials from GetCallerIdentity (a stand-in for STS).
  const sts = await StsStandIn.start({
    roles: [],
    callers: [
      {
        accessKeyId: LOCAL_CREDENTIALS.accessKeyId,
        account: SOURCE_ACCOUNT,
        arn: `arn:aws:sts::${SOURCE_ACCOUNT}:assumed-role/ops/tester`,
      },
    ],
  });
  cleanups.push(() => sts.close());
  const common = [
    ...tableArgs(fixture, endpoints),
    '--task-name',
    fixture.taskName,
    '--bootstrap',
    '--verify',
  ];
  const roleSet = await printPolicy(
    [...common, '--dest-role-arn', DEST_ROLE, '--dest-external-id', 'ext-123'],
    { AWS_ENDPOINT_URL_STS: sts.endpoint },
  );
  assert.ok(
    sts.calls.some((c) => c.action === 'GetCallerIdentity' && c.status === 200),
    'looked up',
  );
  assert.equal(roleSet.resources.sourceTable.split(':')[4], SOURCE_ACCOUNT);
  const trust = documentNamed(roleSet, 'destination-role-trust').Statement[0];
  assert.equal(trust?.Principal?.AWS, `arn:aws:iam::${SOURCE_ACCOUNT}:role/ops`);
  assert.deepEqual(trust?.Condition, { StringEquals: { 'sts:ExternalId': 'ext-123' } });
  assert.deepEqual(refused(seen, fixture, roleSet), []);

  // The resource-policy setup: the stream's resource policy names the current stream exactly.
  const described = await fixture.source.send(new DescribeTableCommand({ TableName: fixture.sourceTable }));
  const localStream = described.Table?.LatestStreamArn ?? '';
  assert.ok(localStream.startsWith(LOCAL_ARN_PREFIX), localStream);
  const streamArn = `arn:aws:dynamodb:${SOURCE_REGION}:${SOURCE_ACCOUNT}:${localStream.slice(LOCAL_ARN_PREFIX.length)}`;
  const resourceSet = await printPolicy([
    ...common,
    '--setup',
    'resource-policy',
    '--no-lookup',
    '--source-account',
    SOURCE_ACCOUNT,
    '--dest-account',
    DEST_ACCOUNT,
    '--source-stream-arn',
    streamArn,
  ]);
  assert.equal(
    resourceSet.resources.leaseTable.split(':')[4],
    DEST_ACCOUNT,
    'the lease table is the replicator’s',
  );
  assert.deepEqual(refused(seen, fixture, resourceSet), []);

  const granted = new Set(
    roleSet.policies
      .filter((p) => p.kind === 'identity')
      .flatMap((p) => p.document.Statement.flatMap((s) => s.Action)),
  );
  const unused = [...granted].filter((a) => a.startsWith('dynamodb:') && !actions.has(a));
  t.diagnostic(`granted but not called in these runs: ${unused.join(', ') || 'none'}`);
});

/** What a request named on DynamoDB Local, as the ARN of the account and region the policy was printed for. */
function printedArn(seen: Seen): string {
  if (seen.resource === '*') return '*';
  const [region, account] =
    seen.via === 'source' ? [SOURCE_REGION, SOURCE_ACCOUNT] : [DEST_REGION, DEST_ACCOUNT];
  const name = seen.resource.startsWith(LOCAL_ARN_PREFIX)
    ? seen.resource.slice(LOCAL_ARN_PREFIX.length)
    : `table/${seen.resource}`;
  return `arn:aws:dynamodb:${region}:${account}:${name}`;
}

function someItems(count: number, tag: string): Item[] {
  return Array.from({ length: count }, (_, i) => ({ pk: { S: `${tag}-${i}` }, v: { N: String(i) } }));
}

test('the policies policy --plan prints beforehand allow every action replicate, verify and status --plan call, on a table created later too', async (t) => {
  const P = uniqueName('polp');
  const key: TableKey = { hash: { name: 'pk', type: 'S' } };
  const named = `${P}-orders`;
  const [g1, g2, late] = [`${P}-g-1`, `${P}-g-2`, `${P}-g-3`];
  const source = sourceClient();
  const destination = destClient();
  const dir = mkdtempSync(join(tmpdir(), 'policy-plan-'));
  cleanups.push(async () => {
    await Promise.all([
      ...[named, g1, g2, late].map((table) => deleteTableIfExists(source, table)),
      ...[`${named}-dr`, `${g1}-copy`, `${g2}-copy`, `${late}-copy`].map((table) =>
        deleteTableIfExists(destination, table),
      ),
    ]);
    source.destroy();
    destination.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  await Promise.all([
    createTable(source, named, key, 'NEW_AND_OLD_IMAGES'),
    createTable(destination, `${named}-dr`, key),
    createTable(source, g1, key, 'NEW_AND_OLD_IMAGES'),
    // No stream: the entry's enableStream turns it on (UpdateTable); its items before that only a repair copies.
    createTable(source, g2, key),
  ]);
  await Promise.all([named, g1, g2].map((table) => putItems(source, table, someItems(8, 'before'))));
  // A time to live on a glob's source: createTable gives it to the new destination (UpdateTimeToLive there).
  await source.send(
    new UpdateTimeToLiveCommand({
      TableName: g1,
      TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' },
    }),
  );
  const sourceProxy = await OperationRecorder.start(sourceEndpoint());
  const destProxy = await OperationRecorder.start(destEndpoint());
  cleanups.push(
    () => sourceProxy.close(),
    () => destProxy.close(),
  );
  const planFile = (name: string, destination: string): string => {
    const file = join(dir, name);
    writeFileSync(
      file,
      [
        'defaults:',
        `  source: { region: ${SOURCE_REGION}, endpoint: "${sourceProxy.endpoint}" }`,
        `  destination: { region: ${DEST_REGION}, endpoint: "${destProxy.endpoint}"${destination} }`,
        'replications:',
        `  - source: { table: ${named} }`,
        '    destination: { table: "{name}-dr" }',
        '    bootstrap: true',
        `  - source: { table: "${P}-g-*" }`,
        '    destination: { table: "{name}-copy", createTable: true }',
        '    enableStream: true',
        '',
      ].join('\n'),
    );
    return file;
  };
  const plan = planFile('plan.yaml', '');
  // Printed before anything runs and before the late table exists: the policy does not depend on today's tables.
  // The runs use the local credentials throughout; the role is the policy's view of the destination side.
  const printed = await printPolicy<Pick<PrintedSet, 'policies'>>([
    '--plan',
    planFile('plan-role.yaml', `, roleArn: "${DEST_ROLE}", externalId: ext-123`),
    '--verify',
    '--no-lookup',
    '--source-account',
    SOURCE_ACCOUNT,
    '--dest-account',
    DEST_ACCOUNT,
  ]);

  const worker = new ReplicatorProcess([
    'replicate',
    '--plan',
    plan,
    '--failover-ms',
    '3000',
    '--plan-refresh-interval-ms',
    '1000',
    '--progress-interval-ms',
    '2000',
  ]);
  const pair = (sourceTable: string, destTable: string): ReplicationFixture =>
    fixtureOf({
      source,
      destination,
      sourceTable,
      destTable,
      taskName: defaultTaskName(SOURCE_REGION, sourceTable, DEST_REGION, destTable),
      key,
      cleanup: () => Promise.resolve(),
    });
  const exists = (table: string) =>
    waitFor(
      `destination ${table}`,
      async () =>
        (await destination.send(new DescribeTableCommand({ TableName: table })).catch(() => undefined))?.Table
          ?.TableStatus === 'ACTIVE',
      { timeoutMs: 60_000 },
    );
  try {
    await worker.waitForLog(`replications[1] (source ${g2}, selected by ${P}-g-*): source stream enabled`, {
      timeoutMs: 60_000,
    });
    await putItems(source, g2, someItems(4, 'after'));
    await createTable(source, late, key, 'NEW_AND_OLD_IMAGES');
    await putItems(source, late, someItems(6, 'late'));
    await exists(`${late}-copy`);
    await convergedWhileRunning(pair(named, `${named}-dr`), worker);
    await convergedWhileRunning(pair(g1, `${g1}-copy`), worker);
    await convergedWhileRunning(pair(late, `${late}-copy`), worker);
    const exit = await worker.stop();
    assert.equal(exit.code, 0, worker.describe());
    assert.deepEqual(worker.errors(), [], worker.describe());
  } finally {
    await worker.kill();
  }
  const verify = await runUntilExit(
    ['verify', '--plan', plan, '--repair', '--recheck-delay-ms', '20'],
    60_000,
  );
  assert.equal(verify.code, 0, `${verify.worker.stdout}\n${verify.worker.describe()}`);
  await assertTablesConverge(pair(g2, `${g2}-copy`), 10_000);
  const status = await runUntilExit(['status', '--plan', plan, '--json']);
  assert.equal(status.code, 0, status.worker.describe());

  const seen = distinct([
    ...sourceProxy.permissions.map((p): Seen => ({ ...p, via: 'source' })),
    ...destProxy.permissions.map((p): Seen => ({ ...p, via: 'destination' })),
  ]);
  const actions = new Set(seen.map((s) => `${s.via}:${s.action}`));
  // The runs did what the test means to cover (else a policy would pass for lack of requests).
  for (const action of [
    'source:dynamodb:ListTables',
    'source:dynamodb:UpdateTable',
    'source:dynamodb:DescribeTimeToLive',
    'source:dynamodb:GetRecords',
    'source:dynamodb:ConditionCheckItem',
    'source:dynamodb:CreateTable',
    'source:dynamodb:DeleteItem',
    'destination:dynamodb:CreateTable',
    'destination:dynamodb:UpdateTimeToLive',
    'destination:dynamodb:DescribeTimeToLive',
    'destination:dynamodb:BatchWriteItem',
    'destination:dynamodb:BatchGetItem',
    'destination:dynamodb:Scan',
  ]) {
    assert.ok(actions.has(action), `no ${action} was recorded: ${[...actions].sort().join(', ')}`);
  }
  assert.ok(
    seen.some((s) => s.via === 'source' && s.action === 'dynamodb:GetRecords' && s.resource.includes(late)),
    'the late table was replicated',
  );
  t.diagnostic(`recorded: ${[...actions].sort().join(' ')}`);

  const problems: string[] = [];
  for (const request of seen) {
    const arn = printedArn(request);
    const identity = request.via === 'destination' ? 'destination-role' : 'replicator';
    if (!policyAllows(documentNamed(printed, identity), request.action, arn)) {
      problems.push(
        `${request.action} on ${arn} (${request.operation} via the ${request.via} endpoint): not allowed by ${identity}`,
      );
    }
  }
  assert.deepEqual(problems, []);
});

const THROWS = fileURLToPath(new URL('../../../tests/fixtures/transforms/throws.mjs', import.meta.url));

test('policy --on-reject dead-letter allows what a dead-lettering worker, dead-letters list|replay|purge and status call; without it nothing on the dead-letter table', async (t) => {
  const fixture = await createFixture({ prefix: 'pold' });
  const deadLetters = deadLetterTableName(leaseTableName(fixture.taskName));
  cleanups.push(async () => {
    await deleteTableIfExists(fixture.source, deadLetters);
    await fixture.cleanup();
  });
  // The destination's index types `group` as S: an item carrying it as N is refused; the transform throws on `bad`.
  await replaceWithIndexedTable(fixture.destination, fixture.destTable, 'by-group', 'group');
  const sourceProxy = await OperationRecorder.start(sourceEndpoint());
  const destProxy = await OperationRecorder.start(destEndpoint());
  cleanups.push(
    () => sourceProxy.close(),
    () => destProxy.close(),
  );
  const endpoints = { source: sourceProxy.endpoint, destination: destProxy.endpoint };
  const args = (extra: readonly string[]) =>
    through(
      fixture.args(['--on-reject', 'dead-letter', '--transform', THROWS, ...extra]),
      sourceProxy,
      destProxy,
    );
  await putItems(fixture.source, fixture.sourceTable, [
    ...someItems(6, 'good'),
    { pk: { S: 'refused' }, group: { N: '1' } },
    { pk: { S: 'throws' }, bad: { BOOL: true } },
  ]);

  const worker = new ReplicatorProcess(args(['--failover-ms', '3000']));
  try {
    await waitFor(
      'the good items written, the refused and the throwing one dead-lettered',
      async () => {
        assert.equal(worker.child.exitCode, null, worker.describe());
        const [letters, written] = await Promise.all([
          scanAll(fixture.source, deadLetters).catch(() => []),
          scanAll(fixture.destination, fixture.destTable),
        ]);
        return letters.length === 2 && written.length === 6 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const exit = await worker.stop();
    assert.equal(exit.code, 0, worker.describe());
  } finally {
    await worker.kill();
  }
  const command = (action: string) => ['dead-letters', action, ...args([]).slice(1)];
  const list = await runUntilExit(command('list'));
  assert.equal(list.code, 0, list.worker.describe());
  assert.match(list.worker.stdout, /2 dead letters in /);
  // The fix for the refusal; the transform still throws: one replayed (written, deleted), one still refused.
  await dropIndex(fixture.destination, fixture.destTable, 'by-group');
  const replay = await runUntilExit(command('replay'), 60_000);
  assert.equal(replay.code, EXIT_FAILED, `${replay.worker.stdout}\n${replay.worker.describe()}`);
  assert.match(replay.worker.stdout, /replayed 1 dead letters/);
  const purge = await runUntilExit(command('purge'));
  assert.equal(purge.code, 0, purge.worker.describe());
  assert.match(purge.worker.stdout, /purged 1 dead letters/);
  const status = await runUntilExit([
    'status',
    ...['--task-name', fixture.taskName, '--lease-region', SOURCE_REGION],
    ...['--lease-endpoint', sourceProxy.endpoint, '--on-reject', 'dead-letter', '--json'],
  ]);
  assert.equal(status.code, 0, status.worker.describe());
  assert.equal((JSON.parse(status.worker.stdout) as { deadLetters?: number }).deadLetters, 0);

  const seen = distinct([
    ...sourceProxy.permissions.map((p): Seen => ({ ...p, via: 'source' })),
    ...destProxy.permissions.map((p): Seen => ({ ...p, via: 'destination' })),
  ]);
  const onDeadLetters = new Set(seen.filter((s) => s.resource.endsWith(deadLetters)).map((s) => s.action));
  // The runs did what the test means to cover (else a policy would pass for lack of requests).
  for (const action of [
    'dynamodb:CreateTable',
    'dynamodb:DescribeTable',
    'dynamodb:PutItem',
    'dynamodb:Query',
    'dynamodb:Scan',
    'dynamodb:DeleteItem',
  ]) {
    assert.ok(
      onDeadLetters.has(action),
      `no ${action} on the dead-letter table: ${[...onDeadLetters].join(', ')}`,
    );
  }
  t.diagnostic(
    `recorded: ${seen
      .map((s) => `${s.via}:${s.action}${s.resource.endsWith(deadLetters) ? '(dead letters)' : ''}`)
      .sort()
      .join(' ')}`,
  );

  const common = [
    ...tableArgs(fixture, endpoints),
    '--task-name',
    fixture.taskName,
    '--no-lookup',
    '--source-account',
    SOURCE_ACCOUNT,
    '--dest-account',
    DEST_ACCOUNT,
    '--dest-role-arn',
    DEST_ROLE,
  ];
  const withDeadLetters = await printPolicy([...common, '--on-reject', 'dead-letter']);
  assert.equal(
    withDeadLetters.resources.deadLetterTable,
    `arn:aws:dynamodb:${SOURCE_REGION}:${SOURCE_ACCOUNT}:table/${deadLetters}`,
  );
  assert.deepEqual(refused(seen, fixture, withDeadLetters), []);

  // Without --on-reject dead-letter: the same runs are refused on the dead-letter table, and only there.
  const without = await printPolicy(common);
  assert.equal(without.resources.deadLetterTable, undefined);
  const problems = refused(seen, fixture, without);
  assert.ok(problems.length > 0);
  assert.deepEqual(
    problems.filter((p) => !p.includes(deadLetters)),
    [],
    'everything else is allowed',
  );
  const deadLetterArn = deadLetterTableName(without.resources.leaseTable);
  assert.equal(deadLetterArn, withDeadLetters.resources.deadLetterTable);
  for (const policy of without.policies) {
    for (const action of onDeadLetters) {
      assert.ok(!policyAllows(policy.document, action, deadLetterArn), `${policy.name} allows ${action}`);
    }
  }

  // --dead-letter-table names the table the policy grants, in the lease table's region and account.
  const named = await printPolicy([
    ...common,
    '--on-reject',
    'dead-letter',
    '--dead-letter-table',
    'refused-orders',
  ]);
  assert.equal(
    named.resources.deadLetterTable,
    `arn:aws:dynamodb:${SOURCE_REGION}:${SOURCE_ACCOUNT}:table/refused-orders`,
  );
  const replicator = documentNamed(named, 'replicator');
  assert.ok(policyAllows(replicator, 'dynamodb:PutItem', named.resources.deadLetterTable ?? ''));
  assert.ok(!policyAllows(replicator, 'dynamodb:PutItem', deadLetterArn));
});

test('a fan-out: policy --plan allows what replicate, verify and status --plan call on every destination, each to its own role', async (t) => {
  const P = uniqueName('polf');
  const key: TableKey = { hash: { name: 'pk', type: 'S' } };
  const [sourceTable, first, second] = [`${P}-src`, `${P}-a`, `${P}-b`];
  const OTHER_ROLE = `arn:aws:iam::${DEST_ACCOUNT}:role/writer-b`;
  const source = sourceClient();
  const destination = destClient();
  const dir = mkdtempSync(join(tmpdir(), 'policy-fan-out-'));
  cleanups.push(async () => {
    await Promise.all([
      deleteTableIfExists(source, sourceTable),
      deleteTableIfExists(destination, first),
      deleteTableIfExists(destination, second),
    ]);
    source.destroy();
    destination.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  await Promise.all([
    createTable(source, sourceTable, key, 'NEW_AND_OLD_IMAGES'),
    createTable(destination, first, key),
  ]);
  const withSecret = (items: Item[]): Item[] => items.map((i) => ({ ...i, secret: { S: 'x' } }));
  await putItems(source, sourceTable, withSecret(someItems(8, 'before')));
  const sourceProxy = await OperationRecorder.start(sourceEndpoint());
  const destProxy = await OperationRecorder.start(destEndpoint());
  cleanups.push(
    () => sourceProxy.close(),
    () => destProxy.close(),
  );
  // The second destination is created by the task and written without `secret`: verify must use its own rules.
  const planFile = (name: string, roles: boolean): string => {
    const file = join(dir, name);
    const role = (arn: string) => (roles ? { roleArn: arn } : {});
    writeFileSync(
      file,
      JSON.stringify({
        defaults: {
          source: { region: SOURCE_REGION, endpoint: sourceProxy.endpoint },
          destination: { region: DEST_REGION, endpoint: destProxy.endpoint, ...role(DEST_ROLE) },
        },
        replications: [
          {
            source: { table: sourceTable },
            bootstrap: true,
            destinations: [
              { table: first },
              { table: second, createTable: true, excludeAttributes: ['secret'], ...role(OTHER_ROLE) },
            ],
          },
        ],
      }),
    );
    return file;
  };
  const plan = planFile('plan.json', false);
  const printed = await printPolicy<
    Pick<PrintedSet, 'policies'> & { tasks: { resources: { fanOutTables?: string[] } }[] }
  >([
    '--plan',
    planFile('plan-roles.json', true),
    '--verify',
    '--no-lookup',
    '--source-account',
    SOURCE_ACCOUNT,
    '--dest-account',
    DEST_ACCOUNT,
  ]);
  const secondArn = `arn:aws:dynamodb:${DEST_REGION}:${DEST_ACCOUNT}:table/${second}`;
  const firstArn = `arn:aws:dynamodb:${DEST_REGION}:${DEST_ACCOUNT}:table/${first}`;
  assert.deepEqual(printed.tasks[0]?.resources.fanOutTables, [secondArn]);

  const holds = async (): Promise<string> => {
    const want = (await scanAll(source, sourceTable)).map((i) => {
      const rest = { ...i };
      delete rest.secret;
      return JSON.stringify(Object.entries(rest).sort());
    });
    const have = (await scanAll(destination, second).catch(() => [])).map((i) =>
      JSON.stringify(Object.entries(i).sort()),
    );
    return JSON.stringify(want.sort()) === JSON.stringify(have.sort()) ? `${have.length}` : 'no';
  };
  const worker = new ReplicatorProcess([
    'replicate',
    ...['--plan', plan, '--failover-ms', '3000', '--progress-interval-ms', '2000'],
  ]);
  try {
    await worker.waitForLog('bootstrap copy done', { timeoutMs: 60_000 });
    await putItems(source, sourceTable, withSecret(someItems(4, 'after')));
    await convergedWhileRunning(
      fixtureOf({
        source,
        destination,
        sourceTable,
        destTable: first,
        taskName: 'unused',
        key,
        cleanup: () => Promise.resolve(),
      }),
      worker,
    );
    await waitFor('the second destination without secret', async () => {
      assert.equal(worker.child.exitCode, null, worker.describe());
      return (await holds()) === '12' ? true : undefined;
    });
    const exit = await worker.stop();
    assert.equal(exit.code, 0, worker.describe());
    assert.deepEqual(worker.errors(), [], worker.describe());
  } finally {
    await worker.kill();
  }

  const verifyPlan = (extra: readonly string[] = []) =>
    runUntilExit(
      ['verify', '--plan', plan, '--recheck-delay-ms', '20', '--recheck-rounds', '1', ...extra],
      60_000,
    );
  const equal = await verifyPlan();
  assert.equal(equal.code, 0, `${equal.worker.stdout}\n${equal.worker.describe()}`);
  assert.match(equal.worker.stdout, new RegExp(`/${first} +12 +0 +0 +0 +equal`));
  assert.match(equal.worker.stdout, new RegExp(`/${second} +12 +0 +0 +0 +equal`));
  // A difference in the second destination alone: its line says so, the first's does not, and the exit code fails.
  await destination.send(new DeleteItemCommand({ TableName: second, Key: { pk: { S: 'before-1' } } }));
  const differs = await verifyPlan();
  assert.equal(differs.code, EXIT_FAILED, `${differs.worker.stdout}\n${differs.worker.describe()}`);
  assert.match(differs.worker.stdout, new RegExp(`/${first} +12 +0 +0 +0 +equal`));
  assert.match(differs.worker.stdout, new RegExp(`/${second} +12 +1 +0 +0 +DIFFERENT`));
  const repaired = await verifyPlan(['--repair']);
  assert.equal(repaired.code, 0, `${repaired.worker.stdout}\n${repaired.worker.describe()}`);
  assert.equal(await holds(), '12', 'the repair wrote the item as the rules make it');
  const status = await runUntilExit(['status', '--plan', plan, '--json']);
  assert.equal(status.code, 0, status.worker.describe());
  const statusJson = JSON.parse(status.worker.stdout) as { tasks: { fanOut?: { table: string }[] }[] };
  assert.deepEqual(
    statusJson.tasks[0]?.fanOut?.map((d) => d.table),
    [second],
  );

  const seen = distinct([
    ...sourceProxy.permissions.map((p): Seen => ({ ...p, via: 'source' })),
    ...destProxy.permissions.map((p): Seen => ({ ...p, via: 'destination' })),
  ]);
  const onSecond = new Set(
    seen.filter((s) => s.resource.endsWith(`/${second}`) || s.resource === second).map((s) => s.action),
  );
  // The runs did what the test means to cover on the further destination (else a policy would pass for lack of requests).
  for (const action of [
    'dynamodb:CreateTable',
    'dynamodb:DescribeTable',
    'dynamodb:BatchWriteItem',
    'dynamodb:Scan',
  ]) {
    assert.ok(onSecond.has(action), `no ${action} on ${second}: ${[...onSecond].sort().join(', ')}`);
  }
  t.diagnostic(
    `recorded: ${seen
      .map((s) => `${s.via}:${s.action}:${s.resource}`)
      .sort()
      .join(' ')}`,
  );
  const attachedTo = (role: string): PolicyDocument => {
    const found = printed.policies.find(
      (p) => p.kind === 'identity' && (p as { attachTo?: string }).attachTo === `role ${role}`,
    );
    assert.ok(found, `no identity policy for ${role}`);
    return found.document;
  };
  const problems: string[] = [];
  for (const request of seen) {
    const arn = printedArn(request);
    const identity =
      request.via === 'source'
        ? documentNamed(printed, 'replicator')
        : attachedTo(arn === secondArn ? OTHER_ROLE : DEST_ROLE);
    if (!policyAllows(identity, request.action, arn)) {
      problems.push(`${request.action} on ${arn} (${request.operation} via the ${request.via} endpoint)`);
    }
  }
  assert.deepEqual(problems, []);
  // Each role writes its own destination only.
  assert.ok(!policyAllows(attachedTo(DEST_ROLE), 'dynamodb:BatchWriteItem', secondArn));
  assert.ok(!policyAllows(attachedTo(OTHER_ROLE), 'dynamodb:BatchWriteItem', firstArn));
});

interface TwoWayPrinted {
  readonly policies: { name: string; kind: string; attachTo?: string; document: PolicyDocument }[];
}

/**
 * A two-way pair run through recording proxies as the policy must cover it: `replicate` (the given command, with
 * its status page) until a key written on both sides before the run is a conflict the page counts and a delete on
 * B reached A, then each of `after` (status, conflicts list, verify); the distinct requests each side saw.
 */
async function twoWayRequests(
  t: TestContext,
  pair: TwoWayPair,
  proxies: Record<'a' | 'b', OperationRecorder>,
  replicate: readonly string[],
  after: readonly (readonly string[])[],
): Promise<Seen[]> {
  const { a, b, tableA, tableB } = pair;
  await a.send(new PutItemCommand({ TableName: tableA, Item: { pk: { S: 'both' }, v: { S: 'A' } } }));
  await b.send(new PutItemCommand({ TableName: tableB, Item: { pk: { S: 'both' }, v: { S: 'B' } } }));
  await a.send(new PutItemCommand({ TableName: tableA, Item: { pk: { S: 'only-a' } } }));
  const worker = pair.start([
    ...replicate,
    ...['--failover-ms', '3000', '--metrics-port', '0', '--metrics-host', '127.0.0.1'],
  ]);
  const url = String((await worker.waitForLog('status page')).url);
  const same = async (): Promise<boolean> => {
    const [onA, onB] = await Promise.all([pair.itemsByKey('a'), pair.itemsByKey('b')]);
    const text = (items: Map<string, Item>): string =>
      [...items.values()].map(canonicalItem).sort().join('\n');
    return onA.size === 2 && text(onA) === text(onB);
  };
  await waitFor('both sides equal', same, { timeoutMs: 30_000 });
  // A delete on B reaches A (tombstones on both sides).
  await b.send(new DeleteItemCommand({ TableName: tableB, Key: { pk: { S: 'only-a' } } }));
  await waitFor('the delete to reach A', async () => !(await pair.itemsByKey('a')).has('only-a'));
  await waitFor('the page to count a conflict', async () => {
    const body = (await (await fetch(new URL('status.json', url))).json()) as {
      tasks: { twoWay?: { conflicts?: { count: number } } }[];
    };
    return body.tasks.some((task) => (task.twoWay?.conflicts?.count ?? 0) > 0);
  });
  assert.equal((await worker.stop()).code, 0, worker.describe());
  for (const args of after) {
    const run = await runUntilExit(args);
    assert.equal(run.code, 0, `${run.worker.stdout}\n${run.worker.describe()}`);
  }

  const seen = distinct([
    ...proxies.a.permissions.map((p): Seen => ({ ...p, via: 'source' })),
    ...proxies.b.permissions.map((p): Seen => ({ ...p, via: 'destination' })),
  ]);
  const actions = new Set(seen.map((s) => s.action));
  // The runs did what the test means to cover (else a policy would pass for lack of requests).
  for (const action of [
    'dynamodb:GetRecords',
    'dynamodb:ConditionCheckItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:CreateTable',
    'dynamodb:UpdateTimeToLive',
    'dynamodb:Scan',
  ]) {
    assert.ok(actions.has(action), `no ${action} was recorded: ${[...actions].join(', ')}`);
  }
  const conflictScans = seen.filter((s) => s.action === 'dynamodb:Scan' && s.resource.endsWith('-conflicts'));
  assert.ok(conflictScans.length > 0, 'the conflict logs were read');
  t.diagnostic(
    `recorded: ${seen
      .map((s) => `${s.via}:${s.action}`)
      .sort()
      .join(' ')}`,
  );
  return seen;
}

/**
 * Each request a side's identity is not allowed, or the other side's is: side A acts with the credentials at hand
 * (the `replicator` policy), side B through DEST_ROLE.
 */
function twoWayRefused(seen: readonly Seen[], printed: TwoWayPrinted): string[] {
  const ofA = documentNamed(printed, 'replicator');
  const ofB = printed.policies.find((p) => p.kind === 'identity' && p.attachTo === `role ${DEST_ROLE}`);
  assert.ok(ofB, `no identity policy for ${DEST_ROLE}: ${printed.policies.map((p) => p.name).join(', ')}`);
  const problems: string[] = [];
  for (const request of seen) {
    const arn = printedArn(request);
    const [identity, other] = request.via === 'source' ? [ofA, ofB.document] : [ofB.document, ofA];
    const what = `${request.action} on ${arn} (${request.operation} via side ${request.via === 'source' ? 'A' : 'B'})`;
    if (!policyAllows(identity, request.action, arn)) problems.push(`${what}: not allowed`);
    // Each side's identity acts on its own side only.
    if (policyAllows(other, request.action, arn))
      problems.push(`${what}: allowed to the other side's identity`);
  }
  return problems;
}

/** Both sides' recording proxies, closed at the end. */
async function pairProxies(): Promise<Record<'a' | 'b', OperationRecorder>> {
  const proxies = {
    a: await OperationRecorder.start(sourceEndpoint()),
    b: await OperationRecorder.start(destEndpoint()),
  };
  cleanups.push(
    () => proxies.a.close(),
    () => proxies.b.close(),
  );
  return proxies;
}

const ACCOUNTS = ['--no-lookup', '--source-account', SOURCE_ACCOUNT, '--dest-account', DEST_ACCOUNT];

test('two-way: policy --two-way allows what replicate --two-way (with its status page), status --two-way, conflicts list and verify --two-way call, each side to its own identity', async (t) => {
  const pair = new TwoWayPair('polt');
  cleanups.push(() => pair.cleanup());
  await pair.createTables();
  const proxies = await pairProxies();
  const flags = pair.flags({ a: proxies.a.endpoint, b: proxies.b.endpoint });
  const seen = await twoWayRequests(
    t,
    pair,
    proxies,
    ['replicate', '--two-way', ...flags],
    [
      ['status', '--two-way', ...flags],
      ['conflicts', 'list', ...flags],
      ['verify', '--two-way', ...flags, '--recheck-delay-ms', '20', '--recheck-rounds', '1'],
    ],
  );
  // Side A with the credentials at hand, side B through a role in B's account.
  const printed = await printPolicy<TwoWayPrinted>([
    ...['--two-way', ...flags, ...ACCOUNTS],
    ...['--dest-role-arn', DEST_ROLE, '--verify'],
  ]);
  assert.deepEqual(twoWayRefused(seen, printed), []);
});

test('a two-way plan entry: policy --plan allows what replicate --plan (with its status page), status --plan, conflicts list and verify --plan --repair call, each side to its own identity', async (t) => {
  const pair = new TwoWayPair('polq');
  const dir = mkdtempSync(join(tmpdir(), 'policy-two-way-plan-'));
  cleanups.push(async () => {
    await pair.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  await pair.createTables();
  const proxies = await pairProxies();
  // The policy's plan names side B's role; the runs' plan is the same without it (DynamoDB Local has no STS).
  const planFile = (name: string, role: boolean): string => {
    const file = join(dir, name);
    writeFileSync(
      file,
      JSON.stringify({
        defaults: {
          source: { region: SOURCE_REGION, endpoint: proxies.a.endpoint },
          destination: {
            region: DEST_REGION,
            endpoint: proxies.b.endpoint,
            ...(role ? { roleArn: DEST_ROLE } : {}),
          },
        },
        replications: [
          {
            source: { table: pair.tableA },
            destination: { table: pair.tableB },
            mode: 'two-way',
            taskName: pair.task,
          },
        ],
      }),
    );
    return file;
  };
  const plan = planFile('plan.json', false);
  const flags = pair.flags({ a: proxies.a.endpoint, b: proxies.b.endpoint });
  const seen = await twoWayRequests(
    t,
    pair,
    proxies,
    ['replicate', '--plan', plan],
    [
      ['status', '--plan', plan],
      ['conflicts', 'list', ...flags],
      ['verify', '--plan', plan, '--repair', '--recheck-delay-ms', '20', '--recheck-rounds', '1'],
    ],
  );
  const printed = await printPolicy<TwoWayPrinted>([
    ...['--plan', planFile('plan-role.json', true), ...ACCOUNTS, '--verify'],
  ]);
  assert.deepEqual(twoWayRefused(seen, printed), []);
});
