// A worker's view of its spool-mode task's state (the task item in the lease table), never older than a bound:
// the spool sink stamps every spool write with the generation of a view read at most `maxAgeMs` before the write
// was sent, and the drains wait longer than that bound (plus a request's deadline) after a phase change before
// they rely on it (see spool-phases.ts). The age counts from when the read was sent. One read at a time.
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { taskFromItem, TASK_KEY, type BootstrapState } from '../bootstrap/bootstrap-items.js';
import { retrying } from '../util/retry.js';

export class PhaseView {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #maxAgeMs: number;
  /** The worker's stop: one read serves every caller, so no caller's own signal may cut it short. */
  readonly #signal: AbortSignal;
  #state: BootstrapState | undefined;
  #readSentAt = -Infinity;
  #reading: Promise<BootstrapState> | undefined;

  constructor(client: DynamoDBClient, leaseTable: string, maxAgeMs: number, signal: AbortSignal) {
    this.#client = client;
    this.#signal = signal;
    this.#table = leaseTable;
    this.#maxAgeMs = maxAgeMs;
  }

  /** The task's state as read at most maxAgeMs ago. */
  async current(): Promise<BootstrapState> {
    // A read that took longer than the bound is already too old when it answers: read again.
    for (;;) {
      if (this.#state !== undefined && performance.now() - this.#readSentAt <= this.#maxAgeMs)
        return this.#state;
      this.#reading ??= this.#read(this.#signal).finally(() => (this.#reading = undefined));
      await this.#reading;
    }
  }

  async #read(signal: AbortSignal): Promise<BootstrapState> {
    return retrying(
      async () => {
        const sentAt = performance.now();
        const out = await this.#client.send(
          new GetItemCommand({
            TableName: this.#table,
            Key: { leaseKey: { S: TASK_KEY } },
            ConsistentRead: true,
          }),
          { abortSignal: signal },
        );
        if (out.Item === undefined) throw new TypeError(`the spool task item is missing from ${this.#table}`);
        const state = taskFromItem(out.Item).state;
        this.#state = state;
        this.#readSentAt = sentAt;
        return state;
      },
      { signal },
    );
  }
}
