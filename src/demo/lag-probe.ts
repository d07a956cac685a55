// Replication lag measured with the demo's own clock, the way pt-heartbeat does it for MySQL: a heartbeat item on
// the source gets a new sequence number and timestamp every 100 ms, and the destination's copy is read every
// 20 ms. A heartbeat's lag is the time from its write on the source until a read first finds it (or a later
// one) on the destination: an upper bound, precise to the read interval. The stream's timestamps are not used:
// DynamoDB Local rounds them down to the minute. The same heartbeat, written once more after the workload
// stops, tells when the replicator has caught up with the last write.
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { errorMessage } from '../errors/replicator-error.js';
import type { Logger } from '../observability/logger.js';
import { sleep } from '../util/sleep.js';
import { KEY_NAME } from './workload.js';

export const HEARTBEAT_KEY = 'demo-heartbeat';
export const HEARTBEAT_INTERVAL_MS = 100;
export const READ_INTERVAL_MS = 20;

export interface TableRef {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

export interface LagProbeDeps {
  readonly source: TableRef;
  readonly destination: TableRef;
  readonly logger: Logger;
  readonly now?: () => number;
}

interface Heartbeat {
  readonly seq: number;
  readonly writtenAtMs: number;
}

export class LagProbe {
  readonly #deps: LagProbeDeps;
  readonly #now: () => number;
  /** Written on the source, not yet seen on the destination, oldest first. */
  readonly #unseen: Heartbeat[] = [];
  #nextSeq = 1;
  #seenSeq = 0;
  #written = 0;
  #failures = 0;
  #worstSinceTake: number | undefined;

  constructor(deps: LagProbeDeps) {
    this.#deps = deps;
    // Monotonic: a wall-clock step (NTP) must not show up as lag.
    this.#now = deps.now ?? (() => performance.now());
  }

  /** Heartbeats written on the source: each is one stream record the replicator must apply too. */
  get writes(): number {
    return this.#written;
  }

  /** Writes a heartbeat every 100 ms until `signal` aborts. */
  async writeLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const next = performance.now() + HEARTBEAT_INTERVAL_MS;
      await this.beat();
      await sleep(next - performance.now(), signal);
    }
  }

  /** Writes one heartbeat; resolves with its sequence number, or undefined if the write failed. */
  async beat(): Promise<number | undefined> {
    const seq = this.#nextSeq++;
    const writtenAtMs = this.#now();
    try {
      await this.#deps.source.client.send(
        new PutItemCommand({
          TableName: this.#deps.source.tableName,
          Item: {
            [KEY_NAME]: { S: HEARTBEAT_KEY },
            seq: { N: String(seq) },
            writtenAt: { N: String(Date.now()) },
          },
        }),
      );
    } catch (err) {
      this.#failed(err, 'heartbeat write failed');
      return undefined;
    }
    this.#written += 1;
    this.#unseen.push({ seq, writtenAtMs });
    // The destination may have shown it before the write's answer came back.
    this.#resolveUpTo(this.#seenSeq, this.#now());
    return seq;
  }

  /** Reads the destination's heartbeat every 20 ms until `signal` aborts. */
  async readLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const next = performance.now() + READ_INTERVAL_MS;
      try {
        const out = await this.#deps.destination.client.send(
          new GetItemCommand({
            TableName: this.#deps.destination.tableName,
            Key: { [KEY_NAME]: { S: HEARTBEAT_KEY } },
            ConsistentRead: true,
          }),
          { abortSignal: signal },
        );
        const seq = Number(out.Item?.seq?.N ?? '0');
        if (seq > this.#seenSeq) {
          this.#seenSeq = seq;
          this.#resolveUpTo(seq, this.#now());
        }
      } catch (err) {
        if (signal.aborted) return;
        this.#failed(err, 'heartbeat read failed');
      }
      await sleep(next - performance.now(), signal);
    }
  }

  /** True once the destination shows heartbeat `seq` or a later one. */
  hasSeen(seq: number): boolean {
    return this.#seenSeq >= seq;
  }

  /**
   * The worst lag since the last call: the largest delay of the heartbeats that arrived, or the age of the
   * oldest one still missing if that is larger (so a stalled replicator shows a growing lag, not the last one).
   * Undefined while no heartbeat was written.
   */
  takeLag(): number | undefined {
    const oldest = this.#unseen[0];
    const waiting = oldest === undefined ? undefined : this.#now() - oldest.writtenAtMs;
    const worst = maxOf(this.#worstSinceTake, waiting);
    this.#worstSinceTake = undefined;
    return worst;
  }

  #resolveUpTo(seq: number, seenAtMs: number): void {
    while (this.#unseen.length > 0 && (this.#unseen[0]?.seq ?? Infinity) <= seq) {
      const heartbeat = this.#unseen.shift();
      if (heartbeat !== undefined)
        this.#worstSinceTake = maxOf(this.#worstSinceTake, seenAtMs - heartbeat.writtenAtMs);
    }
  }

  #failed(err: unknown, what: string): void {
    this.#failures += 1;
    // The probe runs 60 requests a second: one warning, then one per hundred failures.
    const level = this.#failures === 1 || this.#failures % 100 === 0 ? 'warn' : 'debug';
    this.#deps.logger[level]({ err: errorMessage(err), failures: this.#failures }, `demo lag probe: ${what}`);
  }
}

function maxOf(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}
