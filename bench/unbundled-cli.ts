// The CLI as bin/ddb-replicator.js runs it, but from the compiled modules (dist/src/) instead of the one-file
// bundle, for runs under `node --cpu-prof` only: the profile then names each file of src/, which
// profile-summary.ts and rules-profile.ts group the CPU by. The code that runs is the same; only its loading is
// slower, which a catch-up's profile does not count.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await import('../src/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
