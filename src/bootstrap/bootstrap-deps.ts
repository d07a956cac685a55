// What a bootstrap copy is given by the worker that runs it (see bootstrap-run.ts), and how its one-off steps
// ride over throttling and network trouble.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from 'pino';
import type { SideClients } from '../app/side-clients.js';
import type { CheckedTables } from '../app/startup-checks.js';
import type { ReplicationConfig } from '../config/replication-config.js';
import type { EventBus } from '../observability/events.js';
import type { DestinationRules } from '../rules/destination-writes.js';
import { retrying } from '../util/retry.js';
import type { Slots } from '../util/semaphore.js';
import type { BootstrapTask } from './bootstrap-items.js';
import type { BootstrapOptions } from './bootstrap-options.js';
import type { SegmentStore } from './segment-store.js';

export interface BootstrapDeps {
  readonly config: ReplicationConfig;
  readonly tables: CheckedTables;
  /** Undefined: no bootstrap was asked for (only the guard runs). */
  readonly options: BootstrapOptions | undefined;
  /** The task's rules: each scanned item is written as they make it (or not at all); undefined: as it is. */
  readonly rules?: DestinationRules | undefined;
  /** The rules of a fan-out's further destinations (config.fanOut's order); the copy fills each of them too. */
  readonly fanOutRules?: readonly (DestinationRules | undefined)[] | undefined;
  /** Builds the copy's clients of each side. */
  readonly clients: SideClients;
  /** The write slots the copy's requests take (the process's, shared with its other tasks). */
  readonly writeSlots: Slots;
  /** A client for the lease table. */
  readonly leaseClient: DynamoDBClient;
  readonly events: EventBus;
  readonly logger: Logger;
  /** The copy's task item as the lease table's preparation read it a moment ago (`task` undefined: no copy): the
   * guard (no bootstrap asked for) decides on it instead of reading the table again; absent: not read yet. */
  readonly copyAtStart?: { readonly task: BootstrapTask | undefined } | undefined;
}

/** A step of the copy (mostly lease-table writes), retried through throttling and network trouble; every
 * step is safe to repeat. */
export function patiently<T>(
  step: () => Promise<T>,
  deps: Pick<BootstrapDeps, 'logger'>,
  signal: AbortSignal,
): Promise<T> {
  return retrying(step, {
    signal,
    onRetry: (reason) => deps.logger.warn({ reason }, 'a request of the copy failed; retrying'),
  });
}

/**
 * The end of recording the positions: the copy's segments exist, then the task moves on to
 * `positions-recorded`. True when this worker moved it (another may have got there first).
 */
export async function markPositionsRecorded(
  store: Pick<SegmentStore, 'createSegments' | 'moveState'>,
  segments: number,
  deps: Pick<BootstrapDeps, 'logger'>,
  signal: AbortSignal,
): Promise<boolean> {
  await patiently(() => store.createSegments(segments, signal), deps, signal);
  return patiently(
    () =>
      store.moveState(
        ['recording-positions'],
        'positions-recorded',
        { positionsRecordedAt: Date.now() },
        signal,
      ),
    deps,
    signal,
  );
}
