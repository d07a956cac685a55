// Pure: the two tables every command names (source and destination), from their flags. Shared by `replicate`,
// `bootstrap` and `verify` so the defaults (destination region = source region) and the mistakes they refuse
// cannot differ between commands.
import { ConfigError } from '../errors/replicator-error.js';
import {
  credentialSource,
  sameCredentials,
  type CredentialFlags,
  type CredentialSource,
  type KnownProfiles,
} from './credential-source.js';
import { checkEndpoint, requireTableName } from './flag-checks.js';
import { parseTableArn } from './table-arn.js';

/**
 * Where a table lives: a region and, for DynamoDB Local or a VPC endpoint, an explicit endpoint URL; and whose
 * credentials reach it (undefined: the default provider chain, as for the demo's local tables).
 */
export interface Location {
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly credentials?: CredentialSource | undefined;
}

export interface TableLocation extends Location {
  readonly tableName: string;
  /**
   * The flags the user named this table with, where they are not its role's own: two-way replication's B→A
   * direction reads the `--dest-` table as its source. Errors name these flags. Undefined: the role's own.
   */
  readonly namedBy?: '--source' | '--dest' | undefined;
}

export interface TableFlags {
  readonly sourceTable?: string | undefined;
  readonly sourceRegion?: string | undefined;
  readonly sourceEndpoint?: string | undefined;
  readonly destTable?: string | undefined;
  readonly destRegion?: string | undefined;
  readonly destEndpoint?: string | undefined;
  readonly sourceCredentials?: CredentialFlags | undefined;
  readonly destCredentials?: CredentialFlags | undefined;
}

/**
 * `profiles`: the profiles of the shared files, where the command loaded them; a side's region then defaults to
 * its profile's, and a profile that is not there is refused by name.
 */
export function tableLocations(
  flags: TableFlags,
  env: NodeJS.ProcessEnv,
  profiles?: KnownProfiles,
): { readonly source: TableLocation; readonly destination: TableLocation } {
  const sourceTable = requireTableName(flags.sourceTable, '--source-table', true);
  const sourceArn = parseTableArn(sourceTable);
  const destTable = requireTableName(flags.destTable, '--dest-table');
  const sourceCredentials = credentialSource(flags.sourceCredentials ?? {}, 'source', profiles);
  const destCredentials = credentialSource(flags.destCredentials ?? {}, 'destination', profiles);
  const profileRegion = (source: CredentialSource): string | undefined =>
    source.profile === undefined ? undefined : profiles?.region(source.profile);
  if (
    sourceArn !== undefined &&
    flags.sourceRegion !== undefined &&
    flags.sourceRegion !== sourceArn.region
  ) {
    throw new ConfigError(
      `--source-region ${flags.sourceRegion} differs from the region of --source-table's ARN (${sourceArn.region}): leave --source-region out or make them agree`,
    );
  }
  const sourceRegion =
    flags.sourceRegion ??
    sourceArn?.region ??
    profileRegion(sourceCredentials) ??
    env.AWS_REGION ??
    env.AWS_DEFAULT_REGION;
  if (sourceRegion === undefined || sourceRegion === '') {
    throw new ConfigError(
      "missing --source-region: name the source table's region (or set AWS_REGION, or a region in --source-profile's profile)",
    );
  }
  const destRegion = flags.destRegion ?? profileRegion(destCredentials) ?? sourceRegion;
  const sourceEndpoint = checkEndpoint(flags.sourceEndpoint, '--source-endpoint');
  const destEndpoint = checkEndpoint(flags.destEndpoint, '--dest-endpoint');
  // With other credentials the same name can be another account's table, and a source ARN names an account that
  // may not be the credentials' one: the startup checks compare the two tables' ARNs.
  if (
    sourceArn === undefined &&
    sourceTable === destTable &&
    sourceRegion === destRegion &&
    sourceEndpoint === destEndpoint &&
    sameCredentials(sourceCredentials, destCredentials)
  ) {
    throw new ConfigError(
      `--dest-table ${destTable} is the source table itself (same region, endpoint and credentials): name another table`,
    );
  }
  return {
    source: {
      region: sourceRegion,
      endpoint: sourceEndpoint,
      tableName: sourceTable,
      credentials: sourceCredentials,
    },
    destination: {
      region: destRegion,
      endpoint: destEndpoint,
      tableName: destTable,
      credentials: destCredentials,
    },
  };
}
