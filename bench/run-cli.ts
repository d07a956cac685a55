// Runs one CLI command to its end as a child (replicator-child.ts), with the SDK-call trace hook preloaded and
// the CPU of the child and of the DynamoDB Local JVMs sampled, for the stages that time a command that exits on
// its own (bootstrap, verify). Optionally under `node --cpu-prof`, to see where the child's time goes (the
// stages ask for it when BENCH_STAGE_PROFILE=1: StageContext has no --profile of its own).
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '../src/util/sleep.js';
import { readTrace } from './call-span.js';
import type { Lifetime } from './lifetime.js';
import { CpuTimeline } from './proc-stats.js';
import { childEnv, now, ReplicatorChild } from './replicator-child.js';
import type { TraceFile } from './trace-hook.js';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));

export interface CliRun {
  readonly child: ReplicatorChild;
  /** Exit code, or the signal that ended it. */
  readonly exit: string;
  /** Epoch ms: process start and exit. */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly trace: TraceFile | undefined;
  /** CPU of the child and of the named processes, sampled every 100 ms. */
  readonly timeline: CpuTimeline;
  /** The .cpuprofile written with `profile`. */
  readonly profileFile: string | undefined;
}

export async function runCli(
  args: readonly string[],
  options: {
    readonly name: string;
    readonly lifetime: Lifetime;
    readonly outDir: string;
    readonly timeoutMs: number;
    /** Other processes whose CPU to sample (DynamoDB Local JVMs). */
    readonly pids: ReadonlyMap<string, number>;
    readonly profile?: boolean;
  },
): Promise<CliRun> {
  const stamp = `${options.name}-${Date.now()}`;
  mkdirSync(options.outDir, { recursive: true });
  const traceFile = join(options.outDir, `trace-${stamp}.json`);
  const profileDir = join(options.outDir, `profile-${stamp}`);
  const nodeArgs = ['--import', join(BENCH_DIR, 'trace-hook.js')];
  if (options.profile === true) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  const env = childEnv({ BENCH_TRACE_FILE: traceFile });
  // No flush logs to count here: the target only matters to `replicate`.
  const child = new ReplicatorChild(args, { nodeArgs, env, target: Infinity, lifetime: options.lifetime });
  const timeline = new CpuTimeline(new Map([['cli', child.pid], ...options.pids]));
  try {
    const deadline = performance.now() + options.timeoutMs;
    // Polled rather than awaited alone, so that an interrupt or a hang ends the wait.
    while (child.running) {
      if (options.lifetime.signal.aborted) throw new Error('interrupted');
      if (performance.now() > deadline) {
        throw new Error(`${options.name} did not end within ${options.timeoutMs} ms`);
      }
      await Promise.race([child.exited, sleep(100, options.lifetime.signal)]);
    }
    const endedAt = now();
    timeline.stop();
    const exit = await child.stop();
    const profile =
      options.profile === true ? readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile')) : undefined;
    return {
      child,
      exit: exit.signal ?? String(exit.code),
      startedAt: child.startedAt,
      endedAt,
      trace: readTrace(traceFile),
      timeline,
      profileFile: profile === undefined ? undefined : join(profileDir, profile),
    };
  } finally {
    timeline.stop();
    await child.stop();
  }
}

/**
 * Cores per process between two epoch-ms times of the run. The timeline's last sample is taken after the child
 * exited (no CPU figure for it any more), so a span ending at its exit would show the child negative: dropped.
 */
export function coresDuring(run: CliRun, from: number, to: number): Record<string, number> {
  return Object.fromEntries(Object.entries(run.timeline.coresBetween(from, to)).filter(([, v]) => v >= 0));
}
