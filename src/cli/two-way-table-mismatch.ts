// Pure: whether the table flags of `status --two-way` name the pair a direction's lease table serves. With
// --task-name the lease tables are found by the task name alone, so a wrong --dest-table (or one that does not
// exist) would still show a fleet; the shard leases name the stream they were made for, and so its table.
import { plainTableName } from '../config/table-arn.js';
import type { Side } from '../twoway/version-stamp.js';

/** The table a stream ARN (`arn:…:table/<name>/stream/<label>`) belongs to; undefined for another form. */
export function streamTableName(streamArn: string): string | undefined {
  return /:table\/([^/]+)\/stream\/[^/]+$/.exec(streamArn)?.[1];
}

export interface DirectionRead {
  /** The side whose stream the direction reads: its table is the flags' source (a) or destination (b). */
  readonly side: Side;
  /** The table the flags name on that side, by name or ARN. */
  readonly tableName: string;
  readonly taskName: string;
  readonly leaseTable: string;
  /** Where the lease table is, as the messages say it. */
  readonly where: string;
  /** The streams the direction's leases name. */
  readonly streamArns: readonly string[];
}

/** The one line saying which flag names another table than the direction reads, and the fix; or undefined. */
export function twoWayTableMismatch(read: DirectionRead): string | undefined {
  const named = plainTableName(read.tableName);
  const other = read.streamArns.map(streamTableName).find((table) => table !== undefined && table !== named);
  if (other === undefined) return undefined;
  const flag = read.side === 'a' ? '--source-table' : '--dest-table';
  return `${flag} ${named} is not side ${read.side.toUpperCase()} of this pair: lease table ${read.leaseTable} (task ${read.taskName}) in ${read.where} reads the stream of table ${other}; give ${flag} ${other}, or the --task-name of the pair ${named} belongs to`;
}
