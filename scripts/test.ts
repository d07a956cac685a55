// `npm test`: starts two DynamoDB Local instances (source side and destination side), runs every test file
// with Node's test runner against them, and stops them again, whatever the outcome.
// `npm run test:unit` (--unit) runs only the pure unit tests beside the code, without DynamoDB Local.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_CREDENTIALS, startDynamoDbLocal, type DynamoDbLocal } from '../src/local/dynamodb-local.js';

const root = join(fileURLToPath(import.meta.url), '..', '..');

function findTests(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith('.test.js')) found.push(path);
  }
  return found.sort();
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const unitOnly = args.includes('--unit');
  const filters = args.filter((a) => !a.startsWith('--'));
  let files = findTests(join(root, 'src'));
  if (!unitOnly) files.push(...findTests(join(root, 'tests')));
  if (filters.length > 0) files = files.filter((f) => filters.some((filter) => f.includes(filter)));
  if (files.length === 0) {
    process.stderr.write('no test files found\n');
    return 1;
  }

  const instances: DynamoDbLocal[] = [];
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The SDK prefers a profile over keys; DynamoDB Local needs the keys below (it keeps a database per key).
  delete env.AWS_PROFILE;
  delete env.AWS_DEFAULT_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  try {
    if (!unitOnly) {
      const started = performance.now();
      instances.push(...(await Promise.all([startDynamoDbLocal(), startDynamoDbLocal()])));
      const [source, destination] = instances;
      Object.assign(env, {
        DDB_TEST_SOURCE_ENDPOINT: source?.endpoint,
        DDB_TEST_DEST_ENDPOINT: destination?.endpoint,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_REGION: 'us-east-1',
      });
      process.stdout.write(
        `DynamoDB Local: source ${source?.endpoint}, destination ${destination?.endpoint} (up in ${Math.round(performance.now() - started)} ms)\n`,
      );
    }
    process.stdout.write(
      `running ${files.length} test files: ${files.map((f) => relative(root, f)).join(' ')}\n`,
    );
    const concurrency = process.env.TEST_CONCURRENCY ?? '2';
    const child = spawn(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...files], {
      stdio: 'inherit',
      env,
    });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    return await new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  } finally {
    await Promise.all(instances.map((i) => i.stop()));
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
