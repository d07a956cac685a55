// The task's lease table around a worker's run: made ready before anything is read (created if missing, refused
// when it holds another stream's checkpoints, earlier failures of the task cleared; what it read is returned so
// that the bootstrap guard need not read it again), and told when the task fails
// (lease/task-failure.ts), so that `status` shows the failure from any machine.
import type { Logger } from 'pino';
import type { ReplicationConfig } from '../config/replication-config.js';
import { ConfigError, errorMessage } from '../errors/replicator-error.js';
import type { Fleet, LeaseStore } from '../lease/lease-store.js';
import { foreignLeases } from '../lease/new-leases.js';
import { describeFailure } from './startup-checks.js';

export async function prepareLeaseTable(
  store: LeaseStore,
  streamArn: string,
  config: ReplicationConfig,
  logger: Logger,
  signal: AbortSignal,
): Promise<Fleet> {
  try {
    const { created } = await store.ensureTable(signal);
    if (created) {
      logger.info({ table: store.tableName }, 'created lease table');
      // Created by this call a moment ago: nothing of another stream or an earlier run can be in it, so the scan
      // is skipped (one round trip less for each of a plan's new tasks).
      return { leases: [], workers: [], copyItems: [], failures: [] };
    }
    const fleet = await store.listFleet(signal);
    const foreign = foreignLeases(fleet.leases, streamArn);
    if (foreign.length > 0) {
      throw new ConfigError(
        `lease table ${store.tableName} holds checkpoints of stream ${foreign[0]?.streamArn ?? '?'}, but source table ${config.source.tableName} now has stream ${streamArn} (the stream was disabled and re-enabled): changes between the two streams were not replicated; re-copy the table and use a new --task-name, or delete the lease table to start over`,
      );
    }
    if (fleet.failures.length > 0) {
      // The task runs again: its earlier failures are history (their lines were logged where they happened).
      logger.info(
        { failures: fleet.failures.map((f) => `${f.workerId}: ${f.error}`) },
        'clearing earlier failures of this task',
      );
      await store.clearFailures(fleet.failures, signal);
    }
    return fleet;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw describeFailure(
      err,
      'lease',
      config.lease,
      'create or read the lease table (dynamodb:CreateTable, DescribeTable, Scan, DeleteItem)',
    );
  }
}

/** Best effort: the lease table may be what failed. Bounded, so that a failing worker still exits promptly. */
export async function recordFailure(
  store: LeaseStore,
  workerId: string,
  err: unknown,
  logger: Logger,
): Promise<void> {
  try {
    await store.recordFailure(workerId, errorMessage(err), AbortSignal.timeout(5_000));
  } catch (recordErr) {
    logger.warn({ err: errorMessage(recordErr) }, 'could not record the failure in the lease table');
  }
}
