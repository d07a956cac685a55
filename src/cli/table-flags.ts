// The flags that name the two tables, shared by `replicate`, `bootstrap` and `verify` so that their spellings,
// aliases (the seed library's) and help texts cannot drift apart; with each side's credential flags.
import type { Argv } from 'yargs';
import type { TableFlags } from '../config/table-locations.js';
import { credentialArgs, credentialFlags } from './credential-flags.js';

export function tableFlags<T>(yargs: Argv<T>) {
  return credentialFlags(yargs, ['source', 'destination'])
    .option('source-table', {
      type: 'string',
      alias: ['sourceTable'],
      describe: 'Source table name, or its ARN for a table of another account (required)',
    })
    .option('source-region', {
      type: 'string',
      alias: ['sourceRegion'],
      describe: "Source region [default: the table ARN's, else --source-profile's, else AWS_REGION]",
    })
    .option('source-endpoint', {
      type: 'string',
      alias: ['sourceEndpoint'],
      describe: "Source DynamoDB endpoint URL, e.g. http://localhost:8000 [default: the region's]",
    })
    .option('dest-table', {
      type: 'string',
      alias: ['destinationTable'],
      describe: 'Destination table name (required)',
    })
    .option('dest-region', {
      type: 'string',
      alias: ['destinationRegion'],
      describe: "Destination region [default: --dest-profile's, else --source-region]",
    })
    .option('dest-endpoint', {
      type: 'string',
      alias: ['destinationEndpoint'],
      describe: "Destination DynamoDB endpoint URL [default: the region's]",
    });
}

/** The two tables' flag values (with each side's credentials), as tableFlags defined them. */
export function tableFlagValues(args: Readonly<Record<string, unknown>>): TableFlags {
  const text = (name: string): string | undefined => {
    const value = args[name];
    return typeof value === 'string' ? value : undefined;
  };
  return {
    sourceTable: text('source-table'),
    sourceRegion: text('source-region'),
    sourceEndpoint: text('source-endpoint'),
    destTable: text('dest-table'),
    destRegion: text('dest-region'),
    destEndpoint: text('dest-endpoint'),
    sourceCredentials: credentialArgs(args, 'source'),
    destCredentials: credentialArgs(args, 'destination'),
  };
}
