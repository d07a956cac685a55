// `npm test`: starts DynamoDB Local, runs every test file with Node's test runner against it, and stops it again,
// whatever the outcome. All files share one destination instance. DynamoDB Local slows down for every stream table
// once an instance holds a few tens of thousands of stream records, and deleting a table does not give that back:
// with one shared source, the files late in the run paid for the records of the earlier ones (a 13 s fleet test
// took 240 s in CI, and 500 s beside a 60,000-record table). So a file that writes thousands of stream records gets
// a source instance of its own; a file that says `// dynamodb-local: shared` (a few hundred records at most) shares
// one with the others that say so, and `// dynamodb-local: none` gets none: every JVM costs seconds of CPU to
// start and half a GB to keep, on a two-core machine.
// `npm run test:unit` (--unit) runs only the pure unit tests beside the code, without DynamoDB Local.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
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

type SourceNeed = 'own' | 'shared' | 'none';

/** What a test file says it needs of a source instance (its `// dynamodb-local:` line), `own` by default. */
function sourceNeed(file: string): SourceNeed {
  const declared = /^\/\/ dynamodb-local: (own|shared|none)$/m.exec(readFileSync(file, 'utf8'))?.[1];
  return declared === 'shared' || declared === 'none' ? declared : 'own';
}

// The JVM's first (C1) compiler only: an instance lives for one run, and the optimizing compiler's work never paid
// back within it. Measured on this two-core machine (a fresh instance, a stream table, 1,500 PutItems one by one):
// 1.5-1.7 s of CPU to start instead of 2.4-3.1, and 3.1-3.4 s of CPU for the puts instead of 7.5-8.3, which took
// 4.2-4.4 s instead of 6.0-6.5. A dozen instances share the two cores with the tests.
const JAVA_OPTIONS = ['-XX:TieredStopAtLevel=1'];

/** Starts an instance and records it at once, so that it is stopped even when a later start fails. */
async function startTracked(instances: DynamoDbLocal[]): Promise<DynamoDbLocal> {
  const instance = await startDynamoDbLocal({ javaOptions: JAVA_OPTIONS });
  instances.push(instance);
  return instance;
}

/** `count` instances, at most `parallel` starting at a time, in order. */
async function startMany(
  count: number,
  parallel: number,
  instances: DynamoDbLocal[],
): Promise<DynamoDbLocal[]> {
  const started: DynamoDbLocal[] = [];
  for (let first = 0; first < count; first += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - first) }, () => startTracked(instances));
    started.push(...(await Promise.all(batch)));
  }
  return started;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const unitOnly = args.includes('--unit');
  const filters = args.filter((a) => !a.startsWith('--'));
  let files = findTests(join(root, 'src'));
  if (!unitOnly) files.push(...findTests(join(root, 'tests')));
  // Matched against the path from the project's root: a checkout under a folder whose name holds the filter
  // (e.g. /tmp/lambda-work with the filter "lambda-") must not select every file.
  if (filters.length > 0)
    files = files.filter((f) => filters.some((filter) => relative(root, f).includes(filter)));
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
  // The SDK's Node-20 notice, silenced as bin/ddb-replicator.js does, here and in every test file (tests of the
  // notice itself set the switch as they need it).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  try {
    if (!unitOnly) {
      const started = performance.now();
      const integration = files.filter((f) => !f.startsWith(join(root, 'src')));
      const needs = integration.map((file) => ({ file, need: sourceNeed(file) }));
      const own = needs.filter((n) => n.need === 'own');
      const anyShared = needs.some((n) => n.need === 'shared');
      const destination = await startTracked(instances);
      // A few at a time: a JVM start is CPU-heavy for a couple of seconds and the machine may have two cores.
      const sources = await startMany(own.length + (anyShared ? 1 : 0), 4, instances);
      const shared = anyShared ? sources[own.length] : undefined;
      const endpoints = new Map(own.map((n, i) => [n.file, sources[i]?.endpoint]));
      for (const n of needs) if (n.need === 'shared') endpoints.set(n.file, shared?.endpoint);
      Object.assign(env, {
        DDB_TEST_SOURCE_ENDPOINTS: JSON.stringify(Object.fromEntries(endpoints)),
        DDB_TEST_DEST_ENDPOINT: destination.endpoint,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_REGION: 'us-east-1',
      });
      process.stdout.write(
        `DynamoDB Local: destination ${destination.endpoint}, ${sources.length} source instances: ${own.length} for a file each, ${anyShared ? 1 : 0} shared by ${needs.filter((n) => n.need === 'shared').length} files (up in ${Math.round(performance.now() - started)} ms)\n`,
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
