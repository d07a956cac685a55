import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import yargs from 'yargs';
import { envFlags, envOrigin, flagNames, unknownVariables, withEnvFlags } from './env-flags.js';
import { EXIT_CONFIG } from './exit-codes.js';
import { main } from './main.js';
import { replicateFlags } from './replicate-flags.js';
import { statusFlags } from './status-command.js';

const ENV = {
  DDB_REPLICATOR_DEST_TABLE: 'orders-copy',
  DDB_REPLICATOR_BATCH_SIZE: '250',
  DDB_REPLICATOR_COPY_TAGS: 'true',
  DDB_REPLICATOR_START_POSITION: 'latest',
  DDB_REPLICATOR_: 'nothing after the prefix',
  PATH: '/usr/bin',
  ddb_replicator_dest_table: 'lower case is not ours',
};

describe('envFlags', () => {
  test('DDB_REPLICATOR_<FLAG> in upper snake case is the flag; other variables are not', () => {
    const flags = envFlags(ENV);
    assert.deepEqual(
      [...flags].map(([flag, { variable, value }]) => [flag, variable, value]),
      [
        ['dest-table', 'DDB_REPLICATOR_DEST_TABLE', 'orders-copy'],
        ['batch-size', 'DDB_REPLICATOR_BATCH_SIZE', '250'],
        ['copy-tags', 'DDB_REPLICATOR_COPY_TAGS', 'true'],
        ['start-position', 'DDB_REPLICATOR_START_POSITION', 'latest'],
      ],
    );
  });

  test('a variable that names no flag of any command is named; known ones are not', () => {
    const flags = envFlags({
      DDB_REPLICATOR_DEST_TABEL: 'x',
      DDB_REPLICATOR_DEST_TABLE: 'y',
      DDB_REPLICATOR_A: '1',
    });
    assert.deepEqual(unknownVariables(flags, new Set(['dest-table'])), [
      'DDB_REPLICATOR_A',
      'DDB_REPLICATOR_DEST_TABEL',
    ]);
    assert.deepEqual(unknownVariables(flags, new Set(['dest-table', 'dest-tabel', 'a'])), []);
  });
});

describe('withEnvFlags', () => {
  const parse = async (argv: string[], env: NodeJS.ProcessEnv) =>
    (await withEnvFlags(replicateFlags(yargs(argv)), envFlags(env))
      .strict()
      .parseAsync()) as Record<string, unknown>;

  test("the environment sets a command's flags, typed and checked like the command line", async () => {
    const args = await parse([], ENV);
    assert.equal(args['dest-table'], 'orders-copy');
    assert.equal(args['batch-size'], 250);
    assert.equal(args['copy-tags'], true);
    assert.equal(args['start-position'], 'latest');
  });

  test('the command line wins over the environment', async () => {
    const args = await parse(['--dest-table', 'cli-table', '--batch-size', '9', '--no-copy-tags'], ENV);
    assert.equal(args['dest-table'], 'cli-table');
    assert.equal(args['batch-size'], 9);
    assert.equal(args['copy-tags'], false);
  });

  test("a variable of another command's flag is left alone, not an unknown argument", async () => {
    const status = withEnvFlags(
      statusFlags(yargs([])),
      envFlags({ ...ENV, DDB_REPLICATOR_WRITE_CONCURRENCY: '4' }),
    );
    assert.ok(!flagNames(statusFlags(yargs([]))).has('write-concurrency'));
    const args = (await status.strict().parseAsync()) as Record<string, unknown>;
    assert.equal(args['write-concurrency'], undefined);
  });

  test('a value the flag refuses is refused, as on the command line', async () => {
    await assert.rejects(
      async () =>
        await withEnvFlags(replicateFlags(yargs([])), envFlags({ DDB_REPLICATOR_START_POSITION: 'middle' }))
          .strict()
          .fail((message) => {
            throw new Error(message);
          })
          .parseAsync(),
      /start-position.*middle/s,
    );
  });
});

describe('envOrigin', () => {
  test('names the variable behind a flag the message names, unless the command line gave that flag', () => {
    const env = { DDB_REPLICATOR_BATCH_SIZE: '5000', DDB_REPLICATOR_DEST_TABLE: 'x' };
    const message = '--batch-size 5000 is out of range (1 to 1000)';
    assert.deepEqual(envOrigin(message, env, ['replicate']), ['DDB_REPLICATOR_BATCH_SIZE']);
    assert.deepEqual(envOrigin(message, env, ['replicate', '--batch-size', '5000']), []);
    assert.deepEqual(envOrigin(message, env, ['replicate', '--batch-size=5000']), []);
    assert.deepEqual(envOrigin(message, {}, ['replicate']), []);
    assert.deepEqual(envOrigin('--dest-table and --batch-size', env, []), [
      'DDB_REPLICATOR_DEST_TABLE',
      'DDB_REPLICATOR_BATCH_SIZE',
    ]);
  });
});

describe('main with variables', () => {
  test('a variable that names no flag ends with exit 2 before any command runs', async () => {
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    const capture = (chunk: string | Uint8Array): boolean => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
      return true;
    };
    process.stderr.write = capture;
    try {
      assert.equal(await main(['status', '--help'], { DDB_REPLICATOR_DEST_TABEL: 'x' }), EXIT_CONFIG);
    } finally {
      process.stderr.write = write;
    }
    assert.match(
      written.join(''),
      /DDB_REPLICATOR_DEST_TABEL in the environment names no flag of any command/,
    );
  });
});
