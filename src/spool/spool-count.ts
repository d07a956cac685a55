// The spool's size as the fleet counts it, from the first spool write on (before any drain has scanned the
// spool): each worker adds the changes its consumers spooled to the task item (`spooledChanges`, one ADD every
// interval and one when it stops), so `status` reads it with the copy's items and every worker learns the fleet's
// total from the answer. It counts spool writes, not keys: a key changed twice counts twice, so it bounds the keys
// held from above; a replay after a restart counts again, and a kill -9 loses at most one interval's count.
// DescribeTable's ItemCount would count keys, but DynamoDB updates it only about every six hours.
import {
  ConditionalCheckFailedException,
  UpdateItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { Logger } from 'pino';
import { TASK_KEY } from '../bootstrap/bootstrap-items.js';
import { errorMessage } from '../errors/replicator-error.js';
import { sleep } from '../util/sleep.js';

export interface SpoolCounterDeps {
  readonly client: DynamoDBClient;
  readonly leaseTable: string;
  readonly intervalMs: number;
  readonly logger: Pick<Logger, 'debug'>;
  /** Told the fleet's total after each addition that reached the table. */
  readonly onTotal?: (total: number) => void;
}

/** The final addition at a stop may take this long (the worker's own signal is aborted by then). */
const LAST_ADD_MS = 2000;

export class SpoolCounter {
  readonly #deps: SpoolCounterDeps;
  #pending = 0;

  constructor(deps: SpoolCounterDeps) {
    this.#deps = deps;
  }

  /** Changes a flush wrote to the spool. */
  add(count: number): void {
    this.#pending += count;
  }

  /** Adds the count to the task item every interval until `signal` aborts, then once more. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(this.#deps.intervalMs, signal);
      await this.#flush(signal);
    }
    await this.#flush(AbortSignal.timeout(LAST_ADD_MS));
  }

  async #flush(signal: AbortSignal): Promise<void> {
    const delta = this.#pending;
    if (delta === 0 || signal.aborted) return;
    this.#pending = 0;
    try {
      const out = await this.#deps.client.send(
        new UpdateItemCommand({
          TableName: this.#deps.leaseTable,
          Key: { leaseKey: { S: TASK_KEY } },
          UpdateExpression: 'ADD spooledChanges :n',
          // Never creates a task item that was deleted meanwhile.
          ConditionExpression: 'attribute_exists(leaseKey)',
          ExpressionAttributeValues: { ':n': { N: String(delta) } },
          ReturnValues: 'UPDATED_NEW',
        }),
        { abortSignal: signal },
      );
      const total = Number(out.Attributes?.spooledChanges?.N);
      if (Number.isFinite(total)) this.#deps.onTotal?.(total);
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return;
      // Counted again with the next addition (an answer lost after the write counts it twice: a count, not data).
      this.#pending += delta;
      this.#deps.logger.debug({ err: errorMessage(err) }, 'could not add to the spool count; retrying');
    }
  }
}
