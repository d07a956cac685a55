// Pure: the two tables every command names (source and destination), from their flags. Shared by `replicate`,
// `bootstrap` and `verify` so the defaults (destination region = source region) and the mistakes they refuse
// cannot differ between commands.
import { ConfigError } from '../errors/replicator-error.js';
import { checkEndpoint, requireTableName } from './flag-checks.js';

/** Where a table lives: a region and, for DynamoDB Local or a VPC endpoint, an explicit endpoint URL. */
export interface Location {
  readonly region: string;
  readonly endpoint: string | undefined;
}

export interface TableLocation extends Location {
  readonly tableName: string;
}

export interface TableFlags {
  readonly sourceTable?: string | undefined;
  readonly sourceRegion?: string | undefined;
  readonly sourceEndpoint?: string | undefined;
  readonly destTable?: string | undefined;
  readonly destRegion?: string | undefined;
  readonly destEndpoint?: string | undefined;
}

export function tableLocations(
  flags: TableFlags,
  env: NodeJS.ProcessEnv,
): { readonly source: TableLocation; readonly destination: TableLocation } {
  const sourceTable = requireTableName(flags.sourceTable, '--source-table');
  const destTable = requireTableName(flags.destTable, '--dest-table');
  const sourceRegion = flags.sourceRegion ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (sourceRegion === undefined || sourceRegion === '') {
    throw new ConfigError("missing --source-region: name the source table's region (or set AWS_REGION)");
  }
  const destRegion = flags.destRegion ?? sourceRegion;
  const sourceEndpoint = checkEndpoint(flags.sourceEndpoint, '--source-endpoint');
  const destEndpoint = checkEndpoint(flags.destEndpoint, '--dest-endpoint');
  if (sourceTable === destTable && sourceRegion === destRegion && sourceEndpoint === destEndpoint) {
    throw new ConfigError(
      `--dest-table ${destTable} is the source table itself (same region and endpoint): name another table`,
    );
  }
  return {
    source: { region: sourceRegion, endpoint: sourceEndpoint, tableName: sourceTable },
    destination: { region: destRegion, endpoint: destEndpoint, tableName: destTable },
  };
}
