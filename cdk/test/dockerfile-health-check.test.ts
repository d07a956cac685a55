import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dockerfileHealthCheck } from '../src/dockerfile-health-check.js';

test('reads the exec form and its options across a continuation line', () => {
  const check = dockerfileHealthCheck(
    'FROM node\n# HEALTHCHECK CMD ["no"]\nHEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=4 \\\n  CMD ["node", "-e", "x"]\nCMD ["replicate"]\n',
  );
  assert.deepEqual(check, {
    command: ['CMD', 'node', '-e', 'x'],
    intervalSeconds: 10,
    timeoutSeconds: 3,
    startPeriodSeconds: 30,
    retries: 4,
  });
});

test("Docker's defaults where the file says nothing", () => {
  const check = dockerfileHealthCheck('HEALTHCHECK CMD ["true"]\n');
  assert.deepEqual(check, {
    command: ['CMD', 'true'],
    intervalSeconds: 30,
    timeoutSeconds: 30,
    startPeriodSeconds: 0,
    retries: 3,
  });
});

test('refuses what it cannot repeat faithfully', () => {
  assert.throws(() => dockerfileHealthCheck('FROM node\n'), /no HEALTHCHECK/);
  assert.throws(() => dockerfileHealthCheck('HEALTHCHECK CMD curl -f localhost\n'), /not in exec form/);
  assert.throws(() => dockerfileHealthCheck('HEALTHCHECK --interval=1m CMD ["true"]\n'), /--interval=1m/);
});
