// Everything a user can get wrong is checked before any data moves, and each failure becomes one ConfigError
// line that names the table, the side and what to do: missing tables, a missing or disabled stream, a stream
// view type without new images, different key schemas, unreachable endpoints and refused credentials. With
// --create-dest-table a missing destination is created here (src/destination/), before any data moves.
import { DescribeTableCommand, type DynamoDBClient, type TableDescription } from '@aws-sdk/client-dynamodb';
import type { Logger } from 'pino';
import { DEFAULT_CREDENTIALS, describeCredentials, type SideName } from '../config/credential-source.js';
import type { CreateDestinationOptions, TableLocation } from '../config/replication-config.js';
import { ensureDestinationTable } from '../destination/ensure-destination-table.js';
import { describeIndexDifferences, indexDifferences } from '../destination/index-differences.js';
import { classifyError } from '../errors/classify-error.js';
import { ConfigError, errorMessage } from '../errors/replicator-error.js';
import type { StreamApi } from '../stream/stream-api.js';
import { retrying } from '../util/retry.js';

export type Side = SideName;

export interface KeyAttribute {
  readonly name: string;
  readonly keyType: 'HASH' | 'RANGE';
  readonly type: string;
}

export interface CheckedTables {
  readonly streamArn: string;
  readonly viewType: string;
  readonly keySchema: readonly KeyAttribute[];
  /** Key attribute names, hash key first. */
  readonly keyAttributes: readonly string[];
  /** The destination's key: the source's, unless rules rename or change keys. */
  readonly destinationKeySchema: readonly KeyAttribute[];
  /** The key of each further destination of a fan-out, in the config's order (empty without one). */
  readonly fanOutKeySchemas?: readonly (readonly KeyAttribute[])[];
}

/**
 * The destination key the rules lead to (renamed key attributes); undefined: any (a transform module that changes
 * keys). Without it the destination must have the source's key schema.
 */
export type DestinationKeyRule = (source: readonly KeyAttribute[]) => readonly KeyAttribute[] | undefined;

/** How long the startup checks wait out throttling and server errors before they report them. */
const STARTUP_RETRY_MS = 30_000;

const FLAG_PREFIX: Record<Side, string> = { source: '--source', destination: '--dest', lease: '--lease' };
const NAMED_BY = { '--source': 'source', '--dest': 'destination' } as const;

export function where(location: TableLocation | { region: string; endpoint: string | undefined }): string {
  return location.endpoint === undefined
    ? `region ${location.region}`
    : `region ${location.region} at ${location.endpoint}`;
}

/** What the command can do about a missing table (only `replicate` can create a destination). */
export interface FailureContext {
  /** A missing destination may be created with --create-dest-table (default true). */
  readonly creatable?: boolean;
}

/** Turns an SDK failure on one side into the one line a user reads. */
export function describeFailure(
  err: unknown,
  side: Side,
  location: TableLocation,
  action: string,
  context: FailureContext = {},
): ConfigError {
  const flag = location.namedBy ?? FLAG_PREFIX[side];
  // The table as the user named it: two-way's B→A reads the --dest- table, which is its `source` here.
  const named = location.namedBy === undefined ? side : NAMED_BY[location.namedBy];
  const name =
    typeof err === 'object' && err !== null ? ((err as { name?: string }).name ?? 'Error') : 'Error';
  const verdict = classifyError(err);
  const table = `${named} table ${location.tableName}`;
  const credentials = location.credentials ?? DEFAULT_CREDENTIALS;
  if (name === 'CredentialsProviderError') {
    return new ConfigError(
      `no AWS credentials found for the ${named} side (${describeCredentials(credentials)}): pass ${flag}-profile, or set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
    );
  }
  if (verdict.kind === 'retriable' && verdict.reason === 'network') {
    return new ConfigError(
      `cannot reach DynamoDB for the ${table} (${where(location)}): ${errorMessage(err)}; check ${flag}-endpoint/${flag}-region and the network`,
    );
  }
  if (verdict.kind === 'fatal') {
    switch (verdict.reason) {
      case 'not-found':
        if (side === 'lease') {
          return new ConfigError(
            `${table} not found in ${where(location)}: check --task-name and --lease-region/--lease-endpoint`,
          );
        }
        return new ConfigError(
          `${table} not found in ${where(location)}: check ${flag}-table and ${flag}-region${side === 'source' || context.creatable === false ? '' : ', or create it with the same key schema as the source, or pass --create-dest-table'}`,
        );
      case 'credentials':
        return new ConfigError(
          `the ${named} side refused the AWS credentials (${describeCredentials(credentials)}) for the ${table} (${name}: ${errorMessage(err)}) in ${where(location)}: check ${flag}-profile and ${flag}-role-arn, or AWS_PROFILE and the access keys`,
        );
      case 'access-denied':
        return new ConfigError(
          `not allowed to ${action} on the ${table} (${name}) with ${describeCredentials(credentials)}: grant it to that identity ('ddb-replicator policy' prints the policies; README, "IAM permissions")`,
        );
      default:
        break;
    }
  }
  return new ConfigError(
    `${action} on the ${table} (${where(location)}) failed: ${name}: ${errorMessage(err)}`,
  );
}

/** DescribeTable of one side, waiting out throttling and server errors; failures become one ConfigError line. */
export async function describeTable(
  client: DynamoDBClient,
  side: Side,
  location: TableLocation,
  signal?: AbortSignal,
  context: FailureContext = {},
): Promise<TableDescription> {
  try {
    const out = await retrying(
      () => client.send(new DescribeTableCommand({ TableName: location.tableName }), { abortSignal: signal }),
      { signal, deadlineMs: STARTUP_RETRY_MS, reasons: ['throttled', 'server'] },
    );
    if (out.Table === undefined)
      throw new ConfigError(`DescribeTable returned nothing for the ${side} table`);
    return out.Table;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw describeFailure(err, side, location, 'dynamodb:DescribeTable', context);
  }
}

export function keySchemaOf(table: TableDescription): KeyAttribute[] {
  const types = new Map((table.AttributeDefinitions ?? []).map((d) => [d.AttributeName, d.AttributeType]));
  const schema = (table.KeySchema ?? []).map((k) => ({
    name: k.AttributeName ?? '?',
    keyType: k.KeyType === 'RANGE' ? ('RANGE' as const) : ('HASH' as const),
    type: types.get(k.AttributeName) ?? '?',
  }));
  return schema.sort((a, b) => (a.keyType === b.keyType ? 0 : a.keyType === 'HASH' ? -1 : 1));
}

export function formatKeySchema(schema: readonly KeyAttribute[]): string {
  return schema.map((k) => `${k.name} ${k.type} ${k.keyType}`).join(', ');
}

export function sameKeySchema(a: readonly KeyAttribute[], b: readonly KeyAttribute[]): boolean {
  return (
    a.length === b.length &&
    a.every((k, i) => k.name === b[i]?.name && k.type === b[i]?.type && k.keyType === b[i]?.keyType)
  );
}

/**
 * Whether both sides reached one table: the same name in the same region is another table when the credentials
 * are another account's, and on AWS the ARNs tell. DynamoDB Local gives every table the same account, so with an
 * explicit endpoint this is left to the flags' check (table-locations.ts).
 */
export function isSameTable(
  a: { readonly endpoint: string | undefined; readonly table: TableDescription },
  b: { readonly endpoint: string | undefined; readonly table: TableDescription },
): boolean {
  return (
    a.endpoint === undefined &&
    b.endpoint === undefined &&
    a.table.TableArn !== undefined &&
    a.table.TableArn === b.table.TableArn
  );
}

export async function checkTables(
  deps: {
    readonly sourceClient: DynamoDBClient;
    readonly destinationClient: DynamoDBClient;
    readonly streams: StreamApi;
    readonly source: TableLocation;
    readonly destination: TableLocation;
    /** Undefined: the destination must exist. */
    readonly createDestTable: CreateDestinationOptions | undefined;
    readonly logger: Pick<Logger, 'info' | 'warn'>;
    /**
     * The destination key the rules lead to (renamed key attributes); undefined: any (a transform module that
     * changes keys). Without it the destination must have the source's key schema.
     */
    readonly expectedDestinationKey?: DestinationKeyRule | undefined;
    /** A fan-out's further destinations, each checked as the first is, with its own client and rules. */
    readonly fanOutChecks?:
      | readonly {
          readonly destination: TableLocation;
          readonly destinationClient: DynamoDBClient;
          readonly createDestTable: CreateDestinationOptions | undefined;
          readonly expectedDestinationKey?: DestinationKeyRule | undefined;
        }[]
      | undefined;
  },
  signal?: AbortSignal,
): Promise<CheckedTables> {
  const { source } = deps;
  const sourceTable = await describeTable(deps.sourceClient, 'source', source, signal);
  const spec = sourceTable.StreamSpecification;
  const streamArn = sourceTable.LatestStreamArn;
  const enable = `aws dynamodb update-table --table-name ${source.tableName} --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES`;
  if (spec?.StreamEnabled !== true || streamArn === undefined) {
    throw new ConfigError(
      `source table ${source.tableName} has no enabled stream: enable one with view type NEW_IMAGE or NEW_AND_OLD_IMAGES (${enable})`,
    );
  }
  const viewType = spec.StreamViewType ?? 'unknown';
  if (viewType !== 'NEW_IMAGE' && viewType !== 'NEW_AND_OLD_IMAGES') {
    throw new ConfigError(
      `the stream of source table ${source.tableName} has view type ${viewType}, which carries no new images: switch it to NEW_IMAGE or NEW_AND_OLD_IMAGES (disable the stream, then ${enable})`,
    );
  }
  let streamStatus: string | undefined;
  try {
    // A busy stream API (throttling, 5xx) is waited for a while; an unreachable one is reported at once.
    streamStatus = (
      await retrying(() => deps.streams.listShards(streamArn, signal), {
        signal,
        deadlineMs: STARTUP_RETRY_MS,
        reasons: ['throttled', 'server'],
      })
    ).status;
  } catch (err) {
    throw describeFailure(err, 'source', source, 'dynamodb:DescribeStream');
  }
  if (streamStatus === 'DISABLED' || streamStatus === 'DISABLING') {
    throw new ConfigError(
      `the stream of source table ${source.tableName} is ${streamStatus}: enable a stream with NEW_IMAGE or NEW_AND_OLD_IMAGES (${enable})`,
    );
  }

  const destinationKeySchema = await checkDestinationTable(
    { ...deps, sourceTable, destinationClient: deps.destinationClient },
    signal,
  );
  const fanOutKeySchemas: (readonly KeyAttribute[])[] = [];
  for (const more of deps.fanOutChecks ?? []) {
    fanOutKeySchemas.push(
      await checkDestinationTable(
        { ...deps, ...more, sourceTable, expectedDestinationKey: more.expectedDestinationKey },
        signal,
      ),
    );
  }
  const sourceKeys = keySchemaOf(sourceTable);
  return {
    streamArn,
    viewType,
    keySchema: sourceKeys,
    keyAttributes: sourceKeys.map((k) => k.name),
    destinationKeySchema,
    fanOutKeySchemas,
  };
}

/** The checks of one destination table (created first with --create-dest-table); returns its key schema. */
async function checkDestinationTable(
  deps: {
    readonly sourceClient: DynamoDBClient;
    readonly destinationClient: DynamoDBClient;
    readonly source: TableLocation;
    readonly sourceTable: TableDescription;
    readonly destination: TableLocation;
    readonly createDestTable: CreateDestinationOptions | undefined;
    readonly logger: Pick<Logger, 'info' | 'warn'>;
    readonly expectedDestinationKey?: DestinationKeyRule | undefined;
  },
  signal: AbortSignal | undefined,
): Promise<readonly KeyAttribute[]> {
  const { source, destination, sourceTable } = deps;
  const destinationTable =
    deps.createDestTable === undefined
      ? await describeTable(deps.destinationClient, 'destination', destination, signal)
      : await ensureDestinationTable(
          {
            sourceClient: deps.sourceClient,
            destinationClient: deps.destinationClient,
            sourceTable: source.tableName,
            destinationTable: destination.tableName,
            source: sourceTable,
            options: deps.createDestTable,
            logger: deps.logger,
            describeFailure: (err, side, action) =>
              describeFailure(err, side, side === 'source' ? source : destination, action),
          },
          signal,
        );
  if (isSameTable({ ...source, table: sourceTable }, { ...destination, table: destinationTable })) {
    throw new ConfigError(
      `the destination is the source table itself (${sourceTable.TableArn}): the two sides' credentials reach the same account; name another destination table, region or account`,
    );
  }
  const sourceKeys = keySchemaOf(sourceTable);
  const destinationKeys = keySchemaOf(destinationTable);
  const expected =
    deps.expectedDestinationKey === undefined ? sourceKeys : deps.expectedDestinationKey(sourceKeys);
  if (expected !== undefined && !sameKeySchema(expected, destinationKeys)) {
    const renamed = sameKeySchema(expected, sourceKeys)
      ? ''
      : ` (renamed by --rename-attributes: ${formatKeySchema(expected)})`;
    throw new ConfigError(
      `key schemas differ: source table ${source.tableName} has (${formatKeySchema(sourceKeys)})${renamed} but destination table ${destination.tableName} has (${formatKeySchema(destinationKeys)}); create the destination with the ${renamed === '' ? "source's" : 'renamed'} key schema`,
    );
  }
  const differences = describeIndexDifferences(
    indexDifferences(sourceTable, destinationTable),
    source.tableName,
    destination.tableName,
  );
  if (differences !== undefined) deps.logger.warn({ table: destination.tableName }, differences);
  return destinationKeys;
}
