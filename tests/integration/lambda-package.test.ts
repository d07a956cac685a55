// dynamodb-local: shared
// `npm run package:lambda`'s zip is self-contained: the packaging script is run as npm runs it (with a transform
// module bundled beside the handler), the zip is read back, and its handler is loaded in a fresh Node process from
// a folder with no node_modules anywhere above it, configured only by DDB_REPLICATOR_* variables pointing at
// DynamoDB Local, as Lambda would load it. One batch from the source's stream goes through it, and the destination
// item is compared with the source item passed through the transform.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { DescribeTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { unzipSync } from 'fflate';
import { readStream, streamsClient } from '../support/lambda-events.js';
import { DEST_REGION, destEndpoint, SOURCE_REGION, sourceEndpoint } from '../support/local-env.js';
import {
  canonicalItem,
  createFixture,
  type Item,
  type ReplicationFixture,
} from '../support/replication-fixture.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

// Lambda's runtime imports the handler module and calls it with the event; this does the same, and prints what
// the handler returned as the last line of stdout.
const RUNTIME = `
import { readFileSync } from 'node:fs';
const { handler } = await import('./index.mjs');
const event = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const response = await handler(event, { getRemainingTimeInMillis: () => 30000, awsRequestId: 'r-1' });
process.stdout.write(JSON.stringify(response) + '\\n');
`;

let fixture: ReplicationFixture;
let work: string;
const streams = streamsClient(sourceEndpoint(), SOURCE_REGION);

before(async () => {
  fixture = await createFixture({ prefix: 'lambda-zip' });
  work = mkdtempSync(join(tmpdir(), 'ddb-lambda-zip-'));
});
after(async () => {
  streams.destroy();
  rmSync(work, { recursive: true, force: true });
  await fixture.cleanup();
});

test('the packaged zip runs on its own: one batch through the bundled handler and transform', async () => {
  const zipPath = join(work, 'function.zip');
  const packaged = await run(
    process.execPath,
    [
      join(ROOT, 'dist', 'scripts', 'package-lambda.js'),
      '--out',
      zipPath,
      '--transform',
      join(ROOT, 'tests', 'fixtures', 'transforms', 'async-upper.mjs'),
    ],
    { cwd: ROOT },
  );
  // One line: the zip, its size, what is inside.
  assert.match(
    packaged.stdout,
    /^\S+function\.zip: \d+\.\d\d MB \(index\.mjs \d+\.\d\d MB, transform\.mjs \d+\.\d\d MB unzipped; handler index\.handler, runtime nodejs20\.x\)\n$/,
  );
  const files = unzipSync(readFileSync(zipPath));
  assert.deepEqual(Object.keys(files).sort(), ['index.mjs', 'transform.mjs']);
  const task = join(work, 'task');
  mkdirSync(task);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(task, name), bytes);
  writeFileSync(join(task, 'runtime.mjs'), RUNTIME);

  const item: Item = {
    pk: { S: 'zip-1' },
    name: { S: 'bundled' },
    n: { N: '12345678901234567890123456789012345678' },
    b: { B: new Uint8Array([0, 1, 2, 255]) },
    ns: { NS: ['1E-130', '9.9999999999999999999999999999999999999E+125'] },
  };
  await fixture.source.send(new PutItemCommand({ TableName: fixture.sourceTable, Item: item }));
  const table = await fixture.source.send(new DescribeTableCommand({ TableName: fixture.sourceTable }));
  const records = await readStream(streams, table.Table?.LatestStreamArn ?? '');
  assert.equal(records.length, 1);
  writeFileSync(join(work, 'event.json'), JSON.stringify({ Records: records }));

  const { stdout, stderr } = await run(process.execPath, ['runtime.mjs', join(work, 'event.json')], {
    cwd: task,
    // Only what a function would have: no NODE_PATH, nothing of this repository's environment.
    env: {
      PATH: process.env.PATH ?? '',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      DDB_REPLICATOR_DEST_TABLE: fixture.destTable,
      DDB_REPLICATOR_DEST_REGION: DEST_REGION,
      DDB_REPLICATOR_DEST_ENDPOINT: destEndpoint(),
      // Relative to the working directory, as /var/task is a function's.
      DDB_REPLICATOR_TRANSFORM: 'transform.mjs',
    },
  });
  const lines = stdout.trim().split('\n');
  assert.deepEqual(JSON.parse(lines.at(-1) ?? ''), { batchItemFailures: [] }, stderr);
  const metrics = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((l) => '_aws' in l);
  assert.deepEqual([metrics?.Records, metrics?.ItemsWritten], [1, 1], stdout);
  assert.match(stderr, /"msg":"batch written"/);

  const written = await fixture.destination.send(
    new GetItemCommand({ TableName: fixture.destTable, Key: { pk: { S: 'zip-1' } }, ConsistentRead: true }),
  );
  assert.equal(
    canonicalItem(written.Item ?? {}),
    canonicalItem({ ...item, name: { S: 'BUNDLED' } }),
    'the source item, through the bundled transform',
  );
});
