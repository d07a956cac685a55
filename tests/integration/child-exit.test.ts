// dynamodb-local: none
// Proves that exitWithOutput resolves only after a child's piped output has been read to the end (resolving on
// the 'exit' event alone once made a one-line-error test in CI find no line), and that a grandchild holding the
// pipe open delays it by the grace at most; and that waiting for a log line of a CLI that has exited fails at
// once with the CLI's last line, rather than at the wait's deadline.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { exitWithOutput } from '../support/child-exit.js';
import { ReplicatorProcess } from '../support/replicator-process.js';

/** A node child running `script` with stdout and stderr piped to us. */
function node(script: string) {
  return spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
}

test('exitWithOutput resolves after the last line is read, even when it reaches the pipe after the exit', async () => {
  // In CI the exit was handled before the error line had been read from the pipe. Here the line comes from a
  // grandchild that writes it 200 ms after the child exited, so that order is certain, not a matter of luck.
  const child = node(
    `require('node:child_process').spawn(process.execPath, ['-e', "setTimeout(() => process.stderr.write('the one error line\\\\n'), 200)"], { stdio: ['ignore', 'ignore', 'inherit'] }).unref();` +
      `process.exitCode = 2`,
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.resume();
  const exit = await exitWithOutput(child);
  assert.deepEqual(exit, { code: 2, signal: null });
  assert.equal(stderr, 'the one error line\n');
});

test('a grandchild that keeps the pipe open delays the result by the grace only', async () => {
  // The child starts a sleeper that inherits its stdout, prints the sleeper's pid, and exits.
  const child = node(
    `const s = require('node:child_process').spawn('sleep', ['60'], { stdio: ['ignore', 'inherit', 'ignore'], detached: true });` +
      `console.log(s.pid); s.unref(); process.exit(3)`,
  );
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.resume();
  const exit = await exitWithOutput(child, 300);
  try {
    assert.deepEqual(exit, { code: 3, signal: null });
    assert.equal(child.stdout.readableEnded, false, 'the pipe was still open: the grace decided');
  } finally {
    process.kill(Number(stdout.trim()), 'SIGKILL');
  }
});

test(
  'waiting for a log line of a CLI that exited fails with its last line',
  { timeout: 30_000 },
  async () => {
    const worker = new ReplicatorProcess(['replicate', '--bogus-flag', 'x']);
    try {
      // The wait's own deadline is past the test's: only the exit can end it in time.
      await assert.rejects(worker.waitForLog('replicating', { timeoutMs: 120_000 }), (err: Error) => {
        assert.match(err.message, /^process exited with 2 before log line "replicating"/);
        assert.match(err.message, /bogus-flag/);
        return true;
      });
    } finally {
      await worker.kill();
    }
  },
);
