// dynamodb-local: shared
// Proves that every configuration mistake (missing tables, streams without new images, different key schemas,
// unreachable endpoints, bad flags) ends the real CLI with exit code 2 and one error line that names the table
// or flag and what to do, without a stack trace and before a lease table is created; and that NEW_IMAGE and
// NEW_AND_OLD_IMAGES streams both replicate.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DynamoDBClient, StreamViewType } from '@aws-sdk/client-dynamodb';
import { EXIT_CONFIG } from '../../src/cli/exit-codes.js';
import { freePort } from '../../src/local/dynamodb-local.js';
import { createTable, deleteTableIfExists, type TableKey } from '../../src/local/local-tables.js';
import { putItems, setValue, deleteItem } from '../support/attribute-items.js';
import {
  DEST_REGION,
  SOURCE_REGION,
  destClient,
  destEndpoint,
  sourceClient,
  sourceEndpoint,
  uniqueName,
} from '../support/local-env.js';
import { createFixture } from '../support/replication-fixture.js';
import {
  plainErrorLines,
  replicateToConvergence,
  reportedErrors,
  runUntilExit,
  stackTraceFrames,
} from '../support/run-replicator.js';
import { leaseTable, tableNames } from '../support/stream-inspection.js';

const PK: TableKey = { hash: { name: 'pk', type: 'S' } };
let source: DynamoDBClient;
let destination: DynamoDBClient;
const created: { client: () => DynamoDBClient; name: string }[] = [];
const t = {
  source: uniqueName('chk-src'),
  noStream: uniqueName('chk-nostream'),
  keysOnly: uniqueName('chk-keysonly'),
  oldImage: uniqueName('chk-oldimage'),
  dest: uniqueName('chk-dst'),
  destOtherName: uniqueName('chk-dst-name'),
  destOtherType: uniqueName('chk-dst-type'),
  destComposite: uniqueName('chk-dst-composite'),
  missing: uniqueName('chk-missing'),
};

before(async () => {
  source = sourceClient();
  destination = destClient();
  const make = async (side: 'source' | 'dest', name: string, key: TableKey, view?: StreamViewType) => {
    created.push({ client: () => (side === 'source' ? source : destination), name });
    await createTable(side === 'source' ? source : destination, name, key, view);
  };
  await Promise.all([
    make('source', t.source, PK, 'NEW_AND_OLD_IMAGES'),
    make('source', t.noStream, PK),
    make('source', t.keysOnly, PK, 'KEYS_ONLY'),
    make('source', t.oldImage, PK, 'OLD_IMAGE'),
    make('dest', t.dest, PK),
    make('dest', t.destOtherName, { hash: { name: 'id', type: 'S' } }),
    make('dest', t.destOtherType, { hash: { name: 'pk', type: 'N' } }),
    make('dest', t.destComposite, { hash: { name: 'pk', type: 'S' }, range: { name: 'sk', type: 'N' } }),
  ]);
});
after(async () => {
  await Promise.all(created.map(({ client, name }) => deleteTableIfExists(client(), name)));
  source.destroy();
  destination.destroy();
});

interface Flags {
  readonly sourceTable?: string | null;
  readonly destTable?: string | null;
  readonly sourceEndpoint?: string;
  readonly destEndpoint?: string;
  readonly destRegion?: string;
  readonly extra?: readonly string[];
}

/** `replicate` flags pointing at the two local instances; null leaves a flag out. */
function replicateArgs(task: string, flags: Flags): string[] {
  const optional = (flag: string, value: string | null | undefined, fallback: string): string[] =>
    value === null ? [] : [flag, value ?? fallback];
  return [
    'replicate',
    ...optional('--source-table', flags.sourceTable, t.source),
    ...['--source-region', SOURCE_REGION, '--source-endpoint', flags.sourceEndpoint ?? sourceEndpoint()],
    ...optional('--dest-table', flags.destTable, t.dest),
    ...[
      '--dest-region',
      flags.destRegion ?? DEST_REGION,
      '--dest-endpoint',
      flags.destEndpoint ?? destEndpoint(),
    ],
    ...['--task-name', task, ...(flags.extra ?? [])],
  ];
}

interface FailingCase {
  readonly name: string;
  readonly flags: () => Promise<Flags> | Flags;
  /** Every one of these must appear in the error line: the table or flag, and what to do. */
  readonly mentions: (flags: Flags) => readonly string[];
  /** A known bug makes this case fail; the text says which. */
  readonly todo?: string;
}

/** An endpoint with nothing listening. */
const unreachable = async (): Promise<string> => `http://127.0.0.1:${await freePort()}`;

const CASES: FailingCase[] = [
  {
    name: 'source table missing',
    flags: () => ({ sourceTable: t.missing }),
    mentions: () => [t.missing, 'check --source-table'],
  },
  {
    name: 'source table without a stream',
    flags: () => ({ sourceTable: t.noStream }),
    mentions: () => [t.noStream, 'no enabled stream', 'NEW_IMAGE or NEW_AND_OLD_IMAGES'],
  },
  {
    name: 'stream view type KEYS_ONLY',
    flags: () => ({ sourceTable: t.keysOnly }),
    mentions: () => [t.keysOnly, 'KEYS_ONLY', 'switch it to NEW_IMAGE or NEW_AND_OLD_IMAGES'],
  },
  {
    name: 'stream view type OLD_IMAGE',
    flags: () => ({ sourceTable: t.oldImage }),
    mentions: () => [t.oldImage, 'OLD_IMAGE', 'switch it to NEW_IMAGE or NEW_AND_OLD_IMAGES'],
  },
  {
    name: 'destination table missing',
    flags: () => ({ destTable: t.missing }),
    mentions: () => [
      `destination table ${t.missing}`,
      'check --dest-table',
      'create it with the same key schema',
    ],
  },
  {
    name: 'key schemas differ: another attribute name',
    flags: () => ({ destTable: t.destOtherName }),
    mentions: () => [t.source, t.destOtherName, '(pk S HASH)', '(id S HASH)', "with the source's key schema"],
  },
  {
    name: 'key schemas differ: same name, another type',
    flags: () => ({ destTable: t.destOtherType }),
    mentions: () => [t.source, t.destOtherType, '(pk S HASH)', '(pk N HASH)', "with the source's key schema"],
  },
  {
    name: 'key schemas differ: hash-only source, composite destination',
    flags: () => ({ destTable: t.destComposite }),
    mentions: () => [t.destComposite, '(pk S HASH, sk N RANGE)', "with the source's key schema"],
  },
  {
    name: 'source endpoint unreachable',
    flags: async () => ({ sourceEndpoint: await unreachable() }),
    mentions: (f) => [`source table ${t.source}`, f.sourceEndpoint ?? '?', 'check --source-endpoint'],
  },
  {
    name: 'destination endpoint unreachable',
    flags: async () => ({ destEndpoint: await unreachable() }),
    mentions: (f) => [`destination table ${t.dest}`, f.destEndpoint ?? '?', 'check --dest-endpoint'],
  },
  {
    name: 'unknown flag',
    flags: () => ({ extra: ['--bogus-flag', 'x'] }),
    mentions: () => ['bogus-flag', '--help'],
  },
  {
    name: 'missing --source-table',
    flags: () => ({ sourceTable: null }),
    mentions: () => ['missing --source-table'],
  },
  {
    name: 'missing --dest-table',
    flags: () => ({ destTable: null }),
    mentions: () => ['missing --dest-table'],
  },
  {
    name: '--batch-size 0',
    flags: () => ({ extra: ['--batch-size', '0'] }),
    mentions: () => ['--batch-size', '1 to 1000', 'got 0'],
  },
  {
    name: '--batch-size 1001',
    flags: () => ({ extra: ['--batch-size', '1001'] }),
    mentions: () => ['--batch-size', '1 to 1000', 'got 1001'],
  },
  {
    name: '--start-position sideways',
    flags: () => ({ extra: ['--start-position', 'sideways'] }),
    mentions: () => ['start-position', 'sideways', 'trim-horizon', '--help'],
  },
  {
    name: '--source-endpoint not-a-url',
    flags: () => ({ sourceEndpoint: 'not-a-url' }),
    mentions: () => ['--source-endpoint "not-a-url"', 'http://host:port'],
  },
  {
    name: 'source table equals destination table',
    flags: () => ({ destTable: t.source, destEndpoint: sourceEndpoint(), destRegion: SOURCE_REGION }),
    mentions: () => [`--dest-table ${t.source}`, 'is the source table itself', 'name another table'],
  },
];

describe('configuration mistakes end with exit 2 and one line', { concurrency: 4 }, () => {
  for (const c of CASES) {
    test(c.name, c.todo === undefined ? {} : { todo: c.todo }, async () => {
      const task = uniqueName('chk-task');
      const flags = await c.flags();
      const { worker, code } = await runUntilExit(replicateArgs(task, flags));
      const detail = worker.describe();
      assert.equal(code, EXIT_CONFIG, detail);
      const errors = reportedErrors(worker);
      assert.equal(errors.length, 1, `exactly one error line, got:\n${errors.join('\n')}`);
      for (const text of c.mentions(flags))
        assert.ok(errors[0]!.includes(text), `"${errors[0]}" mentions "${text}"`);
      for (const line of plainErrorLines(worker)) assert.match(line, /^ddb-replicator: /);
      assert.deepEqual(stackTraceFrames(worker), [], 'no stack trace in stderr');
      assert.ok(!worker.logs.some((l) => l.msg === 'replicating'), 'the worker never started');
      const [sourceTables, destTables] = await Promise.all([tableNames(source), tableNames(destination)]);
      assert.ok(!sourceTables.includes(leaseTable(task)), 'no lease table on the source side');
      assert.ok(!destTables.includes(leaseTable(task)), 'no lease table on the destination side');
    });
  }
});

for (const viewType of ['NEW_IMAGE', 'NEW_AND_OLD_IMAGES'] as const) {
  test(`a stream with view type ${viewType} replicates inserts, updates and deletes`, async () => {
    const fixture = await createFixture({
      viewType,
      prefix: viewType === 'NEW_IMAGE' ? 'view-new' : 'view-both',
    });
    try {
      const items = Array.from({ length: 20 }, (_, i) => ({ pk: { S: `item-${i}` }, n: { N: String(i) } }));
      await putItems(fixture.source, fixture.sourceTable, items);
      for (let i = 0; i < 5; i++)
        await setValue(fixture.source, fixture.sourceTable, { pk: { S: `item-${i}` } }, { S: 'updated' });
      for (let i = 15; i < 20; i++)
        await deleteItem(fixture.source, fixture.sourceTable, { pk: { S: `item-${i}` } });
      const { diff } = await replicateToConvergence(fixture);
      assert.equal(diff.compared, 15);
    } finally {
      await fixture.cleanup();
    }
  });
}
