// dynamodb-local: shared
// Across accounts with credentials per side. DynamoDB Local keeps one database per access key, so two "accounts"
// are two access keys: the source table lives under one, the destination under another, and a side that uses the
// wrong credentials does not find its table. Profiles come from temporary shared config and credentials files
// (the environment holds no keys); roles are assumed through a stand-in for STS (sts-stand-in.ts) that checks the
// role ARN, the caller and the external id, and issues credentials whose access key selects the destination's
// database. They live five minutes and four seconds, so the SDK (which refreshes five minutes before the end)
// refreshes them every few seconds of a run.
import { DynamoDBClient, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { roleSessionName } from '../../src/config/credential-source.js';
import { createTable, deleteTableIfExists } from '../../src/local/local-tables.js';
import { FaultProxy } from '../support/fault-proxy.js';
import {
  DEST_REGION,
  SOURCE_REGION,
  destEndpoint,
  sourceClient,
  sourceEndpoint,
  uniqueName,
} from '../support/local-env.js';
import { assertTablesConverge, fixtureOf, type ReplicationFixture } from '../support/replication-fixture.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import { StsStandIn } from '../support/sts-stand-in.js';
import { waitFor } from '../support/wait-for.js';
import { writeBacklog } from '../support/workload.js';

const ROLE = 'arn:aws:iam::222222222222:role/replicator';
const EXTERNAL_ID = 'ext-1234';
/** The destination account's database on the destination instance (DynamoDB Local takes letters and digits). */
const DEST_ACCOUNT_KEY = 'destaccount';
/** The identity in the source account that may assume the destination's role. */
const BASE_KEY = 'basekey';
const PROFILE_SECRETS = ['src-profile-secret', 'base-profile-secret', 'proc-profile-secret'];

let dir: string | undefined;
let sts: StsStandIn;
let env: NodeJS.ProcessEnv;
let fixture: ReplicationFixture;
let destProxy: FaultProxy;

function destAccountClient(): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: destEndpoint(),
    region: DEST_REGION,
    credentials: { accessKeyId: DEST_ACCOUNT_KEY, secretAccessKey: 'x' },
  });
}

/** Runs the CLI with the test's environment: profiles from the temporary files, STS at the stand-in, no keys. */
function cli(args: readonly string[]): ReplicatorProcess {
  return new ReplicatorProcess(args, env);
}

async function exitOf(args: readonly string[]): Promise<{ code: number | null; worker: ReplicatorProcess }> {
  const worker = cli(args);
  const exit = await worker.waitForExit(30_000);
  return { code: exit.code, worker };
}

function tableArgs(options: { sourceProfile?: string; destProfile?: string; dest?: string } = {}): string[] {
  return [
    '--source-table',
    fixture.sourceTable,
    '--source-endpoint',
    sourceEndpoint(),
    '--source-profile',
    options.sourceProfile ?? 'src',
    '--dest-table',
    fixture.destTable,
    '--dest-endpoint',
    options.dest ?? destEndpoint(),
    '--dest-profile',
    options.destProfile ?? 'base',
  ];
}

const ROLE_ARGS = ['--dest-role-arn', ROLE, '--dest-external-id', EXTERNAL_ID];

before(async () => {
  const folder = mkdtempSync(join(tmpdir(), 'ddb-xacct-'));
  dir = folder;
  const credentialScript = join(folder, 'credentials.mjs');
  writeFileSync(
    credentialScript,
    `process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: 'local', SecretAccessKey: 'proc-profile-secret' }));\n`,
  );
  writeFileSync(
    join(folder, 'credentials'),
    [
      '[src]',
      'aws_access_key_id = local',
      'aws_secret_access_key = src-profile-secret',
      '[base]',
      `aws_access_key_id = ${BASE_KEY}`,
      'aws_secret_access_key = base-profile-secret',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(folder, 'config'),
    [
      '[profile src]',
      `region = ${SOURCE_REGION}`,
      '[profile base]',
      `region = ${DEST_REGION}`,
      // A profile that assumes the role itself (the SDK's own role assumption).
      '[profile chained]',
      `role_arn = ${ROLE}`,
      'source_profile = base',
      `external_id = ${EXTERNAL_ID}`,
      `region = ${DEST_REGION}`,
      '[profile proc]',
      `credential_process = ${process.execPath} ${credentialScript}`,
      `region = ${SOURCE_REGION}`,
      '[profile empty]',
      `region = ${SOURCE_REGION}`,
      '',
    ].join('\n'),
  );
  sts = await StsStandIn.start({
    roles: [{ arn: ROLE, trustedKeys: [BASE_KEY], externalId: EXTERNAL_ID, issuesKey: DEST_ACCOUNT_KEY }],
    callers: [{ accessKeyId: BASE_KEY, account: '111111111111', arn: 'arn:aws:iam::111111111111:user/base' }],
    lifetimeMs: 5 * 60_000 + 4_000,
  });
  env = {
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_REGION: undefined,
    AWS_DEFAULT_REGION: undefined,
    AWS_CONFIG_FILE: join(folder, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(folder, 'credentials'),
    AWS_ENDPOINT_URL_STS: sts.endpoint,
    // Without keys the default chain would end at the instance metadata service; there is none here.
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const source = sourceClient();
  const destination = destAccountClient();
  const sourceTable = uniqueName('xacct-src');
  const destTable = uniqueName('xacct-dst');
  const taskName = uniqueName('xacct-task');
  const key = { hash: { name: 'pk', type: 'S' } } as const;
  await Promise.all([
    createTable(source, sourceTable, key, 'NEW_AND_OLD_IMAGES'),
    createTable(destination, destTable, key),
  ]);
  fixture = fixtureOf({
    source,
    destination,
    sourceTable,
    destTable,
    taskName,
    key,
    cleanup: async () => {
      await Promise.all([
        deleteTableIfExists(source, sourceTable),
        deleteTableIfExists(destination, destTable),
        deleteTableIfExists(source, `DynamoDBCrossRegionReplication${taskName}`),
      ]);
      source.destroy();
      destination.destroy();
    },
  });
  destProxy = await FaultProxy.start(destEndpoint());
});

after(async () => {
  // Each part may be missing when `before` failed half-way.
  await fixture?.cleanup();
  await destProxy?.close();
  await sts?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('across accounts', () => {
  test('a destination in another account through an assumed role: refreshed within the run, a failed refresh goes on with the credentials in hand, no secret shown', async () => {
    const tokens = new Set<string>();
    const unobserve = destProxy.observe((event) => {
      if (event.securityToken !== undefined) tokens.add(event.securityToken);
    });
    const workerId = 'xacct worker/1';
    const worker = cli([
      'replicate',
      ...tableArgs({ dest: destProxy.endpoint }),
      ...ROLE_ARGS,
      '--task-name',
      fixture.taskName,
      '--worker-id',
      workerId,
      '--metrics-port',
      '0',
      '--progress-interval-ms',
      '1000',
    ]);
    try {
      await writeBacklog(fixture.source, fixture.sourceTable, 50, 'a');
      await assertTablesConverge(fixture, 30_000);

      // Refreshed by the SDK within the run (on the destination's next request once they are due), and the new
      // credentials sign the destination's requests.
      let round = 0;
      await waitFor(
        'refreshed credentials signing destination requests',
        async () => {
          await writeBacklog(fixture.source, fixture.sourceTable, 5, `b${round++}`);
          const second = sts.issued[1]?.sessionToken;
          return second !== undefined && tokens.has(second);
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      await assertTablesConverge(fixture, 30_000);

      // STS fails: the credentials in hand are valid for minutes yet, so replication goes on.
      sts.failWith('ServiceUnavailable');
      const failing = worker.logs.length;
      const warning = await waitFor(
        'a failed refresh going on with the credentials in hand',
        async () => {
          await writeBacklog(fixture.source, fixture.sourceTable, 5, `c${round++}`);
          return worker.logs
            .slice(failing)
            .find(
              (l) =>
                l.msg ===
                'credentials refresh failed; going on with the current credentials until they expire',
            );
        },
        { timeoutMs: 30_000, intervalMs: 500 },
      );
      assert.equal(warning.side, 'destination');
      assert.match(String(warning.credentials), new RegExp(`role ${ROLE} assumed with profile base`));
      await assertTablesConverge(fixture, 30_000);
      sts.failWith(undefined);
      await waitFor(
        'a refresh once STS answers again',
        async () => {
          await writeBacklog(fixture.source, fixture.sourceTable, 5, `d${round++}`);
          return worker.logs.slice(failing).some((l) => l.msg === 'credentials refreshed again');
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      await assertTablesConverge(fixture, 30_000);

      // Every role session was asked for in the destination's region, named for the worker, with the external id.
      const assumed = sts.assumed();
      assert.deepEqual(new Set(assumed.map((c) => c.signedRegion)), new Set([DEST_REGION]));
      assert.deepEqual(new Set(assumed.map((c) => c.sessionName)), new Set([roleSessionName(workerId)]));
      assert.deepEqual(new Set(assumed.map((c) => c.externalId)), new Set([EXTERNAL_ID]));
      assert.deepEqual(new Set(assumed.map((c) => c.callerKey)), new Set([BASE_KEY]));

      // The lease table lives with the source, in the source account.
      const lease = await fixture.source.send(
        new DescribeTableCommand({ TableName: `DynamoDBCrossRegionReplication${fixture.taskName}` }),
      );
      assert.equal(lease.Table?.TableStatus, 'ACTIVE');

      const served = await worker.waitForLog('serving /metrics and /healthz');
      const metrics = await (await fetch(`http://127.0.0.1:${String(served.port)}/metrics`)).text();
      assert.match(metrics, /ddb_replicator_items_written_total/);
      const status = await exitOf([
        'status',
        '--task-name',
        fixture.taskName,
        '--lease-endpoint',
        sourceEndpoint(),
        '--source-profile',
        'src',
        '--json',
      ]);
      assert.equal(status.code, 0, status.worker.describe());
      assert.equal((JSON.parse(status.worker.stdout) as { shards: unknown[] }).shards.length, 1);

      const exit = await worker.stop();
      assert.equal(exit.code, 0, worker.describe());
      assert.deepEqual(worker.errors(), [], worker.describe());

      const everything = [
        ...worker.logs.map((l) => JSON.stringify(l)),
        ...worker.otherOutput,
        worker.stdout,
        metrics,
        status.worker.stdout,
        ...status.worker.logs.map((l) => JSON.stringify(l)),
      ].join('\n');
      const secrets = [...sts.issued.flatMap((c) => [c.secretAccessKey, c.sessionToken]), ...PROFILE_SECRETS];
      for (const secret of secrets) assert.ok(!everything.includes(secret), `a secret was shown: ${secret}`);
    } finally {
      unobserve();
      await worker.kill();
    }
  });

  test("verify with a credential_process profile and a profile that assumes the role itself; each side's own table", async () => {
    const before = sts.assumed().length;
    const run = await exitOf(['verify', ...tableArgs({ sourceProfile: 'proc', destProfile: 'chained' })]);
    assert.equal(run.code, 0, `${run.worker.stdout}\n${run.worker.describe()}`);
    assert.match(run.worker.stdout, /equal/i);
    const chained = sts.assumed().slice(before);
    assert.ok(chained.length >= 1, 'the profile assumed its role through STS');
    assert.ok(
      chained.every((c) => c.roleArn === ROLE && c.externalId === EXTERNAL_ID && c.callerKey === BASE_KEY),
    );
  });

  test('a source table by ARN (as through its resource policy): copied, replicated and verified', async () => {
    // Last of the tests that compare: it writes to the shared source table without the first worker running.
    // DynamoDB Local takes an ARN wherever it takes a table name and ignores the account in it; on AWS the table's
    // resource policy would let another account's credentials in. Here the ARN path itself is exercised.
    const sourceArn = `arn:aws:dynamodb:${SOURCE_REGION}:111111111111:table/${fixture.sourceTable}`;
    const destTable = uniqueName('xacct-arn-dst');
    await createTable(fixture.destination, destTable, fixture.key);
    const byArn: ReplicationFixture = { ...fixture, destTable };
    const args = [
      '--source-table',
      sourceArn,
      '--source-endpoint',
      sourceEndpoint(),
      '--source-profile',
      'src',
      '--dest-table',
      destTable,
      '--dest-endpoint',
      destEndpoint(),
      '--dest-profile',
      'base',
      ...ROLE_ARGS,
    ];
    const worker = cli(['replicate', '--bootstrap', ...args, '--task-name', uniqueName('xacct-arn')]);
    try {
      await assertTablesConverge(byArn, 30_000);
      await writeBacklog(fixture.source, fixture.sourceTable, 10, 'arn');
      await assertTablesConverge(byArn, 30_000);
      const exit = await worker.stop();
      assert.equal(exit.code, 0, worker.describe());
      const verify = await exitOf(['verify', ...args]);
      assert.equal(verify.code, 0, `${verify.worker.stdout}\n${verify.worker.describe()}`);
    } finally {
      await worker.kill();
      await deleteTableIfExists(fixture.destination, destTable);
    }
  });

  test('each credential mistake ends with exit 2 and one line naming the side and what to check', async () => {
    const replicate = (extra: readonly string[], tables = tableArgs()) => [
      'replicate',
      ...tables,
      '--task-name',
      uniqueName('xacct-bad'),
      ...extra,
    ];
    const cases: { name: string; args: string[]; extraEnv?: NodeJS.ProcessEnv; line: RegExp }[] = [
      {
        name: 'wrong external id',
        args: replicate(['--dest-role-arn', ROLE, '--dest-external-id', 'wrong-id']),
        line: new RegExp(
          `^the destination side cannot assume role ${ROLE} with profile base \\(AccessDenied: .*\\): check that the role's trust policy .* sts:ExternalId condition equals --dest-external-id`,
        ),
      },
      {
        name: 'an identity the role does not trust',
        args: replicate(
          ['--dest-role-arn', ROLE, '--dest-external-id', EXTERNAL_ID],
          tableArgs({ destProfile: 'src' }),
        ),
        line: new RegExp(`^the destination side cannot assume role ${ROLE} with profile src \\(AccessDenied`),
      },
      {
        name: 'no external id where the trust policy asks for one',
        args: replicate(['--dest-role-arn', ROLE]),
        line: /cannot assume role .*if the trust policy asks for an external id, pass --dest-external-id/,
      },
      {
        name: 'an unknown profile',
        args: replicate([], tableArgs({ sourceProfile: 'nope' })),
        line: /^--source-profile "nope": no such profile in .*config or .*credentials/,
      },
      {
        name: 'a profile without credentials',
        args: replicate([], tableArgs({ sourceProfile: 'empty' })),
        line: /^the source side's profile empty gives no credentials \(.*\): check the profile/,
      },
      {
        name: 'STS unreachable',
        args: replicate(ROLE_ARGS),
        extraEnv: { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9' },
        line: new RegExp(`^cannot reach STS to assume role ${ROLE} for the destination side`),
      },
      {
        name: "the source account's credentials for the destination (another account's database)",
        args: replicate([], tableArgs({ destProfile: 'src' })),
        line: /^destination table .* not found in region us-east-1/,
      },
      {
        name: 'an external id without a role',
        args: replicate(['--dest-external-id', EXTERNAL_ID]),
        line: /^--dest-external-id is given without --dest-role-arn/,
      },
      {
        name: 'no credentials at all',
        args: [
          'verify',
          '--source-table',
          fixture.sourceTable,
          '--source-region',
          SOURCE_REGION,
          '--source-endpoint',
          sourceEndpoint(),
          '--dest-table',
          fixture.destTable,
          '--dest-endpoint',
          destEndpoint(),
        ],
        line: /^no AWS credentials found for the source side \(.*\): pass --source-profile, or set AWS_PROFILE/,
      },
    ];
    const runs = await Promise.all(
      cases.map(async (c) => {
        const worker = new ReplicatorProcess(c.args, { ...env, ...c.extraEnv });
        const exit = await worker.waitForExit(60_000);
        return { c, worker, code: exit.code };
      }),
    );
    for (const { c, worker, code } of runs) {
      assert.equal(code, 2, `${c.name}: ${worker.describe()}`);
      const errors = worker.errors().map((l) => l.msg);
      const lines = [...errors, ...worker.otherOutput.filter((l) => l.startsWith('ddb-replicator:'))];
      assert.equal(lines.length, 1, `${c.name}: one line, got ${JSON.stringify(lines)}`);
      assert.match(lines[0] ?? '', c.line, c.name);
      const text = JSON.stringify(worker.logs) + worker.otherOutput.join('\n');
      for (const secret of PROFILE_SECRETS) assert.ok(!text.includes(secret), `${c.name} showed a secret`);
    }
  });
});
