import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { standInZip } from './stacks.js';

const SAMPLE = fileURLToPath(new URL('../../../sample/', import.meta.url));
const CDK_CLI = fileURLToPath(new URL('../../../node_modules/aws-cdk/bin/cdk', import.meta.url));

test('`cdk synth` of the sample app works offline: no credentials, no lookups, no Docker daemon', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'ddb-replicator-cdk-sample-'));
  const run = spawnSync(process.execPath, [CDK_CLI, 'synth', '--quiet', '--no-notices', '--output', outdir], {
    cwd: SAMPLE,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      PATH: process.env.PATH,
      HOME: outdir,
      SAMPLE_LAMBDA_ZIP: standInZip(),
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      // Nowhere to look anything up: a lookup would fail the synth rather than wait.
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  });
  assert.equal(run.status, 0, run.stderr);
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string }>;
    missing?: unknown[];
  };
  assert.equal(manifest.missing, undefined, 'no context left to look up');
  const stacks = Object.entries(manifest.artifacts)
    .filter(([, a]) => a.type === 'aws:cloudformation:stack')
    .map(([name]) => name)
    .sort();
  assert.deepEqual(stacks, ['OrdersReplicationFleet', 'OrdersReplicationLambda']);
  const fleet = readFileSync(join(outdir, 'OrdersReplicationFleet.template.json'), 'utf8');
  assert.match(fleet, /"DDB_REPLICATOR_EXCLUDE_ATTRIBUTES"/);
  assert.match(fleet, /AWS::ECS::Service/);
  const fn = readFileSync(join(outdir, 'OrdersReplicationLambda.template.json'), 'utf8');
  assert.match(fn, /AWS::Lambda::EventSourceMapping/);
});
