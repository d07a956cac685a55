// dynamodb-local: shared
// Loading a DynamoDB export through the real CLI against DynamoDB Local. The exports are hand-made in the
// documented layout (tests/support/export-folder.ts: manifests, gzipped DynamoDB JSON lines, MD5s), written from
// literal text: S3 and point-in-time recovery have no local edition. `bootstrap --from-export` loads a full export
// and two incremental exports (every attribute type; updates, deletes and a key written twice out of order), and
// the destination is compared item by item with literal expected items; `replicate` of the same task then replays
// the stream from TRIM_HORIZON and the destination ends equal to the source, changed after the export. The task's
// rules apply to a load (--exclude-attributes). A load
// killed with -9 resumes at the first file not saved. Bad exports end with their one line: exit 2 (a checksum
// mismatch, ION, a garbled manifest, s3://), exit 1 for an export older than the stream's retention.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import {
  DeleteItemCommand,
  DescribeTableCommand,
  PutItemCommand,
  ScanCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { scanAll } from '../../src/local/local-tables.js';
import { changeLine, itemLine, writeExport } from '../support/export-folder.js';
import {
  assertTablesConverge,
  canonicalItem,
  createFixture,
  keyOf,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import { reportedErrors, runUntilExit } from '../support/run-replicator.js';
import { leaseTable, shardLeaseItems } from '../support/stream-inspection.js';

type Item = Record<string, AttributeValue>;
const KEY = { hash: { name: 'pk', type: 'S' as const }, range: { name: 'sk', type: 'N' as const } };
const MIN = 60_000;

const root = mkdtempSync(join(tmpdir(), 'export-load-'));
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
  rmSync(root, { recursive: true, force: true });
});

async function fixture(t: TestContext, prefix: string): Promise<ReplicationFixture> {
  const f = await createFixture({ prefix, key: KEY });
  cleanups.push(() => f.cleanup());
  t.diagnostic(`source ${f.sourceTable}`);
  return f;
}

const tableArn = (f: ReplicationFixture): string =>
  `arn:aws:dynamodb:ddblocal:000000000000:table/${f.sourceTable}`;

// Every attribute type, as an export writes it (literal text) and as the destination must hold it (literal values).
const ALL_TYPES_JSON =
  '{"pk":{"S":"all-types"},"sk":{"N":"1"},"n38":{"N":"12345678901234567890123456789012345678"},' +
  '"tiny":{"N":"-1E-130"},"big":{"N":"9.9999999999999999999999999999999999999E+125"},"b":{"B":"AAEC/w=="},' +
  '"ss":{"SS":["x","y"]},"ns":{"NS":["1","0.12345678901234567890123456789012345678"]},"bs":{"BS":["AQ==","Ag=="]},' +
  '"l":{"L":[{"S":"x"},{"NULL":true},{"M":{}},{"L":[{"N":"2"}]}]},"m":{"M":{"deep":{"M":{"f":{"BOOL":false}}}}},' +
  '"nul":{"NULL":true},"t":{"BOOL":true},"sEmpty":{"S":""},"unicode":{"S":"é😀"}}';
const ALL_TYPES: Item = {
  pk: { S: 'all-types' },
  sk: { N: '1' },
  n38: { N: '12345678901234567890123456789012345678' },
  tiny: { N: '-1E-130' },
  big: { N: '9.9999999999999999999999999999999999999E+125' },
  b: { B: new Uint8Array([0, 1, 2, 255]) },
  ss: { SS: ['x', 'y'] },
  ns: { NS: ['1', '0.12345678901234567890123456789012345678'] },
  bs: { BS: [new Uint8Array([1]), new Uint8Array([2])] },
  l: { L: [{ S: 'x' }, { NULL: true }, { M: {} }, { L: [{ N: '2' }] }] },
  m: { M: { deep: { M: { f: { BOOL: false } } } } },
  nul: { NULL: true },
  t: { BOOL: true },
  sEmpty: { S: '' },
  unicode: { S: 'é😀' },
};

const k = (pk: string, sk: string): string => `{"pk":{"S":"${pk}"},"sk":{"N":"${sk}"}}`;
const img = (pk: string, sk: string, v: string): string =>
  `{"pk":{"S":"${pk}"},"sk":{"N":"${sk}"},"v":{"S":"${v}"}}`;
const item = (pk: string, sk: string, v: string): Item => ({ pk: { S: pk }, sk: { N: sk }, v: { S: v } });

/** When the source's stream was enabled (its label, UTC): the exports must end after it. */
async function streamEnabled(f: ReplicationFixture): Promise<number> {
  const out = await f.source.send(new DescribeTableCommand({ TableName: f.sourceTable }));
  const label = out.Table?.LatestStreamLabel ?? '';
  const ms = Date.parse(`${label}Z`);
  assert.ok(!Number.isNaN(ms), `stream label ${label}`);
  return ms;
}

/** A full export at `base` and two incremental exports after it (to base + 4 ms); returns the folder. */
function writeExports(f: ReplicationFixture, name: string, base: number): string {
  const dir = join(root, name);
  const arn = tableArn(f);
  const full = base;
  writeExport(dir, {
    id: '01700000000000-full',
    type: 'FULL_EXPORT',
    tableArn: arn,
    fromMs: full,
    files: {
      'part-a.json.gz': [
        `{"Item":${ALL_TYPES_JSON}}`,
        itemLine(JSON.parse(img('to-update', '2', 'old'))),
        itemLine(JSON.parse(img('to-delete', '3', 'x'))),
      ],
      'part-b.json.gz': [itemLine(JSON.parse(img('kept', '-0.5', 'kept'))), ''],
      'empty.json.gz': [],
    },
  });
  writeExport(dir, {
    id: '01700000000001-inc1',
    type: 'INCREMENTAL_EXPORT',
    tableArn: arn,
    fromMs: full,
    toMs: base + 2,
    files: {
      'i1.json.gz': [
        changeLine(
          JSON.parse(k('to-update', '2')),
          JSON.parse(img('to-update', '2', 'mid')),
          JSON.parse(img('to-update', '2', 'old')),
          (base + 1) * 1000,
        ),
        changeLine(
          JSON.parse(k('to-delete', '3')),
          undefined,
          JSON.parse(img('to-delete', '3', 'x')),
          (base + 1) * 1000 + 1,
        ),
        changeLine(
          JSON.parse(k('new-1', '4')),
          JSON.parse(img('new-1', '4', 'first')),
          undefined,
          (base + 1) * 1000 + 2,
        ),
      ],
    },
  });
  writeExport(dir, {
    id: '01700000000002-inc2',
    type: 'INCREMENTAL_EXPORT',
    tableArn: arn,
    fromMs: base + 2,
    toMs: base + 4,
    files: {
      'i2.json.gz': [
        // The later write first: the latest WriteTimestampMicros wins, not the line order.
        changeLine(
          JSON.parse(k('new-1', '4')),
          JSON.parse(img('new-1', '4', 'latest')),
          undefined,
          (base + 3) * 1000 + 2,
        ),
        changeLine(
          JSON.parse(k('new-1', '4')),
          JSON.parse(img('new-1', '4', 'stale')),
          undefined,
          (base + 3) * 1000 + 1,
        ),
        changeLine(
          JSON.parse(k('to-update', '2')),
          JSON.parse(img('to-update', '2', 'new')),
          JSON.parse(img('to-update', '2', 'mid')),
          (base + 3) * 1000,
        ),
      ],
    },
  });
  return dir;
}

/** The table the exports above describe, just before the last one's end. */
const EXPECTED: readonly Item[] = [
  ALL_TYPES,
  item('to-update', '2', 'new'),
  item('kept', '-0.5', 'kept'),
  item('new-1', '4', 'latest'),
];

async function assertDestinationHolds(f: ReplicationFixture, expected: readonly Item[]): Promise<void> {
  const actual = await scanAll(f.destination, f.destTable);
  const byKey = (items: readonly Item[]) => new Map(items.map((i) => [keyOf(i, KEY), canonicalItem(i)]));
  assert.deepEqual(byKey(actual), byKey(expected));
}

test('bootstrap --from-export loads a full and two incremental exports exactly; replicate then replays the stream from TRIM_HORIZON', async (t) => {
  const f = await fixture(t, 'exp-load');
  // The source holds the exported state, then changes after the export that only the stream carries.
  for (const i of EXPECTED) await f.source.send(new PutItemCommand({ TableName: f.sourceTable, Item: i }));
  await f.source.send(
    new PutItemCommand({ TableName: f.sourceTable, Item: item('kept', '-0.5', 'changed after') }),
  );
  await f.source.send(
    new DeleteItemCommand({ TableName: f.sourceTable, Key: { pk: { S: 'new-1' }, sk: { N: '4' } } }),
  );
  await f.source.send(
    new PutItemCommand({ TableName: f.sourceTable, Item: item('after-export', '5', 'new') }),
  );
  const folder = writeExports(f, 'ok', (await streamEnabled(f)) + 1);

  const load = await runUntilExit(['bootstrap', ...f.args(['--from-export', folder]).slice(1)], 60_000);
  assert.equal(load.code, 0, load.worker.describe());
  assert.deepEqual(reportedErrors(load.worker), []);
  assert.equal(load.worker.logs.filter((l) => l.msg === 'export file loaded').length, 5);
  await assertDestinationHolds(f, EXPECTED);
  const leases = shardLeaseItems(
    (await f.source.send(new ScanCommand({ TableName: leaseTable(f.taskName) }))).Items ?? [],
  );
  assert.ok(leases.length > 0);
  assert.deepEqual(new Set(leases.map((l) => l.checkpoint?.S)), new Set(['TRIM_HORIZON']));
  // The load is the copy's one segment: status counts its lines (10) and 1/1 segments.
  const copyItems = (await f.source.send(new ScanCommand({ TableName: leaseTable(f.taskName) }))).Items ?? [];
  const byKey = new Map(copyItems.map((i) => [i.leaseKey?.S, i]));
  assert.equal(byKey.get('bootstrap#task')?.segments?.N, '1');
  assert.equal(byKey.get('bootstrap#task')?.state?.S, 'done');
  assert.equal(byKey.get('bootstrap#segment-0')?.done?.BOOL, true);
  assert.equal(byKey.get('bootstrap#segment-0')?.itemsCopied?.N, '10');

  // Loading again is a no-op; replication of the same task replays every change the stream holds.
  const again = await runUntilExit(['bootstrap', ...f.args(['--from-export', folder]).slice(1)], 60_000);
  assert.equal(again.code, 0, again.worker.describe());
  assert.ok(again.worker.logs.some((l) => l.msg === 'export load already done'));
  const worker = new ReplicatorProcess(f.args());
  try {
    await assertTablesConverge(f, 60_000);
    assert.equal((await worker.stop()).code, 0, worker.describe());
  } finally {
    await worker.kill();
  }
});

test('replicate --bootstrap --from-export loads, then replicates from TRIM_HORIZON in the same run', async (t) => {
  const f = await fixture(t, 'exp-repl');
  for (const i of EXPECTED) await f.source.send(new PutItemCommand({ TableName: f.sourceTable, Item: i }));
  await f.source.send(
    new DeleteItemCommand({ TableName: f.sourceTable, Key: { pk: { S: 'kept' }, sk: { N: '-0.5' } } }),
  );
  await f.source.send(
    new PutItemCommand({ TableName: f.sourceTable, Item: item('after-export', '5', 'new') }),
  );
  const worker = new ReplicatorProcess(
    f.args(['--bootstrap', '--from-export', writeExports(f, 'repl', (await streamEnabled(f)) + 1)]),
  );
  try {
    await worker.waitForLog('export load done');
    await assertTablesConverge(f, 60_000);
    assert.equal((await worker.stop()).code, 0, worker.describe());
    assert.deepEqual(reportedErrors(worker), []);
  } finally {
    await worker.kill();
  }
});

test("the task's rules apply to a load: --exclude-attributes drops the attribute from every image, deletes still delete", async (t) => {
  const f = await fixture(t, 'exp-rules');
  const folder = writeExports(f, 'rules', (await streamEnabled(f)) + 1);
  const load = await runUntilExit(
    ['bootstrap', ...f.args(['--from-export', folder, '--exclude-attributes', 'v,n38']).slice(1)],
    60_000,
  );
  assert.equal(load.code, 0, load.worker.describe());
  const without = EXPECTED.map((i) =>
    Object.fromEntries(Object.entries(i).filter(([name]) => name !== 'v' && name !== 'n38')),
  );
  await assertDestinationHolds(f, without);
});

test('a load killed with -9 resumes at the first file not saved, and ends exact', async (t) => {
  const f = await fixture(t, 'exp-resume');
  const files: Record<string, string[]> = {};
  const expected: Item[] = [];
  for (let n = 0; n < 12; n++) {
    files[`p${String(n).padStart(2, '0')}.json.gz`] = Array.from({ length: 10 }, (_, i) =>
      itemLine(JSON.parse(img(`f${n}`, String(i), `v${n}.${i}`))),
    );
    for (let i = 0; i < 10; i++) expected.push(item(`f${n}`, String(i), `v${n}.${i}`));
  }
  const folder = join(root, 'resume');
  writeExport(folder, {
    id: 'full',
    type: 'FULL_EXPORT',
    tableArn: tableArn(f),
    fromMs: (await streamEnabled(f)) + 1,
    files,
  });
  // 20 items a second: a file each half second, so the kill lands mid-load.
  const args = ['bootstrap', ...f.args(['--from-export', folder, '--max-write-rate', '20']).slice(1)];
  const first = new ReplicatorProcess(args);
  try {
    await first.waitForLog('export file loaded', { match: (l) => l.fileIndex === 2, timeoutMs: 30_000 });
  } finally {
    await first.kill();
  }
  // Without --from-export, the unfinished load is refused (a scan copy would misread its saved file index).
  const scan = await runUntilExit(['bootstrap', ...f.args().slice(1)], 30_000);
  assert.equal(scan.code, 2, scan.worker.describe());
  assert.match(
    reportedErrors(scan.worker).join('\n'),
    new RegExp(
      `loads an export \\(${folder}\\) and the load is not finished: run it again with --from-export`,
    ),
  );
  const second = await runUntilExit(args, 60_000);
  assert.equal(second.code, 0, second.worker.describe());
  const loaded = second.worker.logs
    .filter((l) => l.msg === 'export file loaded')
    .map((l) => Number(l.fileIndex));
  assert.ok(
    (loaded[0] ?? 0) >= 3 && loaded.length <= 9,
    `resumed at ${loaded[0]}, loaded ${loaded.length} files`,
  );
  assert.equal(loaded.at(-1), 11);
  await assertDestinationHolds(f, expected);
});

test('bad exports end with one line naming the file: exit 2; an export older than the retention: exit 1', async (t) => {
  const f = await fixture(t, 'exp-bad');
  const run = async (
    folder: string,
    flags: readonly string[] = [],
  ): Promise<{ code: number | null; errors: string[] }> => {
    const { worker, code } = await runUntilExit(
      ['bootstrap', ...f.args(['--from-export', folder, ...flags]).slice(1)],
      30_000,
    );
    return { code, errors: reportedErrors(worker) };
  };
  const expectLine = (out: { code: number | null; errors: string[] }, code: number, line: RegExp): void => {
    assert.equal(out.code, code, out.errors.join('\n'));
    assert.equal(out.errors.length, 1, out.errors.join('\n'));
    assert.match(out.errors[0] ?? '', line);
  };

  const enabled = await streamEnabled(f);
  const mismatch = writeExports(f, 'mismatch', enabled + 1);
  writeFileSync(join(mismatch, 'AWSDynamoDB', '01700000000001-inc1', 'data', 'i1.json.gz'), 'changed');
  expectLine(
    await run(mismatch),
    2,
    /export file .*inc1\/data\/i1\.json\.gz: MD5 .* differs from the manifest's md5Checksum .*; copy the export again/,
  );
  // Nothing was written: the checksums are checked before the first item.
  assert.equal((await scanAll(f.destination, f.destTable)).length, 0);

  const ion = join(root, 'ion');
  writeExport(ion, {
    id: 'ion',
    type: 'FULL_EXPORT',
    tableArn: tableArn(f),
    fromMs: enabled + 1,
    outputFormat: 'ION',
    files: { 'a.ion.gz': [] },
  });
  expectLine(
    await run(ion),
    2,
    /manifest-summary\.json: the export's format is "ION", not DYNAMODB_JSON; export the table again with ExportFormat DYNAMODB_JSON/,
  );

  const garbled = writeExports(f, 'garbled', enabled + 1);
  writeFileSync(
    join(garbled, 'AWSDynamoDB', '01700000000000-full', 'manifest-summary.json'),
    '{"exportArn": ',
  );
  expectLine(await run(garbled), 2, /full\/manifest-summary\.json: is not valid JSON/);

  expectLine(
    await run('s3://bucket/prefix'),
    2,
    /reading an export from S3 is not built yet; copy it to a local folder/,
  );

  const old = writeExports(f, 'old', Date.now() - 25 * 60 * MIN);
  expectLine(
    await run(old),
    1,
    /^data may be lost: the export ends at .*, 2\d\.\d h ago before the load.*take an incremental export up to now/,
  );
  const early = writeExports(f, 'before-stream', enabled - 60 * MIN);
  expectLine(
    await run(early),
    1,
    /^data lost: the source's stream was enabled at .*, after the export's end .*: changes made between are in neither/,
  );
  assert.equal((await scanAll(f.destination, f.destTable)).length, 0);
});
