// dynamodb-local: shared
// `verify --plan` and `status --plan` run as users run them, on a plan of four pairs with four key schemas (S
// hash; N hash + S range; B hash; S hash + N range), two of them selected by a glob with an exclude: verify finds
// drift injected into one pair and names it (exit 1), and is clean after `verify --repair` of that pair; status
// shows every task "not started" before any worker ran, then the pair a plain `replicate` runs as running with
// its worker. Bad plans (an unknown field, no table name, a bad glob, a process-wide field, a YAML syntax error,
// two entries onto one destination, a plan with table flags) each end with exit 2 and one line. The plan's
// stream handling runs against DynamoDB Local too: a table a glob selects without a stream is skipped with the
// command that enables one, and `enableStream: true` turns its stream on.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import {
  DeleteItemCommand,
  DescribeTableCommand,
  PutItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { pino } from 'pino';
import { EXIT_CONFIG } from '../../src/cli/exit-codes.js';
import { defaultTaskName, leaseTableName } from '../../src/config/task-name.js';
import { createTable, deleteTableIfExists, type TableKey } from '../../src/local/local-tables.js';
import { checkStreams } from '../../src/plan/check-streams.js';
import { loadPlan } from '../../src/plan/load-plan.js';
import { resolvePlan } from '../../src/plan/resolve-plan.js';
import {
  DEST_REGION,
  SOURCE_REGION,
  destClient,
  destEndpoint,
  sourceClient,
  sourceEndpoint,
  uniqueName,
} from '../support/local-env.js';
import type { Item } from '../support/replication-fixture.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import { reportedErrors, runUntilExit, stackTraceFrames } from '../support/run-replicator.js';

const P = uniqueName('pv');
const ITEMS = 20;

interface Pair {
  readonly source: string;
  readonly destination: string;
  readonly key: TableKey;
  readonly item: (i: number) => Item;
}

const PAIRS: Pair[] = [
  {
    source: `${P}-s`,
    destination: `${P}-s-dr`,
    key: { hash: { name: 'pk', type: 'S' } },
    item: (i) => ({ pk: { S: `k${i}` }, v: { N: String(i) } }),
  },
  {
    source: `${P}-nr`,
    destination: `${P}-nr-dr`,
    key: { hash: { name: 'id', type: 'N' }, range: { name: 'sk', type: 'S' } },
    item: (i) => ({ id: { N: String(i % 4) }, sk: { S: `s${i}` }, tags: { SS: ['a', `t${i}`] } }),
  },
  {
    source: `${P}-g-b`,
    destination: `${P}-g-b-copy`,
    key: { hash: { name: 'b', type: 'B' } },
    item: (i) => ({ b: { B: new Uint8Array([i, 255 - i, 0]) }, doc: { M: { n: { N: `${i}.5` } } } }),
  },
  {
    source: `${P}-g-sn`,
    destination: `${P}-g-sn-copy`,
    key: { hash: { name: 'pk', type: 'S' }, range: { name: 'n', type: 'N' } },
    item: (i) => ({ pk: { S: `p${i % 3}` }, n: { N: String(i * 10) }, flag: { BOOL: i % 2 === 0 } }),
  },
];
/** Selected by the glob, then excluded: no pair. */
const EXCLUDED = `${P}-g-tmp`;
const [S_PAIR, , , DRIFT_PAIR] = PAIRS as [Pair, Pair, Pair, Pair];

let source: DynamoDBClient;
let destination: DynamoDBClient;
let dir: string;
let planFile: string;

function writePlan(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const DEFAULTS = () => `defaults:
  source: { region: ${SOURCE_REGION}, endpoint: "${sourceEndpoint()}" }
  destination: { region: ${DEST_REGION}, endpoint: "${destEndpoint()}" }
`;

before(async () => {
  source = sourceClient();
  destination = destClient();
  dir = mkdtempSync(join(tmpdir(), 'plan-verify-status-'));
  await Promise.all([
    ...PAIRS.map((p) => createTable(source, p.source, p.key, 'NEW_AND_OLD_IMAGES')),
    ...PAIRS.map((p) => createTable(destination, p.destination, p.key)),
    createTable(source, EXCLUDED, { hash: { name: 'pk', type: 'S' } }, 'NEW_AND_OLD_IMAGES'),
  ]);
  // Equal tables on both sides, written directly: verify compares, it needs no replication.
  await Promise.all(
    PAIRS.flatMap((p) =>
      Array.from({ length: ITEMS }, async (_, i) => {
        const item = p.item(i);
        await source.send(new PutItemCommand({ TableName: p.source, Item: item }));
        await destination.send(new PutItemCommand({ TableName: p.destination, Item: item }));
      }),
    ),
  );
  planFile = writePlan(
    'plan.yaml',
    `${DEFAULTS()}replications:
  - source: { table: ${S_PAIR.source} }
    destination: { table: "{name}-dr" }
  - source: { table: ${PAIRS[1]?.source} }
    destination: { table: "{name}-dr" }
  - source: { table: "${P}-g-*", exclude: ["*-tmp"] }
    destination: { table: "{name}-copy" }
`,
  );
});

after(async () => {
  await Promise.all([
    ...PAIRS.map((p) => deleteTableIfExists(source, p.source)),
    ...PAIRS.map((p) => deleteTableIfExists(destination, p.destination)),
    deleteTableIfExists(source, EXCLUDED),
    deleteTableIfExists(source, leaseTableName(taskNameOf(S_PAIR))),
  ]);
  source.destroy();
  destination.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** The task name a plain `replicate` of the pair (no --task-name) uses: the plan's tasks use the same. */
function taskNameOf(pair: Pair): string {
  return defaultTaskName(SOURCE_REGION, pair.source, DEST_REGION, pair.destination);
}

function pairFlags(pair: Pair): string[] {
  return [
    ...[
      '--source-table',
      pair.source,
      '--source-region',
      SOURCE_REGION,
      '--source-endpoint',
      sourceEndpoint(),
    ],
    ...['--dest-table', pair.destination, '--dest-region', DEST_REGION, '--dest-endpoint', destEndpoint()],
  ];
}

/** A CLI run to its end, which must report no error. */
async function run(args: readonly string[]): Promise<{ code: number | null; worker: ReplicatorProcess }> {
  const { worker, code } = await runUntilExit(args, 60_000);
  assert.deepEqual(reportedErrors(worker), [], worker.describe());
  return { code, worker };
}

const row = (pair: Pair, figures: string, verdict: string): RegExp =>
  new RegExp(
    `^${SOURCE_REGION}/${pair.source} +${DEST_REGION}/${pair.destination} +${figures.split(' ').join(' +')} +${verdict}$`,
    'm',
  );

describe('verify --plan', () => {
  test('finds drift injected into one pair and names it; clean after verify --repair of that pair', async () => {
    const [first, second] = [DRIFT_PAIR.item(1), DRIFT_PAIR.item(2)];
    await destination.send(
      new DeleteItemCommand({ TableName: DRIFT_PAIR.destination, Key: { pk: first.pk!, n: first.n! } }),
    );
    await destination.send(
      new PutItemCommand({ TableName: DRIFT_PAIR.destination, Item: { ...second, flag: { S: 'changed' } } }),
    );

    const found = await run(['verify', '--plan', planFile, '--recheck-delay-ms', '0']);
    assert.equal(found.code, 1, found.worker.describe());
    const out = found.worker.stdout;
    assert.match(out, row(DRIFT_PAIR, `${ITEMS} 1 0 1`, 'DIFFERENT'), out);
    for (const pair of PAIRS.filter((p) => p !== DRIFT_PAIR))
      assert.match(out, row(pair, `${ITEMS} 0 0 0`, 'equal'), out);
    assert.match(out, /^4 pairs: 3 equal, 1 different$/m, out);
    assert.doesNotMatch(out, new RegExp(EXCLUDED));
    const glob = found.worker.logs.find((l) => l.msg === 'plan: glob selected tables');
    assert.deepEqual(glob?.selected, [`${P}-g-b -> ${P}-g-b-copy`, `${P}-g-sn -> ${P}-g-sn-copy`]);
    assert.deepEqual(glob?.excluded, [EXCLUDED]);

    const repaired = await run(['verify', ...pairFlags(DRIFT_PAIR), '--repair', '--recheck-delay-ms', '0']);
    assert.equal(repaired.code, 0, repaired.worker.stdout);

    const clean = await run(['verify', '--plan', planFile, '--recheck-delay-ms', '0', '--json']);
    assert.equal(clean.code, 0, clean.worker.stdout);
    const json = JSON.parse(clean.worker.stdout) as {
      exitCode: number;
      pairs: { source: { table: string }; result: string; compared: number }[];
    };
    assert.equal(json.exitCode, 0);
    assert.deepEqual(
      json.pairs.map((p) => [p.source.table, p.result, p.compared]),
      PAIRS.map((p) => [p.source, 'equal', ITEMS]),
    );
  });
});

describe('status --plan', () => {
  interface StatusJson {
    tasks: { taskName: string; source: { table: string }; state: string; owners?: number }[];
    workers: { workerId: string; tasks: Record<string, number> }[];
  }
  const status = async (): Promise<StatusJson> => {
    const { code, worker } = await run(['status', '--plan', planFile, '--json']);
    assert.equal(code, 0, worker.describe());
    return JSON.parse(worker.stdout) as StatusJson;
  };

  test('every task "not started" before any worker ran; the pair a plain replicate runs shows running', async () => {
    const before = await status();
    assert.deepEqual(
      before.tasks.map((t) => [t.source.table, t.taskName, t.state]),
      PAIRS.map((p) => [p.source, taskNameOf(p), 'not started']),
    );
    assert.deepEqual(before.workers, []);

    const workerId = `${P}-worker`;
    const worker = new ReplicatorProcess(['replicate', ...pairFlags(S_PAIR), '--worker-id', workerId]);
    try {
      await worker.waitForLog('lease taken');
      const during = await status();
      const task = during.tasks.find((t) => t.source.table === S_PAIR.source);
      assert.equal(task?.state, 'running');
      assert.equal(task?.owners, 1);
      assert.deepEqual(
        during.tasks.filter((t) => t !== task).map((t) => t.state),
        ['not started', 'not started', 'not started'],
      );
      assert.deepEqual(
        during.workers.map((w) => [w.workerId, w.tasks]),
        [[workerId, { [taskNameOf(S_PAIR)]: 1 }]],
      );
      const exit = await worker.stop();
      assert.equal(exit.code, 0, worker.describe());
    } finally {
      await worker.kill();
    }
    const text = await run(['status', '--plan', planFile]);
    assert.match(
      text.worker.stdout,
      new RegExp(`^${taskNameOf(S_PAIR)} .* stopped$`, 'm'),
      text.worker.stdout,
    );
    assert.match(text.worker.stdout, /^workers: none live$/m);
  });
});

describe('bad plans', () => {
  test('each ends with exit 2 and one line naming the mistake', async () => {
    const pair = `  - source: { table: ${S_PAIR.source} }\n    destination: { table: "{name}-dr" }\n`;
    const cases: { name: string; command: string; text: string; extra?: string[]; line: RegExp }[] = [
      {
        name: 'unknown-field.yaml',
        command: 'verify',
        text: `${DEFAULTS()}replications:\n  - source: { table: ${S_PAIR.source} }\n    destination: { tabel: x }\n`,
        line: /^plan \S+unknown-field\.yaml: replications\[0\] \(source \S+-s\): unknown field destination\.tabel: allowed here are table, /,
      },
      {
        name: 'no-table.yaml',
        command: 'status',
        text: `${DEFAULTS()}replications:\n  - source: { region: ${SOURCE_REGION} }\n    destination: { table: x }\n`,
        line: /^plan \S+no-table\.yaml: replications\[0\] \(no source table\): source\.table is missing: name the source table, or a glob/,
      },
      {
        name: 'bad-glob.yaml',
        command: 'verify',
        text: `${DEFAULTS()}replications:\n  - source: { table: "${P}-{a" }\n    destination: { table: "{name}" }\n`,
        line: /^plan \S+bad-glob\.yaml: replications\[0\] \(source \S+-\{a\): source\.table "\S+-\{a" has a \{ that is never closed$/,
      },
      {
        name: 'process-field.yaml',
        command: 'status',
        text: `${DEFAULTS()}  maxBufferMb: 64\nreplications:\n${pair}`,
        line: /^plan \S+process-field\.yaml: defaults: maxBufferMb is the process's setting, not a table pair's: pass --max-buffer-mb on the command line$/,
      },
      {
        name: 'syntax.yaml',
        command: 'verify',
        text: `replications:\n  - source: { table: a }\n    source: { table: b }\n`,
        line: /^plan \S+syntax\.yaml:3:5: YAML syntax error: Map keys must be unique$/,
      },
      {
        name: 'one-destination.yaml',
        command: 'status',
        text: `${DEFAULTS()}replications:\n${pair}  - source: { table: ${PAIRS[1]?.source} }\n    destination: { table: ${S_PAIR.destination} }\n`,
        line: /^plan \S+one-destination\.yaml: replications\[0\] \(source \S+-s\) and replications\[1\] \(source \S+-nr\) both write destination table \S+-s-dr in region us-west-2 at http:\S+: give each pair its own destination table$/,
      },
      {
        name: 'with-flags.yaml',
        command: 'verify',
        text: `${DEFAULTS()}replications:\n${pair}`,
        extra: ['--source-table', S_PAIR.source],
        line: /^--plan names the table pairs: leave out --source-table \(or write it into the plan\)$/,
      },
    ];
    await Promise.all(
      cases.map(async (c) => {
        const file = writePlan(c.name, c.text);
        const { worker, code } = await runUntilExit([c.command, '--plan', file, ...(c.extra ?? [])]);
        assert.equal(code, EXIT_CONFIG, `${c.name}: ${worker.describe()}`);
        const errors = reportedErrors(worker);
        assert.equal(errors.length, 1, `${c.name}: ${errors.join('\n')}`);
        assert.match(errors[0] ?? '', c.line, c.name);
        assert.deepEqual(stackTraceFrames(worker), [], c.name);
      }),
    );
  });
});

describe('streams of the tables a glob selects', () => {
  test('a table without a stream is skipped with the command to enable one; enableStream turns it on', async () => {
    const table = `${P}-e-1`;
    await createTable(source, table, { hash: { name: 'pk', type: 'S' } });
    try {
      const lines: { level: number; msg: string }[] = [];
      const logger = pino(
        { level: 'info' },
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
            done();
          },
        }),
      );
      const entry = (more: string) =>
        `${DEFAULTS()}replications:\n  - source: { table: "${P}-e-*" }\n    destination: { table: "{name}-copy" }\n${more}`;
      const deps = { logger, sessionName: 'plan-test', env: process.env };
      const looked = await loadPlan(writePlan('no-stream.yaml', entry('')));
      const { tasks } = await resolvePlan(looked, deps);
      assert.deepEqual(
        tasks.map((t) => t.flags.sourceTable),
        [table],
      );
      const skipped = await checkStreams(looked, tasks, { ...deps, enable: true });
      assert.deepEqual(skipped.ready, []);
      assert.equal(
        skipped.skipped[0]?.reason,
        `replications[0] (source ${table}, selected by ${P}-e-*): source table ${table} has no enabled stream, so it is skipped: enable one (aws dynamodb update-table --table-name ${table} --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES --region ${SOURCE_REGION} --endpoint-url ${sourceEndpoint()}) or set enableStream: true on the entry`,
      );
      assert.ok(lines.some((l) => l.level === 40 && l.msg === skipped.skipped[0]?.reason));

      const enabling = await loadPlan(writePlan('enable-stream.yaml', entry('    enableStream: true\n')));
      const resolved = await resolvePlan(enabling, deps);
      const looking = await checkStreams(enabling, resolved.tasks, { ...deps, enable: false });
      assert.equal(looking.ready.length, 1, 'without enable a stream enableStream will turn on counts');
      const described = async () =>
        (await source.send(new DescribeTableCommand({ TableName: table }))).Table?.StreamSpecification;
      assert.equal((await described())?.StreamEnabled, undefined, 'only looked: nothing changed');
      // Two workers started together both enable it: one UpdateTable wins, the other sees it on.
      const [one, two] = await Promise.all([
        checkStreams(enabling, resolved.tasks, { ...deps, enable: true }),
        checkStreams(enabling, resolved.tasks, { ...deps, enable: true }),
      ]);
      assert.equal(one.ready.length + two.ready.length, 2);
      assert.deepEqual(await described(), { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
      assert.ok(lines.some((l) => l.msg.endsWith(': source stream enabled')));
    } finally {
      await deleteTableIfExists(source, table);
    }
  });
});
