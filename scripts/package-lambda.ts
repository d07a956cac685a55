// `npm run package:lambda`: the Lambda mode (`ddb-replicator/lambda`) as one deployable zip. esbuild bundles the
// package's `./lambda` export (the compiled handler, so the zip runs exactly what the export runs) with every
// dependency, the AWS SDK v3 included: the function does not lean on the SDK copy a Node 20 runtime happens to
// carry, whose version moves under it. One minified ES module, `index.mjs` (handler `index.handler`); optionally a
// transform module bundled beside it as `transform.mjs` (DDB_REPLICATOR_TRANSFORM=transform.mjs), since a
// function's code is all it can load. Written in TypeScript and compiled by the project's tsc like the other
// scripts, so the build's types check it too. The zip is written with fflate (pure JS): CI machines need not
// have `zip`. Entries carry a fixed time, so the same code gives the same zip (an unchanged asset to deploy tools).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type BuildOptions } from 'esbuild';
import { zipSync, type Zippable } from 'fflate';
import { ESM_PRELUDE } from './esm-prelude.js';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');

export const DEFAULT_ZIP = join(root, 'dist-lambda', 'ddb-replicator-lambda.zip');

const COMMON: BuildOptions = {
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  write: false,
  legalComments: 'none',
  banner: { js: ESM_PRELUDE },
  logLevel: 'warning',
};

/** Fixed entry time (zip times start in 1980): the zip's bytes depend only on the code. */
const ENTRY_TIME = new Date('2000-01-01T00:00:00Z');

/** The file the package's `./lambda` export names (package.json "exports"). */
function lambdaEntry(): string {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    exports?: Record<string, string | undefined>;
  };
  const entry = pkg.exports?.['./lambda'];
  if (entry === undefined) throw new Error('package.json exports no ./lambda');
  return join(root, entry);
}

async function bundle(entry: string): Promise<Uint8Array> {
  const result = await build({ ...COMMON, entryPoints: [entry], outfile: 'out.mjs' });
  const file = result.outputFiles?.[0];
  if (file === undefined) throw new Error(`esbuild wrote nothing for ${entry}`);
  return file.contents;
}

export interface PackageResult {
  readonly zipPath: string;
  readonly zipBytes: number;
  /** Name in the zip -> size before compression. */
  readonly entries: Readonly<Record<string, number>>;
}

export async function packageLambda(options: {
  readonly zipPath?: string;
  readonly transform?: string | undefined;
}): Promise<PackageResult> {
  const zipPath = resolve(options.zipPath ?? DEFAULT_ZIP);
  const files: Zippable = {};
  const entries: Record<string, number> = {};
  const add = (name: string, contents: Uint8Array): void => {
    files[name] = [contents, { level: 9, mtime: ENTRY_TIME }];
    entries[name] = contents.length;
  };
  add('index.mjs', await bundle(lambdaEntry()));
  if (options.transform !== undefined) add('transform.mjs', await bundle(resolve(options.transform)));
  const zip = zipSync(files);
  mkdirSync(dirname(zipPath), { recursive: true });
  writeFileSync(zipPath, zip);
  return { zipPath, zipBytes: zip.length, entries };
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(2)} MB`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, transform: { type: 'string' } },
    strict: true,
  });
  const result = await packageLambda({ zipPath: values.out, transform: values.transform });
  const inside = Object.entries(result.entries)
    .map(([name, bytes]) => `${name} ${megabytes(bytes)}`)
    .join(', ');
  const shown = relative(process.cwd(), result.zipPath);
  process.stdout.write(
    `${shown.startsWith('..') ? result.zipPath : shown}: ${megabytes(result.zipBytes)} (${inside} unzipped; handler index.handler, runtime nodejs20.x)\n`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`package:lambda failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
