// dynamodb-local: shared
// Rules end to end through the real CLI, item by item against an expectation computed here on its own: a filter
// whose subset items enter and leave, attributes excluded and renamed, a transform that moves keys (with
// removes), one that throws; kill -9 in the middle of each, and the replacement worker loses nothing. The
// mistakes a user can make with rules end with exit 2 and one line.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { BatchWriteItemCommand, DeleteItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { WriteRequest } from '@aws-sdk/client-dynamodb';
import {
  canonicalItem,
  createFixture,
  keyOf,
  type Item,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { DEST_REGION, destEndpoint, SOURCE_REGION, sourceEndpoint } from '../support/local-env.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import { reportedErrors, runUntilExit } from '../support/run-replicator.js';
import { scanAll } from '../../src/local/local-tables.js';
import { waitFor } from '../support/wait-for.js';

const FIXTURES = fileURLToPath(new URL('../../../tests/fixtures/transforms/', import.meta.url));
// The worker after a kill -9 (or a failure) is the same worker restarted: under its own name it takes its leases
// back at once instead of waiting out the failover time (takeovers by expiry are fleet.test.ts's subject).
const RESTARTED = ['--worker-id', 'rules-worker'];
const ACTIVE = JSON.stringify({ dynamodb: { NewImage: { status: { S: ['active'] } } } });

async function putAll(fixture: ReplicationFixture, items: readonly Item[]): Promise<void> {
  for (let start = 0; start < items.length; start += 25) {
    const batch: WriteRequest[] = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
    await fixture.source.send(new BatchWriteItemCommand({ RequestItems: { [fixture.sourceTable]: batch } }));
  }
}

async function setAttribute(
  fixture: ReplicationFixture,
  id: string,
  name: string,
  value: string,
): Promise<void> {
  await fixture.source.send(
    new UpdateItemCommand({
      TableName: fixture.sourceTable,
      Key: { pk: { S: id } },
      UpdateExpression: 'SET #n = :v',
      ExpressionAttributeNames: { '#n': name },
      ExpressionAttributeValues: { ':v': { S: value } },
    }),
  );
}

async function remove(fixture: ReplicationFixture, id: string): Promise<void> {
  await fixture.source.send(
    new DeleteItemCommand({ TableName: fixture.sourceTable, Key: { pk: { S: id } } }),
  );
}

interface Mismatch {
  readonly missing: string[];
  readonly extra: string[];
  readonly different: string[];
  readonly expected: number;
}

/** The destination against the source passed through `expect` (null: not in the destination). */
async function compare(fixture: ReplicationFixture, expect: (item: Item) => Item | null): Promise<Mismatch> {
  const [sourceItems, destItems] = await Promise.all([
    scanAll(fixture.source, fixture.sourceTable),
    scanAll(fixture.destination, fixture.destTable),
  ]);
  const expected = new Map<string, string>();
  for (const item of sourceItems) {
    const image = expect(item);
    if (image !== null) expected.set(keyOf(image, fixture.key), canonicalItem(image));
  }
  const missing: string[] = [];
  const different: string[] = [];
  const actual = new Map(destItems.map((item) => [keyOf(item, fixture.key), canonicalItem(item)]));
  for (const [key, image] of expected) {
    const found = actual.get(key);
    if (found === undefined) missing.push(key);
    else if (found !== image) different.push(`${key}: expected ${image}, found ${found}`);
    actual.delete(key);
  }
  return { missing, extra: [...actual.keys()], different, expected: expected.size };
}

/** Waits until the destination holds exactly the expected items; fails early if the worker exits. */
async function assertDestination(
  fixture: ReplicationFixture,
  expect: (item: Item) => Item | null,
  worker: ReplicatorProcess,
): Promise<Mismatch> {
  let last: Mismatch | undefined;
  try {
    return await waitFor(
      'destination to hold exactly the expected items',
      async () => {
        assert.equal(worker.child.exitCode, null, `worker exited early:\n${worker.describe()}`);
        last = await compare(fixture, expect);
        return last.missing.length + last.extra.length + last.different.length === 0 ? last : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  } catch (err) {
    if (last === undefined) throw err;
    assert.deepEqual(
      {
        missing: last.missing.slice(0, 5),
        extra: last.extra.slice(0, 5),
        different: last.different.slice(0, 3),
      },
      { missing: [], extra: [], different: [] },
      worker.describe(),
    );
    throw err;
  }
}

/** Everything the worker said was wrong: error lines (message and error field) and plain stderr lines. */
function said(worker: ReplicatorProcess): string {
  const fields = worker.errors().map((l) => (typeof l.err === 'string' ? l.err : ''));
  return [...reportedErrors(worker), ...fields].join('\n');
}

let fixture: ReplicationFixture;
before(async () => {
  fixture = await createFixture({ prefix: 'rules' });
});
after(async () => {
  await fixture.cleanup();
});

describe('rules', () => {
  test('a filter with items entering and leaving, attributes excluded and renamed, across a kill -9', async () => {
    const person = (i: number, status: string): Item => ({
      pk: { S: `p-${i}` },
      status: { S: status },
      name: { S: `name ${i}` },
      email: { S: `p${i}@example.com` },
      n: { N: String(i) },
    });
    await putAll(
      fixture,
      Array.from({ length: 120 }, (_, i) => person(i, i % 2 === 0 ? 'active' : 'idle')),
    );
    const expect = (item: Item): Item | null => {
      if (item.status?.S !== 'active') return null;
      const { name, ...rest } = item;
      delete rest.email;
      return name === undefined ? rest : { ...rest, fullName: name };
    };
    const args = fixture.args([
      '--filter',
      ACTIVE,
      '--exclude-attributes',
      'email',
      '--rename-attributes',
      'name=fullName',
      '--checkpoint-interval-ms',
      '0',
      ...RESTARTED,
    ]);
    const first = new ReplicatorProcess(args);
    try {
      const initial = await assertDestination(fixture, expect, first);
      assert.equal(initial.expected, 60);
      // Items 0-39 change sides (even ones leave, odd ones enter), ten are deleted, twenty new ones arrive;
      // the worker is killed while it works through them.
      for (let i = 0; i < 40; i++)
        await setAttribute(fixture, `p-${i}`, 'status', i % 2 === 0 ? 'idle' : 'active');
      for (let i = 100; i < 110; i++) await remove(fixture, `p-${i}`);
      await first.kill();
      await putAll(
        fixture,
        Array.from({ length: 20 }, (_, i) => person(200 + i, i < 10 ? 'active' : 'idle')),
      );
    } finally {
      await first.kill();
    }
    const second = new ReplicatorProcess(args);
    try {
      // The new items came after the kill: only the second worker can write them (and it must be running before
      // it is stopped, or the stop signal finds a process without its handlers yet).
      await second.waitForLog('lease taken');
      const final = await assertDestination(fixture, expect, second);
      // 60 active at first, 20 left and 20 entered among 0-39, 5 active ones deleted, 10 new active ones.
      assert.equal(final.expected, 60 - 5 + 10);
      const exit = await second.stop();
      assert.equal(exit.code, 0, second.describe());
      assert.deepEqual(second.errors(), []);
    } finally {
      await second.kill();
    }
  });

  test('a transform that moves keys: old destination keys are deleted, removes too, across a kill -9', async () => {
    const moving = await createFixture({ prefix: 'rekey' });
    try {
      const tenantItem = (i: number, tenant: string): Item => ({
        pk: { S: `r-${i}` },
        tenant: { S: tenant },
        v: { N: String(i) },
      });
      await putAll(
        moving,
        Array.from({ length: 60 }, (_, i) => tenantItem(i, i % 3 === 0 ? 't1' : 't2')),
      );
      const expect = (item: Item): Item => ({ ...item, pk: { S: `${item.tenant?.S}#${item.pk?.S}` } });
      const args = moving.args([
        '--transform',
        `${FIXTURES}rekey.mjs`,
        '--checkpoint-interval-ms',
        '0',
        ...RESTARTED,
      ]);
      const first = new ReplicatorProcess(args);
      try {
        await assertDestination(moving, expect, first);
        for (let i = 0; i < 20; i++) await setAttribute(moving, `r-${i}`, 'tenant', 't3');
        for (let i = 40; i < 50; i++) await remove(moving, `r-${i}`);
        await first.kill();
        // After the kill: moves and removes only the second worker can write.
        for (let i = 20; i < 30; i++) await setAttribute(moving, `r-${i}`, 'tenant', 't4');
        for (let i = 50; i < 55; i++) await remove(moving, `r-${i}`);
      } finally {
        await first.kill();
      }
      const second = new ReplicatorProcess(args);
      try {
        await second.waitForLog('lease taken');
        const final = await assertDestination(moving, expect, second);
        assert.equal(final.expected, 45);
        assert.equal((await second.stop()).code, 0, second.describe());
      } finally {
        await second.kill();
      }
    } finally {
      await moving.cleanup();
    }
  });

  test('a transform that throws stops the shard naming the key; nothing past it is checkpointed', async () => {
    const throwing = await createFixture({ prefix: 'throws' });
    try {
      const plain = (i: number, extra: Item = {}): Item => ({
        pk: { S: `t-${i}` },
        v: { N: String(i) },
        ...extra,
      });
      await putAll(
        throwing,
        Array.from({ length: 30 }, (_, i) => plain(i)),
      );
      await putAll(throwing, [plain(30, { bad: { BOOL: true } })]);
      await putAll(
        throwing,
        Array.from({ length: 30 }, (_, i) => plain(31 + i)),
      );
      const { worker, code } = await runUntilExit(
        throwing.args([
          '--transform',
          `${FIXTURES}throws.mjs`,
          '--checkpoint-interval-ms',
          '0',
          ...RESTARTED,
        ]),
      );
      assert.equal(code, 1, worker.describe());
      assert.match(
        said(worker),
        /transform of key \{"pk":\{"S":"t-30"\}\} threw: TypeError: bad item/,
        worker.describe(),
      );

      // The cause fixed (a transform that accepts every item): everything arrives, the refused item too.
      const fixed = new ReplicatorProcess(
        throwing.args([
          '--transform',
          `${FIXTURES}drop-email.mjs`,
          '--checkpoint-interval-ms',
          '0',
          ...RESTARTED,
        ]),
      );
      try {
        await fixed.waitForLog('lease taken');
        const final = await assertDestination(throwing, (item) => item, fixed);
        assert.equal(final.expected, 61);
        assert.equal((await fixed.stop()).code, 0, fixed.describe());
      } finally {
        await fixed.kill();
      }
    } finally {
      await throwing.cleanup();
    }
  });
});

describe('rules per plan entry', () => {
  test('a pattern written as YAML, an attribute list, a transform beside the plan and a rename map', async () => {
    const [a, b] = await Promise.all([
      createFixture({ prefix: 'plan-a' }),
      createFixture({ prefix: 'plan-b' }),
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'rules-plan-'));
    try {
      copyFileSync(`${FIXTURES}drop-email.mjs`, join(dir, 'drop-email.mjs'));
      const file = join(dir, 'plan.yaml');
      writeFileSync(
        file,
        `defaults:
  source: { region: ${SOURCE_REGION}, endpoint: "${sourceEndpoint()}" }
  destination: { region: ${DEST_REGION}, endpoint: "${destEndpoint()}" }
replications:
  - source: { table: ${a.sourceTable} }
    destination: { table: ${a.destTable} }
    taskName: ${a.taskName}
    filter: { dynamodb: { NewImage: { status: { S: [active] } } } }
    excludeAttributes: [email]
  - source: { table: ${b.sourceTable} }
    destination: { table: ${b.destTable} }
    taskName: ${b.taskName}
    transform: ./drop-email.mjs
    renameAttributes: { name: fullName }
`,
      );
      const person = (i: number): Item => ({
        pk: { S: `p-${i}` },
        status: { S: i % 3 === 0 ? 'active' : 'idle' },
        name: { S: `name ${i}` },
        email: { S: `p${i}@example.com` },
      });
      const items = Array.from({ length: 30 }, (_, i) => person(i));
      await Promise.all([putAll(a, items), putAll(b, items)]);
      const withoutEmail = (item: Item): Item => {
        const copy = { ...item };
        delete copy.email;
        return copy;
      };
      const worker = new ReplicatorProcess(['replicate', '--plan', file, '--progress-interval-ms', '1000']);
      try {
        const first = await assertDestination(
          a,
          (item) => (item.status?.S === 'active' ? withoutEmail(item) : null),
          worker,
        );
        assert.equal(first.expected, 10);
        const second = await assertDestination(
          b,
          (item) => {
            const { name, ...rest } = withoutEmail(item);
            return name === undefined ? rest : { ...rest, fullName: name };
          },
          worker,
        );
        assert.equal(second.expected, 30);
        assert.equal((await worker.stop()).code, 0, worker.describe());
        assert.deepEqual(worker.errors(), []);
      } finally {
        await worker.kill();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await Promise.all([a.cleanup(), b.cleanup()]);
    }
  });
});

describe('rule mistakes end with exit 2 and one line', { concurrency: 5 }, () => {
  const cases: [string, string[], RegExp][] = [
    [
      'a pattern that does not parse names the position',
      ['--filter', '{"dynamodb": {"NewImage": }'],
      /--filter is not a valid pattern: .*line 1, column \d+/,
    ],
    [
      'an unknown operator names the path',
      ['--filter', '{"dynamodb":{"NewImage":{"s":{"S":[{"prefx":"a"}]}}}}'],
      /dynamodb\.NewImage\.s\.S\[0\].*unknown operator "prefx"/,
    ],
    ['a missing pattern file', ['--filter', '@/nonexistent/pattern.json'], /--filter file .* cannot be read/],
    [
      'a missing transform module',
      ['--transform', '/nonexistent/t.mjs'],
      /not found .*check the --transform path/,
    ],
    [
      'a module without transform',
      ['--transform', `${FIXTURES}no-export.mjs`],
      /does not export a function named transform/,
    ],
    [
      'a key attribute excluded',
      ['--exclude-attributes', 'pk'],
      /--exclude-attributes names key attribute pk/,
    ],
    [
      'a key renamed to what the destination does not have',
      ['--rename-attributes', 'pk=id'],
      /key schemas differ: .*renamed by --rename-attributes: id S HASH/,
    ],
    ['a bad rename', ['--rename-attributes', 'a='], /rename/],
    ['a bad --ttl-deletes', ['--ttl-deletes', 'keep'], /ttl-deletes/],
  ];
  for (const [name, extra, expected] of cases) {
    test(name, async () => {
      const { worker, code } = await runUntilExit(fixture.args(extra));
      assert.equal(code, 2, worker.describe());
      assert.match(said(worker), expected, worker.describe());
    });
  }

  test('a key-changing transform on a NEW_IMAGE stream is refused at start', async () => {
    const newImage = await createFixture({ prefix: 'newimg', viewType: 'NEW_IMAGE' });
    try {
      const { worker, code } = await runUntilExit(newImage.args(['--transform', `${FIXTURES}rekey.mjs`]));
      assert.equal(code, 2, worker.describe());
      assert.match(
        said(worker),
        /changes keys.*view type NEW_IMAGE: switch the stream to NEW_AND_OLD_IMAGES/,
      );
    } finally {
      await newImage.cleanup();
    }
  });
});
