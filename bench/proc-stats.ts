// Reads what Linux knows about a process and the machine: resident memory (VmRSS, and its peak VmHWM) from
// /proc/<pid>/status, CPU seconds from /proc/<pid>/stat, and machine-wide busy time from /proc/stat, so a
// figure can be told apart from the other work running on the same two cores.
import { readFileSync } from 'node:fs';

const TICKS_PER_SEC = 100; // USER_HZ; `getconf CLK_TCK` on Linux

export interface MemoryStatus {
  readonly rssMb: number;
  readonly hwmMb: number;
}

export function memoryStatus(pid: number): MemoryStatus | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string): number =>
      Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds the process has used so far (threads included); undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC;
  } catch {
    return undefined;
  }
}

export interface MachineCpu {
  readonly busySec: number;
  readonly totalSec: number;
}

/** Busy and total CPU seconds summed over all cores since boot. */
export function machineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  const total = ticks.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busySec: (total - idle) / TICKS_PER_SEC, totalSec: total / TICKS_PER_SEC };
}

/** CPU use of named processes and of the machine over an interval, as cores (1.0 = one core busy). */
export class CpuMeter {
  readonly #pids: ReadonlyMap<string, number>;
  readonly #start = new Map<string, number>();
  readonly #machineStart: MachineCpu;
  readonly #startedAt = performance.now();

  constructor(pids: ReadonlyMap<string, number>) {
    this.#pids = pids;
    for (const [name, pid] of pids) this.#start.set(name, cpuSeconds(pid) ?? 0);
    this.#machineStart = machineCpu();
  }

  /** Cores used by each process, by the whole machine, and by everything else on it, since construction. */
  read(): {
    wallSec: number;
    cores: Record<string, number>;
    cpuSec: Record<string, number>;
    machineBusyCores: number;
    otherCores: number;
  } {
    const wallSec = (performance.now() - this.#startedAt) / 1000;
    const cores: Record<string, number> = {};
    const cpuSec: Record<string, number> = {};
    let ours = 0;
    for (const [name, pid] of this.#pids) {
      const used = (cpuSeconds(pid) ?? this.#start.get(name) ?? 0) - (this.#start.get(name) ?? 0);
      cores[name] = round2(used / wallSec);
      cpuSec[name] = round2(used);
      ours += used;
    }
    const machine = machineCpu();
    const busy = machine.busySec - this.#machineStart.busySec;
    return {
      wallSec,
      cores,
      cpuSec,
      machineBusyCores: round2(busy / wallSec),
      otherCores: round2(Math.max(0, busy - ours) / wallSec),
    };
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** CPU milliseconds each process spent per 1,000 items: what a saturated machine divides its cores by. */
export function cpuMsPer1k(cpuSec: Record<string, number>, items: number): Record<string, number> {
  const out: Record<string, number> = {};
  let total = 0;
  for (const [name, sec] of Object.entries(cpuSec)) {
    out[name] = Math.round((sec * 1_000_000) / items);
    total += sec;
  }
  out.total = Math.round((total * 1_000_000) / items);
  return out;
}

/** CPU seconds of named processes sampled every `intervalMs`, to tell the cores each used in any sub-interval. */
export class CpuTimeline {
  readonly #pids: ReadonlyMap<string, number>;
  readonly #samples: { at: number; sec: Record<string, number> }[] = [];
  readonly #timer: NodeJS.Timeout;
  #stopped = false;

  constructor(pids: ReadonlyMap<string, number>, intervalMs = 100) {
    this.#pids = pids;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), intervalMs).unref();
  }

  #sample(): void {
    const sec: Record<string, number> = {};
    for (const [name, pid] of this.#pids) {
      const used = cpuSeconds(pid);
      if (used !== undefined) sec[name] = used;
    }
    this.#samples.push({ at: performance.timeOrigin + performance.now(), sec });
  }

  /** Safe to call twice. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#sample();
    clearInterval(this.#timer);
  }

  /** Cores each process used between two epoch-ms times (nearest samples; 10 ms tick resolution). */
  coresBetween(from: number, to: number): Record<string, number> {
    const cores: Record<string, number> = {};
    for (const name of this.#pids.keys()) {
      // Per process: a process that exited right after `to` has no sample there, so take its last one.
      const samples = this.#samples.filter((s) => s.sec[name] !== undefined);
      if (samples.length === 0) continue;
      const nearest = (t: number) =>
        samples.reduce((best, s) => (Math.abs(s.at - t) < Math.abs(best.at - t) ? s : best));
      const a = nearest(from);
      const b = nearest(to);
      const wallSec = (b.at - a.at) / 1000;
      if (wallSec <= 0) continue;
      cores[name] = round2(((b.sec[name] ?? 0) - (a.sec[name] ?? 0)) / wallSec);
    }
    return cores;
  }
}
