// Lease-table requests per worker, counted on the wire: each worker gets its own --lease-endpoint, a proxy (in a
// child process, lease-request-proxy-process.ts) that passes every request on to the lease table's DynamoDB
// Local at once and counts it by kind (Scan, renew, checkpoint, heartbeat, take, ...; refused ones apart). Owned
// by the lifetime: always stopped.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Lifetime } from './lifetime.js';

const PROCESS = fileURLToPath(new URL('./lease-request-proxy-process.js', import.meta.url));

/**
 * counts[worker][kind]: requests answered so far; refused ones as `<kind>:refused`; a transaction as `tx:<kind of
 * its items>`, and the items applied by transactions as `items:<kind>` (not requests: isRequest).
 */
export type RequestCounts = Record<string, Record<string, number>>;

/** The kinds that change the lease table (everything else reads it). */
const READS = new Set(['Scan', 'GetItem', 'Query', 'DescribeTable', 'ListTables', 'DescribeTimeToLive']);

export function isWrite(kind: string): boolean {
  return isRequest(kind) && !READS.has(kind.replace(/:refused$/, ''));
}

/** Whether a count is of requests (not of the items transactions applied). */
export function isRequest(kind: string): boolean {
  return !kind.startsWith('items:');
}

export class LeaseRequestProxies {
  readonly #child: ChildProcess;
  readonly #ports: Record<string, number>;
  readonly #release: () => Promise<void>;
  #nextId = 0;

  private constructor(child: ChildProcess, ports: Record<string, number>, release: () => Promise<void>) {
    this.#child = child;
    this.#ports = ports;
    this.#release = release;
  }

  static async start(
    target: string,
    names: readonly string[],
    lifetime: Lifetime,
  ): Promise<LeaseRequestProxies> {
    lifetime.check();
    const child = fork(PROCESS, [target, ...names], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const release = lifetime.own(
      'lease request proxies',
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      },
      () => child.kill('SIGKILL'),
    );
    const ports = await new Promise<Record<string, number>>((resolve, reject) => {
      child.once('message', (message: { ports?: Record<string, number> }) => {
        if (message.ports === undefined) reject(new Error('the lease request proxies did not start'));
        else resolve(message.ports);
      });
      child.once('exit', (code) => reject(new Error(`the lease request proxies exited (${String(code)})`)));
    });
    return new LeaseRequestProxies(child, ports, release);
  }

  get pid(): number {
    return this.#child.pid ?? 0;
  }

  url(name: string): string {
    const port = this.#ports[name];
    if (port === undefined) throw new RangeError(`no lease request proxy for ${name}`);
    return `http://127.0.0.1:${port}`;
  }

  /** The counts so far, a copy. */
  counts(): Promise<RequestCounts> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const onMessage = (message: { id?: number; counts?: RequestCounts }): void => {
        if (message.id !== id || message.counts === undefined) return;
        this.#child.off('message', onMessage);
        resolve(message.counts);
      };
      this.#child.on('message', onMessage);
      if (!this.#child.send({ id })) reject(new Error('the lease request proxies are gone'));
    });
  }

  close(): Promise<void> {
    return this.#release();
  }
}

/** What happened between two readings: b - a, per worker and kind. */
export function countsBetween(a: RequestCounts, b: RequestCounts): RequestCounts {
  const out: RequestCounts = {};
  for (const [worker, kinds] of Object.entries(b)) {
    const before = a[worker] ?? {};
    const delta: Record<string, number> = {};
    for (const [kind, n] of Object.entries(kinds)) {
      const d = n - (before[kind] ?? 0);
      if (d > 0) delta[kind] = d;
    }
    out[worker] = delta;
  }
  return out;
}
