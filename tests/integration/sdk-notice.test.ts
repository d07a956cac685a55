// dynamodb-local: none
// The first lines a user reads are the CLI's own: on Node 20 the AWS SDK opens every command with an eight-line
// Node-version notice (NodeVersionSupportWarning), which bin/ddb-replicator.js switches off through the SDK's
// documented environment variable. Only that notice: any other process warning still prints. The real CLI runs a
// command that creates SDK clients and fails at its first request (`status` against a local port nobody listens
// on), so no DynamoDB Local is needed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOCAL_CREDENTIALS, freePort } from '../../src/local/dynamodb-local.js';
import { ReplicatorProcess } from '../support/replicator-process.js';

const SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';
const NOTICE = /NodeVersionSupportWarning|will require node/i;
// The SDK prints its notice below this major version only.
const NOTICE_BELOW_MAJOR = 22;
// A warning of another kind, emitted once the command has done its work (its SDK clients included), from a module
// Node preloads into the CLI's process.
const PROBE = `process.once('beforeExit', () => process.emitWarning('not the SDK notice', 'ProbeWarning'))`;

// What this file is started with must not decide the outcome: the CLI is to set the switch itself.
delete process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;

async function runStatus(env: NodeJS.ProcessEnv = {}): Promise<string> {
  const cli = new ReplicatorProcess(
    [
      ...['status', '--task-name', 'sdk-notice', '--lease-region', 'us-east-1'],
      ...['--lease-endpoint', `http://127.0.0.1:${await freePort()}`],
    ],
    {
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=data:text/javascript,${encodeURIComponent(PROBE)}`,
      ...env,
    },
  );
  try {
    const exit = await cli.waitForExit(30_000);
    assert.notEqual(exit.code, 0, 'nothing listens on the lease endpoint: status fails');
    return [...cli.logs.map((l) => JSON.stringify(l)), ...cli.otherOutput].join('\n');
  } finally {
    await cli.kill();
  }
}

test('stderr has no SDK Node-version notice, and another process warning still prints', async () => {
  const stderr = await runStatus();
  assert.doesNotMatch(stderr, NOTICE, stderr);
  assert.match(stderr, /ProbeWarning: not the SDK notice/, stderr);
});

test(
  "the same command prints the SDK's notice when the user turns the switch off (the command does reach the SDK)",
  { skip: Number(process.versions.node.split('.')[0]) >= NOTICE_BELOW_MAJOR && 'the SDK has no notice here' },
  async () => {
    const stderr = await runStatus({ [SWITCH]: 'false' });
    assert.match(stderr, NOTICE, stderr);
    assert.match(stderr, /ProbeWarning: not the SDK notice/, stderr);
  },
);
