// `ddb-replicator status`: reads the task's lease table and prints the fleet (per shard its state, owner,
// checkpoint and parents; per worker its lease count), as a table or, with --json, for scripts.
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { Argv } from 'yargs';
import { STARTUP } from '../app/aws-clients.js';
import { SideClients } from '../app/side-clients.js';
import { fleetStatus, formatFleetStatus } from '../app/fleet-status.js';
import { describeFailure, where } from '../app/startup-checks.js';
import { credentialSource, leaseCredentialSource } from '../config/credential-source.js';
import { checkEndpoint } from '../config/flag-checks.js';
import { parseTableArn, plainTableName } from '../config/table-arn.js';
import { defaultTaskName, leaseTableName } from '../config/task-name.js';
import { ConfigError } from '../errors/replicator-error.js';
import { DynamoLeaseStore } from '../lease/dynamo-lease-store.js';
import { createLogger } from '../observability/logger.js';
import { EXIT_OK } from './exit-codes.js';
import { anyProfile, credentialArgs, credentialFlags, loadKnownProfiles } from './credential-flags.js';
import { exitCodeFor, reportFailure } from './report-failure.js';
import { commandSessionName } from './session-name.js';

export function statusFlags<T>(yargs: Argv<T>) {
  // The source's credential flags too: the lease table is reached with them unless --lease-* ones are given; and
  // the profiles of both tables, whose regions the default task name is derived from, as for replicate.
  return credentialFlags(yargs, ['source', 'destination', 'lease'])
    .option('task-name', {
      type: 'string',
      alias: ['taskName'],
      describe:
        'The task to show [default: derived from --source-table/--source-region/--dest-table/--dest-region]',
    })
    .option('source-table', {
      type: 'string',
      alias: ['sourceTable'],
      describe: 'To derive the default task name',
    })
    .option('source-region', {
      type: 'string',
      alias: ['sourceRegion'],
      describe: 'To derive the default task name',
    })
    .option('dest-table', {
      type: 'string',
      alias: ['destinationTable'],
      describe: 'To derive the default task name',
    })
    .option('dest-region', {
      type: 'string',
      alias: ['destinationRegion'],
      describe: 'To derive the default task name',
    })
    .option('lease-region', {
      type: 'string',
      alias: ['kclRegion'],
      describe: 'Region of the lease table [default: --source-region, then AWS_REGION]',
    })
    .option('lease-endpoint', {
      type: 'string',
      alias: ['kclEndpoint'],
      describe: 'Endpoint of the lease table',
    })
    .option('json', { type: 'boolean', default: false, describe: 'Print JSON for scripts' });
}

export type StatusArgs = Awaited<ReturnType<typeof statusFlags>['argv']>;

export async function runStatus(args: StatusArgs): Promise<number> {
  const logger = createLogger({ level: 'warn' });
  try {
    const profiles = await loadKnownProfiles(anyProfile(args, ['source', 'destination', 'lease']));
    const sourceCredentials = credentialSource(credentialArgs(args, 'source'), 'source', profiles);
    const credentials = leaseCredentialSource(credentialArgs(args, 'lease'), sourceCredentials, profiles);
    const profileRegion = (profile: string | undefined): string | undefined =>
      profile === undefined ? undefined : profiles?.region(profile);
    const sourceRegion =
      args['source-region'] ??
      parseTableArn(args['source-table'] ?? '')?.region ??
      profileRegion(sourceCredentials.profile) ??
      process.env.AWS_REGION ??
      process.env.AWS_DEFAULT_REGION;
    const region = args['lease-region'] ?? sourceRegion;
    if (region === undefined || region === '') {
      throw new ConfigError('missing --lease-region: name the region of the lease table (or set AWS_REGION)');
    }
    const destRegion =
      args['dest-region'] ?? profileRegion(credentialArgs(args, 'destination').profile) ?? sourceRegion;
    const taskName = args['task-name'] ?? derivedTaskName(args, sourceRegion, destRegion);
    const location = {
      region,
      endpoint: checkEndpoint(args['lease-endpoint'], '--lease-endpoint'),
      tableName: leaseTableName(taskName),
      credentials,
    };
    const clients = new SideClients(
      { lease: location },
      { logger, sessionName: commandSessionName('status') },
    );
    const client = clients.dynamo('lease', STARTUP);
    try {
      await clients.checkCredentials(['lease']);
      try {
        await client.send(new DescribeTableCommand({ TableName: location.tableName }));
      } catch (err) {
        if ((err as { name?: string }).name === 'ResourceNotFoundException') {
          throw new ConfigError(
            `no lease table ${location.tableName} in ${where(location)}: check --task-name and --lease-region (has a worker of this task run yet?)`,
          );
        }
        throw describeFailure(err, 'lease', location, 'dynamodb:DescribeTable');
      }
      let fleet;
      try {
        fleet = await new DynamoLeaseStore(client, location.tableName).listFleet();
      } catch (err) {
        throw describeFailure(err, 'lease', location, 'dynamodb:Scan');
      }
      const status = fleetStatus(fleet.leases, Date.now(), fleet.workers);
      if (args.json) {
        process.stdout.write(
          `${JSON.stringify({ taskName, leaseTable: location.tableName, ...status }, null, 2)}\n`,
        );
      } else {
        const header = `task ${taskName}: lease table ${location.tableName} in ${where(location)}`;
        process.stdout.write(`${formatFleetStatus(status, header)}\n`);
      }
      return EXIT_OK;
    } finally {
      client.destroy();
    }
  } catch (err) {
    reportFailure(err, logger);
    return exitCodeFor(err);
  }
}

function derivedTaskName(
  args: StatusArgs,
  sourceRegion: string | undefined,
  destRegion: string | undefined,
): string {
  const sourceTable = args['source-table'] === undefined ? undefined : plainTableName(args['source-table']);
  const destTable = args['dest-table'];
  if (
    sourceTable === undefined ||
    destTable === undefined ||
    sourceRegion === undefined ||
    destRegion === undefined
  ) {
    throw new ConfigError(
      'name the task: --task-name, or --source-table, --source-region, --dest-table and --dest-region as given to replicate',
    );
  }
  return defaultTaskName(sourceRegion, sourceTable, destRegion, destTable);
}
