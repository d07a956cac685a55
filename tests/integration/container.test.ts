// dynamodb-local: none
// The container image and the Kubernetes manifest, as far as a machine without a container runtime can check them:
// the Dockerfile's runtime stage is rebuilt here step by step (a clean production install from the lock file, from
// npm's cache, without the dev packages; the CLI as bundled; the bin), and its entry command
// answers --help and ends a mistake with exit 2 and one line; the Dockerfile is read for what makes a container
// behave (two stages, a non-root user, the bin in exec form so SIGTERM reaches it, a health check on /healthz);
// ops/kubernetes/replicator.yaml is parsed and checked for the fields a fleet needs, and every DDB_REPLICATOR_
// variable in either file must name a flag of `replicate`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import yargs from 'yargs';
import { envFlags, flagNames } from '../../src/cli/env-flags.js';
import { replicateFlags } from '../../src/cli/replicate-flags.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const REPLICATE_FLAGS = flagNames(replicateFlags(yargs([])));

/** The variables `ENV` sets in the Dockerfile's last stage (KEY=value pairs, continued lines joined). */
function imageEnv(text: string): Record<string, string> {
  const lastStage = text.slice(text.lastIndexOf('\nFROM '));
  const joined = lastStage.replace(/\\\n\s*/g, ' ');
  const env: Record<string, string> = {};
  for (const line of joined.split('\n')) {
    if (!line.startsWith('ENV ')) continue;
    for (const m of line.slice(4).matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)) env[m[1] ?? ''] = m[2] ?? '';
  }
  return env;
}

function unknownFlags(env: Record<string, string>): string[] {
  return [...envFlags(env)]
    .filter(([flag]) => !REPLICATE_FLAGS.has(flag))
    .map(([, { variable }]) => variable);
}

let image: string;
before(async () => {
  // The runtime stage's steps, in a folder of their own (the Dockerfile's WORKDIR /app).
  image = mkdtempSync(join(tmpdir(), 'ddb-image-'));
  for (const file of ['package.json', 'package-lock.json']) cpSync(join(ROOT, file), join(image, file));
  await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'], {
    cwd: image,
    timeout: 120_000,
  });
  // The build stage's output: the CLI bundled from src/ by the same compiler, options and bundler (`npm test`
  // just built it into dist/cli/; building it again with tsconfig.build.json would cost this two-core machine 15 s
  // of CPU per run, so the test checks instead that tsconfig.build.json is the project's config limited to src/
  // and the bundler's script).
  cpSync(join(ROOT, 'dist/cli'), join(image, 'dist/cli'), { recursive: true });
  cpSync(join(ROOT, 'bin'), join(image, 'bin'), { recursive: true });
});
after(() => {
  if (image !== undefined) rmSync(image, { recursive: true, force: true });
});

test("the image's entry command runs from a production install: --help, and a mistake is exit 2 in one line", async () => {
  const entry = [join(image, 'bin/ddb-replicator.js')];
  const help = await run(process.execPath, [...entry, 'replicate', '--help'], { cwd: image });
  assert.match(help.stdout, /--source-table/);
  assert.match(help.stdout, /DDB_REPLICATOR_<FLAG>/);
  // No dev package is needed at run time: the AWS SDK, the CLI parser and the logger come with the install.
  const failed = await run(process.execPath, [...entry, 'replicate'], {
    cwd: image,
    env: {
      PATH: process.env.PATH,
      ...imageEnv(dockerfile),
      DDB_REPLICATOR_SOURCE_TABLE: 'orders',
      DDB_REPLICATOR_DEST_TABLE: 'orders-copy',
    },
  }).then(
    () => assert.fail('replicate without a region should fail'),
    (err: unknown) => err as { code: number; stderr: string },
  );
  assert.equal(failed.code, 2);
  const lines = failed.stderr.trim().split('\n');
  assert.equal(lines.length, 1, failed.stderr);
  assert.match(lines[0] ?? '', /missing --source-region/);
});

test('the Dockerfile: two stages, a non-root user, the bin in exec form, a health check on /healthz', () => {
  const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
    extends?: string;
    include?: string[];
    exclude?: string[];
  };
  assert.deepEqual(
    [build.extends, build.include, build.exclude],
    ['./tsconfig.json', ['src', 'scripts/bundle-cli.ts', 'scripts/esm-prelude.ts'], ['src/**/*.test.ts']],
  );
  assert.equal([...dockerfile.matchAll(/^FROM /gm)].length, 2);
  assert.match(dockerfile, /^RUN npx tsc -p tsconfig\.build\.json && node dist\/scripts\/bundle-cli\.js$/m);
  assert.match(dockerfile, /^COPY --from=build \/app\/dist\/cli \.\/dist\/cli$/m);
  assert.match(dockerfile, /^RUN npm ci --omit=dev --ignore-scripts/m);
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  assert.match(runtime, /^USER node$/m);
  assert.match(runtime, /^ENTRYPOINT \["node", "bin\/ddb-replicator\.js"\]$/m);
  assert.match(runtime, /^HEALTHCHECK [\s\S]*\/healthz/m);
  const env = imageEnv(dockerfile);
  assert.match(runtime, new RegExp(`^EXPOSE ${env.DDB_REPLICATOR_METRICS_PORT}$`, 'm'));
  assert.deepEqual(unknownFlags(env), []);
});

interface Probe {
  readonly httpGet?: { readonly path?: string; readonly port?: string | number };
}
interface Container {
  readonly envFrom?: unknown;
  readonly ports?: readonly { readonly name?: string; readonly containerPort?: number }[];
  readonly livenessProbe?: Probe;
  readonly readinessProbe?: Probe;
  readonly resources?: {
    readonly requests?: { readonly memory?: string };
    readonly limits?: { readonly memory?: string };
  };
}
/** The few fields of the manifest's documents the test reads. */
interface Manifest {
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly annotations?: Record<string, string> };
  readonly data?: Record<string, string>;
  readonly spec?: {
    readonly replicas?: number;
    readonly template?: {
      readonly spec?: {
        readonly serviceAccountName?: string;
        readonly terminationGracePeriodSeconds?: number;
        readonly securityContext?: { readonly runAsNonRoot?: boolean };
        readonly containers?: readonly Container[];
      };
    };
  };
}

test('the Kubernetes manifest: probes, a grace period longer than the shutdown timeout, requests, IRSA', () => {
  const docs = parseAllDocuments(readFileSync(join(ROOT, 'ops/kubernetes/replicator.yaml'), 'utf8')).map(
    (d) => d.toJS() as Manifest,
  );
  const kind = (k: string): Manifest | undefined => docs.find((d) => d.kind === k);
  const account = kind('ServiceAccount');
  const config = kind('ConfigMap');
  const deployment = kind('Deployment');
  assert.match(
    account?.metadata?.annotations?.['eks.amazonaws.com/role-arn'] ?? '',
    /^arn:aws:iam::\d{12}:role\//,
  );
  const data = config?.data ?? {};
  assert.deepEqual(unknownFlags(data), []);
  const spec = deployment?.spec?.template?.spec;
  assert.ok((deployment?.spec?.replicas ?? 0) >= 2, 'a fleet');
  assert.equal(spec?.serviceAccountName, account?.metadata?.name);
  assert.ok(
    (spec?.terminationGracePeriodSeconds ?? 0) * 1000 > Number(data.DDB_REPLICATOR_SHUTDOWN_TIMEOUT_MS),
    'the grace period outlasts the final flush',
  );
  const container = spec?.containers?.[0];
  assert.deepEqual(container?.envFrom, [{ configMapRef: { name: config?.metadata?.name } }]);
  const port = container?.ports?.find((p) => p.name === container.livenessProbe?.httpGet?.port);
  assert.equal(String(port?.containerPort), data.DDB_REPLICATOR_METRICS_PORT);
  assert.equal(container?.livenessProbe?.httpGet?.path, '/healthz');
  assert.equal(container?.readinessProbe?.httpGet?.path, '/readyz');
  assert.match(container?.resources?.requests?.memory ?? '', /^\d+Mi$/);
  assert.match(container?.resources?.limits?.memory ?? '', /^\d+Mi$/);
  assert.equal(spec?.securityContext?.runAsNonRoot, true);
});
