#!/usr/bin/env node
// The package's entry point: the CLI bundled into one module, dist/cli/ddb-replicator.mjs (built by `npm ci` through the
// prepare script, or `npm run build`; scripts/bundle-cli.ts says why one file).

// On Node 20 the AWS SDK opens every command with an eight-line notice (NodeVersionSupportWarning: its releases
// after the first week of January 2027 require Node 22), so the first lines a user reads were not ours. The README
// says which Node versions this project supports and until when; the SDK's documented switch (aws-sdk-js-v3 issue
// #7983) silences that one notice and no other warning. It is read when the first client is created, and set
// before anything is imported; a value the user set is kept (`false` brings the notice back).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { existsSync } from 'node:fs';

const bundle = new URL('../dist/cli/ddb-replicator.mjs', import.meta.url);
// Asked of the file itself, not read from an import error: a package the bundle imports and cannot find fails
// with the same error code, naming the bundle too.
if (!existsSync(bundle)) {
  const root = new URL('..', import.meta.url).pathname;
  process.stderr.write(
    `ddb-replicator: the CLI is not built (no dist/cli/ddb-replicator.mjs): run \`npm run build\` in ${root}\n`,
  );
  process.exit(1);
}
const { main } = await import(bundle.href);
process.exitCode = await main(process.argv.slice(2));
