// One worker process of a chaos scenario, with what the chaos does to it: kill -9, SIGSTOP/SIGCONT and a clean
// SIGTERM. It tells apart an exit the scenario caused from one the worker chose (an error it could not retry),
// and reads from its log which shards it holds.
import { ReplicatorProcess } from '../support/replicator-process.js';

export type ChaosWorkerState = 'running' | 'frozen' | 'exited';

// A suite that exits early (a second Ctrl-C, a crash) leaves no worker behind.
const live = new Set<ReplicatorProcess>();
process.once('exit', () => {
  for (const worker of live) worker.child.kill('SIGKILL');
});

export class ChaosWorker {
  readonly id: string;
  readonly process: ReplicatorProcess;
  #state: ChaosWorkerState = 'running';
  #expectingExit = false;
  /** How the process ended when nobody asked it to (exit code or signal). */
  unexpectedExit: string | undefined;

  constructor(id: string, args: readonly string[]) {
    this.id = id;
    this.process = new ReplicatorProcess(args);
    live.add(this.process);
    void this.process.exited.then(({ code, signal }) => {
      live.delete(this.process);
      this.#state = 'exited';
      if (!this.#expectingExit) this.unexpectedExit = String(code ?? signal);
    });
  }

  get state(): ChaosWorkerState {
    return this.#state;
  }

  /** Shards this worker holds by its own log: taken and not lost or released since. */
  heldShards(): string[] {
    const held = new Set<string>();
    for (const line of this.process.logs) {
      const shard = typeof line.shardId === 'string' ? line.shardId : undefined;
      if (shard === undefined) continue;
      if (line.msg === 'lease taken') held.add(shard);
      else if (line.msg === 'lease lost' || line.msg === 'lease released') held.delete(shard);
    }
    return [...held];
  }

  /** SIGSTOP; false when the process is not running. */
  freeze(): boolean {
    if (this.#state !== 'running') return false;
    this.process.child.kill('SIGSTOP');
    this.#state = 'frozen';
    return true;
  }

  thaw(): void {
    if (this.#state !== 'frozen') return;
    this.process.child.kill('SIGCONT');
    this.#state = 'running';
  }

  async kill9(): Promise<void> {
    this.#expectingExit = true;
    await this.process.kill();
  }

  /** SIGCONT if frozen, then SIGTERM and wait (kill -9 after the timeout). */
  async terminate(timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.#state === 'exited') return this.process.exited;
    this.#expectingExit = true;
    this.thaw();
    try {
      return await this.process.stop(timeoutMs);
    } catch {
      await this.process.kill();
      return { code: null, signal: 'SIGKILL' };
    }
  }

  /** Marks an exit as expected (the scenario waits for the worker to end on its own). */
  expectExit(): void {
    this.#expectingExit = true;
  }
}
