// `--isolate-destination`: the destination's DynamoDB Local gets CPU 0 to itself; this process, the replicator
// and workers it spawns, and the source instances share CPU 1. On the shared two-core machine the destination JVM
// (the sink) loses CPU to whatever its client spends, so the raw ceiling and the catch-up measure the client's CPU
// cost as much as whether the client keeps the sink busy. A real DynamoDB endpoint does not share the replicator's
// CPU: isolated, the ratio of a catch-up to the raw ceiling answers "does the replicator keep the destination
// saturated"; shared, it answers "how much CPU does it cost next to a bare loader". The report says which.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

export type InstanceRole = 'destination' | 'other';

const DESTINATION_CPU = 0;
const OTHER_CPU = 1;

let isolated = false;

/** Pins this process (and so every process it starts from now on) to CPU 1. */
export function isolateDestination(): void {
  if (availableParallelism() < 2) {
    throw new Error('--isolate-destination needs at least 2 CPUs, and this process may use only one');
  }
  pin(process.pid, OTHER_CPU);
  isolated = true;
}

export function destinationIsolated(): boolean {
  return isolated;
}

/** Moves a just-started instance to its CPU when the destination is isolated; otherwise leaves it alone. */
export function placeInstance(pid: number, role: InstanceRole): void {
  if (isolated && role === 'destination') pin(pid, DESTINATION_CPU);
}

function pin(pid: number, cpu: number): void {
  try {
    // -a: every thread the process has now; threads it starts later inherit the mask of the one that starts them.
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
  } catch (err) {
    throw new Error(
      `--isolate-destination: could not pin process ${pid} to CPU ${cpu} with taskset (util-linux): ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}
