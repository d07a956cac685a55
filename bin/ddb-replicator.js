#!/usr/bin/env node
// The package's entry point: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).

// On Node 20 the AWS SDK opens every command with an eight-line notice (NodeVersionSupportWarning: its releases
// after the first week of January 2027 require Node 22), so the first lines a user reads were not ours. The README
// says which Node versions this project supports and until when; the SDK's documented switch (aws-sdk-js-v3 issue
// #7983) silences that one notice and no other warning. It is read when the first client is created, and set
// before anything is imported; a value the user set is kept (`false` brings the notice back).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { main } = await import('../dist/src/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
