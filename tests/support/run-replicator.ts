// Runs of the real CLI as tests need them: replicate until the tables converge (failing at once if the worker
// dies instead of waiting out the deadline), run until the process exits on its own, and read its error output
// (JSON error/fatal lines, plain stderr lines that are not the SDK's Node-version notice, stack traces).
import assert from 'node:assert/strict';
import {
  assertTablesConverge,
  diffTables,
  type ReplicationFixture,
  type TableDiff,
} from './replication-fixture.js';
import { isSdkWarning, ReplicatorProcess, type LogLine } from './replicator-process.js';

function isClean(diff: TableDiff): boolean {
  return diff.missing.length + diff.extra.length + diff.different.length === 0;
}

/** Waits until the destination equals the source; fails as soon as the worker exits before that. */
export async function convergedWhileRunning(
  fixture: ReplicationFixture,
  worker: ReplicatorProcess,
  timeoutMs = 60_000,
): Promise<TableDiff> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (worker.child.exitCode !== null) {
      assert.fail(
        `worker exited with ${worker.child.exitCode} before the tables converged:\n${worker.describe()}`,
      );
    }
    const diff = await diffTables(fixture);
    if (isClean(diff)) return diff;
    if (performance.now() > deadline) return assertTablesConverge(fixture, 0);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Starts a worker, waits for the destination to equal the source, asserts it item by item, stops the worker
 * (exit 0, no error lines) and returns the comparison and the stopped worker (for its log lines).
 */
export async function replicateToConvergence(
  fixture: ReplicationFixture,
  extraArgs: readonly string[] = [],
): Promise<{ diff: TableDiff; worker: ReplicatorProcess }> {
  const worker = new ReplicatorProcess(fixture.args(extraArgs));
  try {
    await convergedWhileRunning(fixture, worker);
    const diff = await assertTablesConverge(fixture);
    const exit = await worker.stop();
    assert.equal(exit.code, 0, worker.describe());
    assert.deepEqual(worker.errors(), [], worker.describe());
    return { diff, worker };
  } finally {
    await worker.kill();
  }
}

/** Runs the CLI until it exits on its own (a failing run); kills it if it does not within the timeout. */
export async function runUntilExit(
  args: readonly string[],
  timeoutMs = 30_000,
): Promise<{ worker: ReplicatorProcess; code: number | null }> {
  const worker = new ReplicatorProcess(args);
  try {
    const exit = await worker.waitForExit(timeoutMs);
    return { worker, code: exit.code };
  } finally {
    await worker.kill();
  }
}

/** The SDK's Node-version notice; isSdkWarning misses its line "To continue receiving updates to AWS services". */
function isSdkNotice(line: string): boolean {
  return isSdkWarning(line) || /receiving updates to AWS services/.test(line);
}

/** stderr lines that are neither JSON log lines nor the SDK's Node-version notice. */
export function plainErrorLines(worker: ReplicatorProcess): string[] {
  return worker.otherOutput.filter((line) => !isSdkNotice(line));
}

/** Every error the run reported: JSON lines at error/fatal level and plain stderr lines, in one list. */
export function reportedErrors(worker: ReplicatorProcess): string[] {
  return [...worker.errors().map((l: LogLine) => l.msg), ...plainErrorLines(worker)];
}

/** Stack-trace frames anywhere in stderr: as plain lines, or inside a JSON log line's fields. */
export function stackTraceFrames(worker: ReplicatorProcess): string[] {
  const frame = /^\s+at \S/;
  const plain = worker.otherOutput.filter((line) => frame.test(line));
  const inLogs = worker.logs
    .flatMap((l) => JSON.stringify(l).split('\\n'))
    .filter((part) => frame.test(part) || /"stack"/.test(part));
  return [...plain, ...inLogs];
}
