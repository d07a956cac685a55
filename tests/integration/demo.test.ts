// dynamodb-local: none
// `ddb-replicator demo` through the real CLI, as a newcomer runs it: it must end with equal tables, and however
// it ends (duration, Ctrl-C, a second Ctrl-C) it must leave no DynamoDB Local JVM and no data directory behind.
// The demo starts its own two DynamoDB Local instances; the pair `npm test` started is not used here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { ReplicatorProcess, isSdkWarning } from '../support/replicator-process.js';
import { waitFor } from '../support/wait-for.js';

const SMALL = ['demo', '--rate', '100', '--items', '300', '--log-level', 'info'];
const EQUAL = /Result: the tables are equal \(([\d,]+) items compared, 0 mismatches\)/;

interface Instance {
  readonly pid: number;
  readonly dbPath: string;
}

/** The DynamoDB Local instances the demo reported starting (its info log line). */
function instancesOf(demo: ReplicatorProcess): Instance[] {
  return demo.logs
    .filter((l) => l.msg === 'DynamoDB Local started')
    .map((l) => ({ pid: Number(l.pid), dbPath: String(l.dbPath) }));
}

/** Running, as `ps` sees it; a zombie (killed, not yet reaped) counts as gone. */
function isRunning(pid: number): boolean {
  const ps = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' });
  const stat = ps.stdout.trim();
  return stat !== '' && !stat.startsWith('Z');
}

function javaProcessesUsing(dbPath: string): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' });
  return ps.stdout
    .split('\n')
    .filter((line) => line.includes('java') && line.includes(dbPath) && !/^\s*\d+\s+Z/.test(line));
}

async function assertCleanedUp(instances: readonly Instance[]): Promise<void> {
  assert.equal(instances.length, 2, 'the demo logs the two DynamoDB Local instances it starts');
  for (const { pid, dbPath } of instances) {
    // A SIGKILLed JVM needs a moment to go; the deadline is generous, the check is exact.
    await waitFor(`DynamoDB Local ${pid} to be gone`, () => !isRunning(pid), { timeoutMs: 10_000 });
    assert.deepEqual(javaProcessesUsing(dbPath), [], `no java process left on ${dbPath}`);
    assert.equal(existsSync(dbPath), false, `${dbPath} is removed`);
  }
}

function describe(demo: ReplicatorProcess): string {
  return `stdout:\n${demo.stdout}\nstderr:\n${demo.describe()}`;
}

test(
  'runs for its duration, replicates, finds the tables equal and cleans up',
  { timeout: 300_000 },
  async () => {
    const demo = new ReplicatorProcess([...SMALL, '--duration-s', '5']);
    try {
      const exit = await demo.waitForExit(240_000);
      assert.equal(exit.code, 0, describe(demo));
      const result = EQUAL.exec(demo.stdout);
      assert.ok(result, describe(demo));
      assert.ok(Number(result[1]?.replaceAll(',', '')) > 0, 'items were compared');
      assert.match(demo.stdout, /: 0 missing, 0 extra, 0 different/);
      assert.match(demo.stdout, /^\s+1s\s+[\d,]+\s+[\d,]+/m, 'a line of figures a second');
      assert.deepEqual(demo.errors(), [], describe(demo));
      await assertCleanedUp(instancesOf(demo));
    } finally {
      await demo.kill();
    }
  },
);

test(
  'a second Ctrl-C quits at once (exit 130) and still leaves nothing behind',
  { timeout: 300_000 },
  async () => {
    // A backlog that takes seconds to catch up on: the second Ctrl-C must land while the demo is still stopping
    // (waiting for the replicator, comparing). With 300 items an idle machine was done in under 700 ms; 8,000 take
    // over a second to drain even at the fastest rate measured here (~7,500 items/s), after the replicator's start.
    const demo = new ReplicatorProcess([
      'demo',
      '--rate',
      '100',
      '--items',
      '8000',
      '--log-level',
      'info',
      '--duration-s',
      '0',
    ]);
    try {
      await waitFor('the first line of figures', () => /^\s+1s\s/m.test(demo.stdout), { timeoutMs: 180_000 });
      demo.child.kill('SIGINT');
      await waitFor('the demo to take the first Ctrl-C', () => demo.stdout.includes('Ctrl-C: stopping'));
      // Signals within 500 ms of the first count as the same key press (npx forwards it once more).
      const firstAt = performance.now();
      await waitFor('the same-key-press window to pass', () => performance.now() - firstAt > 700);
      demo.child.kill('SIGINT');
      const exit = await demo.waitForExit(20_000);
      assert.equal(exit.code, 130, describe(demo));
      assert.doesNotMatch(demo.stdout, /Result:/);
      await assertCleanedUp(instancesOf(demo));
    } finally {
      await demo.kill();
    }
  },
);

test('without Java: one line that says what to install, exit 2', async () => {
  const demo = new ReplicatorProcess(['demo'], { PATH: '/nonexistent' });
  try {
    const exit = await demo.waitForExit(30_000);
    assert.equal(exit.code, 2);
    const lines = demo.otherOutput.filter((l) => !isSdkWarning(l));
    assert.deepEqual(lines.length, 1, lines.join('\n'));
    assert.match(lines[0] ?? '', /^ddb-replicator demo: Java 17 or newer is needed/);
  } finally {
    await demo.kill();
  }
});

// A terminal's Ctrl-C goes to the whole foreground process group: DynamoDB Local's JVMs get it too, unless
// startDynamoDbLocal starts them in a group of their own (spawn option `detached: true`). The demo must still stop
// its workload, compare the tables and then clean up.
test(
  'Ctrl-C from a terminal (SIGINT to the process group) during the live phase still compares the tables, then cleans up',
  { timeout: 300_000 },
  async () => {
    const demo = new ReplicatorProcess([...SMALL, '--duration-s', '0'], {}, { detached: true });
    try {
      await waitFor('the second line of figures', () => /^\s+2s\s/m.test(demo.stdout), {
        timeoutMs: 180_000,
      });
      process.kill(-demo.pid, 'SIGINT');
      const exit = await demo.waitForExit(120_000);
      assert.equal(exit.code, 0, describe(demo));
      assert.match(demo.stdout, /Ctrl-C: stopping/);
      assert.match(demo.stdout, EQUAL, describe(demo));
      await assertCleanedUp(instancesOf(demo));
    } finally {
      try {
        process.kill(-demo.pid, 'SIGKILL');
      } catch {
        // The group is gone already.
      }
      await demo.kill();
    }
  },
);
