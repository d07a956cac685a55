// `status --two-way`: both directions of a two-way pair, each from its own lease table (A→B's on side A, B→A's on
// side B, as `replicate --two-way` names and places them), with the number of conflicts each recorded.
import { ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import type { Logger } from 'pino';
import { STARTUP } from '../app/aws-clients.js';
import { readFleet, taskFleetJson } from '../app/fleet-reader.js';
import { formatFleetStatus } from '../app/fleet-status.js';
import { SideClients } from '../app/side-clients.js';
import { where } from '../app/startup-checks.js';
import { twoWayTableNames } from '../app/twoway-setup.js';
import type { TableLocation } from '../config/table-locations.js';
import { leaseTableName } from '../config/task-name.js';
import { ConfigError } from '../errors/replicator-error.js';
import { readConflicts } from '../twoway/conflict-log.js';
import { anyProfile, loadKnownProfiles } from './credential-flags.js';
import { EXIT_OK } from './exit-codes.js';
import { commandSessionName } from './session-name.js';
import { tableFlagValues } from './table-flags.js';
import { twoWaySides } from './two-way-sides.js';

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
  for (const sides of [ab, ba]) {
    const location: TableLocation = {
      ...sides.source,
      tableName: leaseTableName(sides.taskName),
    };
    const status = await readFleet(location, logger, sessionName);
    if (status === undefined) {
      throw new ConfigError(
        `no lease table ${location.tableName} in ${where(location)}: check --task-name and the table flags (has replicate --two-way run yet?)`,
      );
    }
    const client = new SideClients({ lease: location }, { logger, sessionName }).dynamo('lease', STARTUP);
    let conflicts = 0;
    try {
      conflicts = (await readConflicts(client, twoWayTableNames(location.tableName).conflicts)).length;
    } catch (err) {
      if (!(err instanceof ResourceNotFoundException)) throw err;
    } finally {
      client.destroy();
    }
    const direction = `${sides.source.tableName} → ${sides.destination.tableName}`;
    json.push({ direction, conflicts, ...taskFleetJson(sides.taskName, location.tableName, status, {}) });
    const header = `task ${sides.taskName} (${direction}): lease table ${location.tableName} in ${where(location)}`;
    shown.push(
      `${formatFleetStatus(status, header)}\nconflicts: ${conflicts} (ddb-replicator conflicts list)`,
    );
  }
  process.stdout.write(args.json ? `${JSON.stringify(json, null, 2)}\n` : `${shown.join('\n\n')}\n`);
  return EXIT_OK;
}
