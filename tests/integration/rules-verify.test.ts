// dynamodb-local: shared
// The bootstrap copy and verify honour the replication's rules, through the real CLI: `replicate --bootstrap` with
// a filter, an excluded and a renamed attribute copies exactly the subset an expectation computed here says, item
// by item; `verify` with the same rule flags finds the pair equal, and without them finds it different; drift
// injected into the destination (an extra item where the source's item is filtered out, one with no source item,
// a changed one, a deleted one) is named by kind and key, and `verify --repair` writes the shaped image back and
// deletes the extras. `verify --plan` takes the rules from the plan (a @filter file beside it). A transform that
// throws stops the copy and verify with one line; one that changes keys is refused by verify (exit 2).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  PutItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { EXIT_CONFIG, EXIT_FAILED } from '../../src/cli/exit-codes.js';
import { scanAll } from '../../src/local/local-tables.js';
import type { VerifySummary } from '../../src/verify/verify-summary.js';
import { DEST_REGION, SOURCE_REGION, destEndpoint, sourceEndpoint } from '../support/local-env.js';
import {
  canonicalItem,
  createFixture,
  keyOf,
  type Item,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import { reportedErrors, runUntilExit } from '../support/run-replicator.js';

const FIXTURES = fileURLToPath(new URL('../../../tests/fixtures/transforms/', import.meta.url));
const ACTIVE = { dynamodb: { NewImage: { status: { S: ['active'] } } } };
const RULES = [
  '--filter',
  JSON.stringify(ACTIVE),
  '--exclude-attributes',
  'email',
  '--rename-attributes',
  'name=fullName',
];
const ITEMS = 150;
const FAST = ['--recheck-delay-ms', '50', '--show', '10', '--json'];

type VerifyJson = VerifySummary & { result: string; exitCode: number };

const person = (i: number): Item => ({
  pk: { S: `p-${i}` },
  status: { S: i % 3 === 0 ? 'idle' : 'active' },
  name: { S: `name ${i}` },
  email: { S: `p${i}@example.com` },
  n: { N: String(i) },
});

/** What the rules make of a source item, computed here on its own (null: not in the destination). */
function expected(item: Item): Item | null {
  if (item.status?.S !== 'active') return null;
  const { name, ...rest } = item;
  delete rest.email;
  return name === undefined ? rest : { ...rest, fullName: name };
}

async function putAll(fixture: ReplicationFixture, items: readonly Item[]): Promise<void> {
  for (let start = 0; start < items.length; start += 25) {
    const batch: WriteRequest[] = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
    await fixture.source.send(new BatchWriteItemCommand({ RequestItems: { [fixture.sourceTable]: batch } }));
  }
}

/** The destination against the source passed through `expected`: keys missing, extra and different. */
async function mismatch(
  fixture: ReplicationFixture,
): Promise<{ missing: string[]; extra: string[]; different: string[]; expected: number }> {
  const [sourceItems, destItems] = await Promise.all([
    scanAll(fixture.source, fixture.sourceTable),
    scanAll(fixture.destination, fixture.destTable),
  ]);
  const want = new Map<string, string>();
  for (const item of sourceItems) {
    const image = expected(item);
    if (image !== null) want.set(keyOf(image, fixture.key), canonicalItem(image));
  }
  const actual = new Map(destItems.map((item) => [keyOf(item, fixture.key), canonicalItem(item)]));
  const missing: string[] = [];
  const different: string[] = [];
  for (const [key, image] of want) {
    const found = actual.get(key);
    if (found === undefined) missing.push(key);
    else if (found !== image) different.push(`${key}: expected ${image}, found ${found}`);
    actual.delete(key);
  }
  return { missing, extra: [...actual.keys()], different, expected: want.size };
}

function verifyArgs(fixture: ReplicationFixture, extra: readonly string[]): string[] {
  return [
    'verify',
    ...['--source-table', fixture.sourceTable, '--source-region', SOURCE_REGION],
    ...['--source-endpoint', sourceEndpoint()],
    ...['--dest-table', fixture.destTable, '--dest-region', DEST_REGION, '--dest-endpoint', destEndpoint()],
    ...extra,
  ];
}

async function verify(
  fixture: ReplicationFixture,
  extra: readonly string[],
): Promise<{ code: number | null; summary: VerifyJson; worker: ReplicatorProcess }> {
  const { worker, code } = await runUntilExit(verifyArgs(fixture, [...FAST, ...extra]), 60_000);
  assert.deepEqual(reportedErrors(worker), [], worker.describe());
  return { code, summary: JSON.parse(worker.stdout) as VerifyJson, worker };
}

const keys = (summary: VerifyJson, kind: 'missing' | 'extra' | 'different'): string[] =>
  summary.keys[kind].map((k) => k.key.pk?.S ?? k.key.id?.S ?? '?').sort();

let fixture: ReplicationFixture;
let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rules-verify-'));
  fixture = await createFixture({ prefix: 'rverify' });
  await putAll(
    fixture,
    Array.from({ length: ITEMS }, (_, i) => person(i)),
  );
});
after(async () => {
  await fixture.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('bootstrap and verify with rules', () => {
  test('replicate --bootstrap copies the subset; verify with the rules is equal, drift is found and repaired', async () => {
    const [, ...rest] = fixture.args(['--failover-ms', '3000', '--bootstrap', '--segments', '4', ...RULES]);
    const worker = new ReplicatorProcess(['replicate', ...rest]);
    try {
      const copied = await worker.waitForLog('copy done', { timeoutMs: 30_000 });
      // Every source item was scanned; the rules wrote the active ones.
      assert.equal(copied.fleetItems, ITEMS, worker.describe());
      await worker.waitForLog('bootstrap copy done', { timeoutMs: 30_000 });
      const copy = await mismatch(fixture);
      assert.deepEqual(
        { missing: copy.missing, extra: copy.extra, different: copy.different.slice(0, 3) },
        { missing: [], extra: [], different: [] },
      );
      assert.equal(copy.expected, ITEMS - ITEMS / 3);
      assert.equal((await worker.stop()).code, 0, worker.describe());
      assert.deepEqual(worker.errors(), []);
    } finally {
      await worker.kill();
    }

    const equal = await verify(fixture, RULES);
    assert.equal(equal.code, 0, equal.worker.stdout);
    assert.deepEqual(
      [equal.summary.compared, equal.summary.missing, equal.summary.extra, equal.summary.different],
      [ITEMS, 0, 0, 0],
    );
    assert.equal(equal.summary.destination.items, ITEMS - ITEMS / 3);
    assert.equal(equal.summary.leftOut, ITEMS / 3, 'the idle items, left out by the filter');

    // The rule flags matter: compared as they are, every idle item is missing and every active one differs.
    const plain = await verify(fixture, []);
    assert.equal(plain.code, EXIT_FAILED, plain.worker.stdout);
    assert.deepEqual(
      [plain.summary.missing, plain.summary.extra, plain.summary.different],
      [ITEMS / 3, 0, ITEMS - ITEMS / 3],
    );
    assert.equal(plain.summary.leftOut, undefined, 'without rules nothing is left out');

    // Drift: p-0 (idle, so filtered out) and ghost-1 (no source item) extra, p-1 deleted, p-2 changed.
    const shaped = (i: number): Item => expected({ ...person(i), status: { S: 'active' } }) ?? {};
    await fixture.destination.send(
      new PutItemCommand({ TableName: fixture.destTable, Item: { ...shaped(0), status: { S: 'idle' } } }),
    );
    await fixture.destination.send(
      new PutItemCommand({ TableName: fixture.destTable, Item: { pk: { S: 'ghost-1' }, v: { S: 'x' } } }),
    );
    await fixture.destination.send(
      new DeleteItemCommand({ TableName: fixture.destTable, Key: { pk: { S: 'p-1' } } }),
    );
    await fixture.destination.send(
      new PutItemCommand({
        TableName: fixture.destTable,
        Item: { ...shaped(2), fullName: { S: 'changed' } },
      }),
    );
    const drift = await verify(fixture, RULES);
    assert.equal(drift.code, EXIT_FAILED, drift.worker.stdout);
    assert.deepEqual(
      {
        missing: keys(drift.summary, 'missing'),
        extra: keys(drift.summary, 'extra'),
        different: keys(drift.summary, 'different'),
      },
      { missing: ['p-1'], extra: ['ghost-1', 'p-0'], different: ['p-2'] },
    );
    assert.deepEqual(drift.summary.keys.different[0]?.attributes, ['fullName']);

    const repair = await verify(fixture, [...RULES, '--repair']);
    assert.equal(repair.code, 0, repair.worker.stdout);
    assert.deepEqual([repair.summary.repair?.written, repair.summary.repair?.deleted], [2, 2]);
    const again = await verify(fixture, RULES);
    assert.equal(again.code, 0, again.worker.stdout);
    // The repair wrote the shaped images: the destination is the expectation again.
    const repaired = await mismatch(fixture);
    assert.deepEqual([repaired.missing, repaired.extra, repaired.different], [[], [], []]);
  });

  test('verify --plan takes the rules from the plan entry (a @filter file beside the plan)', async () => {
    writeFileSync(join(dir, 'active.json'), JSON.stringify(ACTIVE));
    const plan = (rules: string): string => {
      const file = join(dir, `plan-${rules === '' ? 'plain' : 'rules'}.yaml`);
      writeFileSync(
        file,
        `defaults:
  source: { region: ${SOURCE_REGION}, endpoint: "${sourceEndpoint()}" }
  destination: { region: ${DEST_REGION}, endpoint: "${destEndpoint()}" }
replications:
  - source: { table: ${fixture.sourceTable} }
    destination: { table: ${fixture.destTable} }
${rules}`,
      );
      return file;
    };
    const withRules = plan(
      '    filter: "@active.json"\n    excludeAttributes: email\n    renameAttributes: { name: fullName }\n',
    );
    const run = (args: readonly string[]) =>
      runUntilExit(['verify', ...args, '--recheck-delay-ms', '0'], 60_000);
    const equal = await run(['--plan', withRules]);
    assert.equal(equal.code, 0, equal.worker.stdout + equal.worker.describe());
    const plain = await run(['--plan', plan('')]);
    assert.equal(plain.code, EXIT_FAILED, plain.worker.stdout);
    // A pair's rules on the command line beside a plan: which pair they mean is a guess.
    const mixed = await run(['--plan', withRules, '--exclude-attributes', 'email']);
    assert.equal(mixed.code, EXIT_CONFIG);
    assert.match(
      mixed.worker.errors()[0]?.msg ?? '',
      /^--plan names the table pairs: leave out --exclude-attributes/,
    );
  });

  test('a transform that throws stops the copy and verify with one line; one that changes keys is refused', async () => {
    const small = await createFixture({ prefix: 'rverify-bad' });
    try {
      await putAll(small, [{ pk: { S: 'ok-1' } }, { pk: { S: 'bad-1' }, bad: { S: 'yes' } }]);
      const [, ...rest] = small.args(['--failover-ms', '3000', '--transform', `${FIXTURES}throws.mjs`]);
      const copy = await runUntilExit(['bootstrap', ...rest], 30_000);
      assert.equal(copy.code, EXIT_FAILED, copy.worker.describe());
      assert.match(
        copy.worker.errors().at(-1)?.msg ?? '',
        /^bootstrap copy of \S+ stopped: transform of key \{"pk":\{"S":"bad-1"\}\} threw: TypeError: bad item$/,
      );

      const checked = await runUntilExit(verifyArgs(small, ['--transform', `${FIXTURES}throws.mjs`]), 30_000);
      assert.equal(checked.code, EXIT_FAILED, checked.worker.describe());
      assert.match(
        checked.worker.errors().at(-1)?.msg ?? '',
        /^verify stopped: transform of key \{"pk":\{"S":"bad-1"\}\} threw: TypeError: bad item$/,
      );

      const rekey = await runUntilExit(verifyArgs(small, ['--transform', `${FIXTURES}rekey.mjs`]), 30_000);
      assert.equal(rekey.code, EXIT_CONFIG, rekey.worker.describe());
      assert.match(
        rekey.worker.errors().at(-1)?.msg ?? '',
        /rekey\.mjs changes keys \(changesKey = true\): verify cannot/,
      );
    } finally {
      await small.cleanup();
    }
  });
});
