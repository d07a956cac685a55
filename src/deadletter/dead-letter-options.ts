// `--on-reject stop|dead-letter` and `--dead-letter-table`: what a worker does with a change the destination
// refuses for good or the transform throws on. `stop` (the default) stops the shard before the record; with
// `dead-letter` the change goes to the task's dead-letter table, beside the lease table (same region, endpoint
// and credentials), named `<lease table>-dead-letters` unless told otherwise.
import { requireTableName } from '../config/flag-checks.js';
import { ConfigError } from '../errors/replicator-error.js';
import { deadLetterTableName } from './dead-letter-item.js';

export const ON_REJECT = ['stop', 'dead-letter'] as const;
export type OnReject = (typeof ON_REJECT)[number];

export interface RejectFlags {
  readonly onReject?: string | undefined;
  readonly deadLetterTable?: string | undefined;
}

export interface DeadLetterOptions {
  readonly tableName: string;
}

/** Undefined: `--on-reject stop`. */
export function buildDeadLetterOptions(
  flags: RejectFlags,
  leaseTable: string,
): DeadLetterOptions | undefined {
  const onReject = flags.onReject ?? 'stop';
  if (!ON_REJECT.some((choice) => choice === onReject)) {
    throw new ConfigError(
      `--on-reject ${JSON.stringify(onReject)} is not a choice: use stop (the shard stops before the record) or dead-letter (the record goes to the dead-letter table)`,
    );
  }
  if (onReject === 'stop') {
    if (flags.deadLetterTable !== undefined) {
      throw new ConfigError(
        '--dead-letter-table only applies with --on-reject dead-letter: add it, or leave --dead-letter-table out',
      );
    }
    return undefined;
  }
  const tableName =
    flags.deadLetterTable === undefined
      ? deadLetterTableName(leaseTable)
      : requireTableName(flags.deadLetterTable, '--dead-letter-table');
  return { tableName };
}
