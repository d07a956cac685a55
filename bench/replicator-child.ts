// The real CLI (`node bin/ddb-replicator.js replicate ...`) as a child process, as users run it. Every JSON log
// line on stderr is kept with the time it arrived, so the benchmark can time milestones (lease taken, first
// flush) and count the items the flush logs say were written. Owned by the lifetime: always stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Lifetime } from './lifetime.js';

const BIN = fileURLToPath(new URL('../../bin/ddb-replicator.js', import.meta.url));
/**
 * A profiled run loads the compiled modules instead of the bundle, so that its profile names files (see there);
 * so does a run with a preloaded hook (`--import`, the trace hook): it patches the SDK's modules, and the bundle
 * carries its own copy of the SDK, which the hook never sees (its trace would be empty).
 */
const UNBUNDLED = fileURLToPath(new URL('./unbundled-cli.js', import.meta.url));

export const now = (): number => performance.timeOrigin + performance.now();

/**
 * The environment of a CLI child: nothing of ours leaks in (no profile, no session token), and fake credentials,
 * which DynamoDB Local does not check but the SDK wants; `extra` adds to it (e.g. the trace hook's file).
 */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    ...extra,
  };
}

export interface LogEntry {
  /** Epoch ms (sub-ms precision) at which the line arrived. */
  readonly at: number;
  readonly msg: string;
  readonly fields: Record<string, unknown>;
}

export class ReplicatorChild {
  readonly child: ChildProcess;
  readonly startedAt: number;
  readonly logs: LogEntry[] = [];
  readonly otherOutput: string[] = [];
  /** Puts and deletes the flush logs reported so far, and when they first reached `target`. */
  written = 0;
  reachedAt: number | undefined;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #target: number;
  readonly #release: () => Promise<void>;

  constructor(
    args: readonly string[],
    options: { nodeArgs: readonly string[]; env: NodeJS.ProcessEnv; target: number; lifetime: Lifetime },
  ) {
    this.#target = options.target;
    this.startedAt = now();
    const entry = options.nodeArgs.some((a) => a === '--cpu-prof' || a === '--import') ? UNBUNDLED : BIN;
    this.child = spawn(process.execPath, [...options.nodeArgs, entry, ...args], {
      env: options.env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let pending = '';
    this.child.stderr?.on('data', (chunk: Buffer) => {
      const at = now();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) this.#take(line, at);
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    this.#release = options.lifetime.own(
      'replicator process',
      () => this.#terminate(),
      () => this.child.kill('SIGKILL'),
    );
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('the replicator process did not start');
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  #take(line: string, at: number): void {
    if (line.trim() === '') return;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.otherOutput.push(line);
      return;
    }
    const msg = typeof parsed.msg === 'string' ? parsed.msg : '';
    this.logs.push({ at, msg, fields: parsed });
    if (msg === 'flushed') {
      this.written += Number(parsed.puts ?? 0) + Number(parsed.deletes ?? 0);
      if (this.reachedAt === undefined && this.written >= this.#target) this.reachedAt = at;
    }
  }

  first(msg: string): LogEntry | undefined {
    return this.logs.find((entry) => entry.msg === msg);
  }

  /** Error-level lines and non-JSON output other than the SDK's Node-version notice, for failure messages. */
  problems(): string[] {
    const errors = this.logs
      .filter((e) => e.fields.level === 'error' || e.fields.level === 'fatal')
      .map((e) => JSON.stringify(e.fields));
    const other = this.otherOutput.filter(
      (l) => !/NodeVersionSupportWarning|AWS SDK for JavaScript|node|a\.co\/|trace-warnings/i.test(l),
    );
    return [...errors, ...other].slice(-10);
  }

  /** SIGTERM (clean stop: final flush, checkpoint, lease release), then SIGKILL if it takes too long. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    await this.#release();
    return this.exited;
  }

  async #terminate(timeoutMs = 30_000): Promise<void> {
    if (this.running) this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        resolve();
      }, timeoutMs);
    });
    await Promise.race([this.exited, killed]);
    clearTimeout(timer);
    await this.exited;
  }
}
