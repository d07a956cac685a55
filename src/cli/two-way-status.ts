// `status --two-way`: both directions of a two-way pair, each from its own lease table (A→B's on side A, B→A's on
// side B, as `replicate --two-way` names and places them), with the number of conflicts each recorded. A table flag
// that is not the table a direction's leases read is a mistake (exit 2), not another pair's fleet shown as this one.
import type { Logger } from 'pino';
import { readConflictsBeside } from '../app/conflict-reader.js';
import { readFleetWithStreams, taskFleetJson } from '../app/fleet-reader.js';
import { formatFleetStatus } from '../app/fleet-status.js';
import { where } from '../app/startup-checks.js';
import type { TableLocation } from '../config/table-locations.js';
import { leaseTableName } from '../config/task-name.js';
import { ConfigError } from '../errors/replicator-error.js';
import { conflictCountText } from '../twoway/conflict-summary.js';
import { directionText } from '../twoway/direction-text.js';
import { anyProfile, loadKnownProfiles } from './credential-flags.js';
import { EXIT_OK } from './exit-codes.js';
import { commandSessionName } from './session-name.js';
import { tableFlagValues } from './table-flags.js';
import { twoWaySides } from './two-way-sides.js';
import { twoWayTableMismatch } from './two-way-table-mismatch.js';

export async function statusOfTwoWay(
  args: Readonly<Record<string, unknown>> & {
    readonly json: boolean;
    readonly 'task-name'?: string | undefined;
  },
  logger: Logger,
): Promise<number> {
  const profiles = await loadKnownProfiles(anyProfile(args, ['source', 'destination']));
  const [ab, ba] = twoWaySides(tableFlagValues(args), args['task-name'], profiles);
  const sessionName = commandSessionName('status');
  const shown: string[] = [];
  const json: unknown[] = [];
  for (const [side, sides] of [
    ['a', ab],
    ['b', ba],
  ] as const) {
    const location: TableLocation = {
      ...sides.source,
      tableName: leaseTableName(sides.taskName),
    };
    const read = await readFleetWithStreams(location, logger, sessionName);
    if (read === undefined) {
      throw new ConfigError(
        `no lease table ${location.tableName} in ${where(location)}: check --task-name and the table flags (has replicate --two-way run yet?)`,
      );
    }
    const mismatch = twoWayTableMismatch({
      side,
      tableName: sides.source.tableName,
      taskName: sides.taskName,
      leaseTable: location.tableName,
      where: where(location),
      streamArns: read.streamArns,
    });
    if (mismatch !== undefined) throw new ConfigError(mismatch);
    const { status } = read;
    // No log yet: the direction has recorded nothing.
    const conflicts = (await readConflictsBeside(location, logger, sessionName))?.length ?? 0;
    const direction = `${sides.source.tableName} → ${sides.destination.tableName}`;
    json.push({ direction, conflicts, ...taskFleetJson(sides.taskName, location.tableName, status, {}) });
    const named = directionText(side, sides.source.tableName, sides.destination.tableName);
    const header = `task ${sides.taskName}, ${named}: lease table ${location.tableName} in ${where(location)}`;
    shown.push(`${formatFleetStatus(status, header)}\n${conflictCountText(conflicts)}`);
  }
  process.stdout.write(args.json ? `${JSON.stringify(json, null, 2)}\n` : `${shown.join('\n\n')}\n`);
  return EXIT_OK;
}
