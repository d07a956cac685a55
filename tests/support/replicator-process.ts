// Runs the real CLI (bin/ddb-replicator.js) as a child process, the way users run it, and collects its JSON log
// lines so tests can wait for events ("lease taken", "progress") and read the one-line errors.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { exitWithOutput } from './child-exit.js';
import { waitFor } from './wait-for.js';

const BIN = fileURLToPath(new URL('../../../bin/ddb-replicator.js', import.meta.url));

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** What waitForLog's check returns once the process has exited without the line. */
const EXITED = Symbol('exited');

export class ReplicatorProcess {
  readonly child: ChildProcess;
  readonly logs: LogLine[] = [];
  /** stderr lines that are not JSON (SDK warnings, crashes). */
  readonly otherOutput: string[] = [];
  stdout = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** `detached`: the child leads a process group of its own, as a shell's foreground job does. */
  constructor(args: readonly string[], env: NodeJS.ProcessEnv = {}, options: { detached?: boolean } = {}) {
    this.child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached === true,
    });
    let pending = '';
    this.child.stderr?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) this.#take(line);
    });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.exited = exitWithOutput(this.child).then((exit) => {
      if (pending !== '') this.#take(pending);
      return exit;
    });
  }

  #take(line: string): void {
    if (line.trim() === '') return;
    try {
      const parsed = JSON.parse(line) as LogLine;
      if (typeof parsed.msg === 'string') {
        this.logs.push(parsed);
        return;
      }
    } catch {
      // not a log line
    }
    this.otherOutput.push(line);
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('process did not start');
    return this.child.pid;
  }

  /**
   * Waits for a log line with this message (and matching fields) from the index `from` on. A process that exits
   * first fails the wait at once, with its output read to the end (the last lines usually say why).
   */
  async waitForLog(
    msg: string,
    options: { timeoutMs?: number; from?: number; match?: (l: LogLine) => boolean } = {},
  ): Promise<LogLine> {
    const found = await waitFor(
      `log line "${msg}"`,
      () =>
        this.logs.slice(options.from ?? 0).find((l) => l.msg === msg && (options.match?.(l) ?? true)) ??
        (this.child.exitCode !== null || this.child.signalCode !== null ? EXITED : undefined),
      { timeoutMs: options.timeoutMs ?? 30_000 },
    );
    if (found !== EXITED) return found;
    const exit = await this.exited;
    throw new Error(
      `process exited with ${exit.code ?? exit.signal} before log line "${msg}": ${this.describe()}`,
    );
  }

  /** SIGTERM, then waits for the exit. */
  async stop(timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.waitForExit(timeoutMs);
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  async waitForExit(timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`process did not exit within ${timeoutMs} ms: ${this.describe()}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The last log lines and other output, for assertion messages. */
  describe(): string {
    const tail = this.logs.slice(-8).map((l) => JSON.stringify(l));
    return [...tail, ...this.otherOutput.filter((l) => !isSdkWarning(l)).slice(-8)].join('\n');
  }

  /** Lines at level error/fatal. */
  errors(): LogLine[] {
    return this.logs.filter((l) => l.level === 'error' || l.level === 'fatal');
  }
}

/** The AWS SDK's Node-version notice on Node 20 (expected, not ours). */
export function isSdkWarning(line: string): boolean {
  return (
    /NodeVersionSupportWarning|AWS SDK for JavaScript|continue receiving updates|will require node|upgrade to node|a\.co\/|trace-warnings|versions published|security updates/.test(
      line,
    ) || line.trim() === ''
  );
}
