// The CreateTable request for a missing destination, decided from the source's DescribeTable (and its TTL and
// tags) alone: the same keys, indexes, billing, capacities, table class and deletion protection, and only the
// attribute definitions the keys use (DynamoDB refuses any other). What cannot cross an account or region (a KMS
// key, AWS reserved tags) is left out with a warning the caller logs. Pure, so every mapping is tested here.
import type {
  AttributeDefinition,
  BillingMode,
  CreateTableInput,
  GlobalSecondaryIndex,
  GlobalSecondaryIndexDescription,
  KeySchemaElement,
  LocalSecondaryIndex,
  OnDemandThroughput,
  Projection,
  ProvisionedThroughput,
  ProvisionedThroughputDescription,
  TableDescription,
  Tag,
} from '@aws-sdk/client-dynamodb';
import type { CreateDestinationOptions } from '../config/replication-config.js';
import { ConfigError } from '../errors/replicator-error.js';

export interface DestinationRequest {
  readonly sourceTable: string;
  readonly source: TableDescription;
  /** The source's tags; undefined unless --copy-tags. */
  readonly sourceTags: readonly Tag[] | undefined;
  readonly destinationTable: string;
  readonly options: CreateDestinationOptions;
}

export interface DestinationPlan {
  readonly input: CreateTableInput;
  /** One line each, for the log. */
  readonly warnings: readonly string[];
}

export function createTableInput(request: DestinationRequest): DestinationPlan {
  const { source, options } = request;
  const warnings: string[] = [];
  const billing = billingModeOf(source);
  const provisioned = billing === 'PROVISIONED';
  const tableCapacity = provisioned ? capacityOf(source.ProvisionedThroughput, undefined) : undefined;

  const globals: GlobalSecondaryIndex[] = [];
  for (const index of source.GlobalSecondaryIndexes ?? []) {
    // It is going away on the source; creating it would only bring it back.
    if (index.IndexStatus === 'DELETING') {
      warnings.push(
        `index ${index.IndexName ?? '?'} of source table ${request.sourceTable} is being deleted: destination table ${request.destinationTable} is created without it`,
      );
      continue;
    }
    globals.push(globalIndex(index, provisioned ? tableCapacity : undefined));
  }
  const locals: LocalSecondaryIndex[] = (source.LocalSecondaryIndexes ?? []).map((index) => ({
    IndexName: index.IndexName,
    KeySchema: orderedKeys(index.KeySchema),
    Projection: projectionOf(index.Projection),
  }));
  const keySchema = orderedKeys(source.KeySchema);
  const onDemand = provisioned ? undefined : limitsOf(source.OnDemandThroughput);
  const tableClass = source.TableClassSummary?.TableClass;
  const tags = copiedTags(request, warnings);

  const input: CreateTableInput = {
    TableName: request.destinationTable,
    KeySchema: keySchema,
    AttributeDefinitions: definitionsFor(request, [
      keySchema,
      ...globals.map((g) => g.KeySchema ?? []),
      ...locals.map((l) => l.KeySchema ?? []),
    ]),
    BillingMode: billing,
    ...(tableCapacity === undefined ? {} : { ProvisionedThroughput: tableCapacity }),
    ...(onDemand === undefined ? {} : { OnDemandThroughput: onDemand }),
    ...(globals.length === 0 ? {} : { GlobalSecondaryIndexes: globals }),
    ...(locals.length === 0 ? {} : { LocalSecondaryIndexes: locals }),
    ...(options.streamViewType === undefined
      ? {}
      : { StreamSpecification: { StreamEnabled: true, StreamViewType: options.streamViewType } }),
    ...encryption(request, warnings),
    ...(tableClass === undefined ? {} : { TableClass: tableClass }),
    ...(source.DeletionProtectionEnabled === undefined
      ? {}
      : { DeletionProtectionEnabled: source.DeletionProtectionEnabled }),
    ...(tags.length === 0 ? {} : { Tags: tags }),
  };
  return { input, warnings };
}

/**
 * The source's billing mode. A description without BillingModeSummary is of a table that was never on-demand,
 * unless both capacities are 0, which only an on-demand table shows.
 */
export function billingModeOf(table: TableDescription): BillingMode {
  const summary = table.BillingModeSummary?.BillingMode;
  if (summary !== undefined) return summary;
  const read = table.ProvisionedThroughput?.ReadCapacityUnits ?? 0;
  const write = table.ProvisionedThroughput?.WriteCapacityUnits ?? 0;
  return read === 0 && write === 0 ? 'PAY_PER_REQUEST' : 'PROVISIONED';
}

function globalIndex(
  index: GlobalSecondaryIndexDescription,
  tableCapacity: ProvisionedThroughput | undefined,
): GlobalSecondaryIndex {
  const limits = tableCapacity === undefined ? limitsOf(index.OnDemandThroughput) : undefined;
  return {
    IndexName: index.IndexName,
    KeySchema: orderedKeys(index.KeySchema),
    Projection: projectionOf(index.Projection),
    ...(tableCapacity === undefined
      ? {}
      : { ProvisionedThroughput: capacityOf(index.ProvisionedThroughput, tableCapacity) }),
    ...(limits === undefined ? {} : { OnDemandThroughput: limits }),
  };
}

/** Capacities as CreateTable takes them (at least 1 each); an index without its own gets the table's. */
function capacityOf(
  described: ProvisionedThroughputDescription | undefined,
  fallback: ProvisionedThroughput | undefined,
): ProvisionedThroughput {
  const units = (own: number | undefined, other: number | undefined): number =>
    own !== undefined && own > 0 ? own : Math.max(1, other ?? 1);
  return {
    ReadCapacityUnits: units(described?.ReadCapacityUnits, fallback?.ReadCapacityUnits),
    WriteCapacityUnits: units(described?.WriteCapacityUnits, fallback?.WriteCapacityUnits),
  };
}

/** An on-demand maximum; -1 (no maximum) and absent values are left out, and so is an empty result. */
function limitsOf(limits: OnDemandThroughput | undefined): OnDemandThroughput | undefined {
  const read = limits?.MaxReadRequestUnits;
  const write = limits?.MaxWriteRequestUnits;
  const out: OnDemandThroughput = {
    ...(read !== undefined && read > 0 ? { MaxReadRequestUnits: read } : {}),
    ...(write !== undefined && write > 0 ? { MaxWriteRequestUnits: write } : {}),
  };
  return Object.keys(out).length === 0 ? undefined : out;
}

/** NonKeyAttributes only with INCLUDE: DynamoDB refuses them with any other projection type. */
function projectionOf(projection: Projection | undefined): Projection {
  const type = projection?.ProjectionType ?? 'ALL';
  return type === 'INCLUDE'
    ? { ProjectionType: type, NonKeyAttributes: [...(projection?.NonKeyAttributes ?? [])] }
    : { ProjectionType: type };
}

/** Hash key first, as CreateTable wants it. */
function orderedKeys(keys: readonly KeySchemaElement[] | undefined): KeySchemaElement[] {
  return [...(keys ?? [])]
    .sort((a, b) => (a.KeyType === b.KeyType ? 0 : a.KeyType === 'HASH' ? -1 : 1))
    .map((k) => ({ AttributeName: k.AttributeName, KeyType: k.KeyType }));
}

/** The definitions of the attributes the keys use, each once, in order of first use. */
function definitionsFor(
  request: DestinationRequest,
  schemas: readonly (readonly KeySchemaElement[])[],
): AttributeDefinition[] {
  const types = new Map(
    (request.source.AttributeDefinitions ?? []).map((d) => [d.AttributeName, d.AttributeType]),
  );
  const definitions: AttributeDefinition[] = [];
  for (const name of new Set(schemas.flat().map((k) => k.AttributeName))) {
    const type = types.get(name);
    if (name === undefined || type === undefined) {
      throw new ConfigError(
        `DescribeTable of source table ${request.sourceTable} gives no type for key attribute ${name ?? '?'}: create destination table ${request.destinationTable} yourself with the source's keys and indexes`,
      );
    }
    definitions.push({ AttributeName: name, AttributeType: type });
  }
  return definitions;
}

function encryption(
  request: DestinationRequest,
  warnings: string[],
): Pick<CreateTableInput, 'SSESpecification'> {
  const kmsKey = request.options.kmsKey;
  if (kmsKey !== undefined) {
    return { SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: kmsKey } };
  }
  const sse = request.source.SSEDescription;
  const off = sse?.Status === 'DISABLED' || sse?.Status === 'DISABLING';
  if (sse?.SSEType === 'KMS' && !off) {
    warnings.push(
      `source table ${request.sourceTable} is encrypted with KMS key ${sse.KMSMasterKeyArn ?? '(ARN not shown)'}, which a table in another account or region cannot use: destination table ${request.destinationTable} uses the AWS owned key unless --dest-kms-key names a key of the destination's`,
    );
  }
  return {};
}

/** Tags with the reserved prefix aws: are set by AWS services; CreateTable refuses them. */
function copiedTags(request: DestinationRequest, warnings: string[]): Tag[] {
  const tags = request.sourceTags ?? [];
  const reserved = tags.filter((t) => (t.Key ?? '').toLowerCase().startsWith('aws:'));
  if (reserved.length > 0) {
    warnings.push(
      `${reserved.length} tag(s) of source table ${request.sourceTable} have the reserved prefix aws: (${reserved.map((t) => t.Key ?? '?').join(', ')}) and are not copied to destination table ${request.destinationTable}`,
    );
  }
  return tags.filter((t) => !reserved.includes(t)).map((t) => ({ Key: t.Key, Value: t.Value }));
}

/** What the request asks for, as log fields: names, modes and counts (never a tag's value). */
export function planSummary(input: CreateTableInput): Record<string, string | number | boolean> {
  const names = (indexes: readonly { IndexName?: string | undefined }[] | undefined): string =>
    (indexes ?? []).map((i) => i.IndexName ?? '?').join(', ');
  const capacity = input.ProvisionedThroughput;
  const limits = input.OnDemandThroughput;
  return {
    table: input.TableName ?? '?',
    billingMode: input.BillingMode ?? 'PROVISIONED',
    ...(capacity === undefined
      ? {}
      : {
          capacity: `${capacity.ReadCapacityUnits ?? '?'} read, ${capacity.WriteCapacityUnits ?? '?'} write`,
        }),
    ...(limits === undefined
      ? {}
      : {
          maxRequestUnits: `${limits.MaxReadRequestUnits ?? 'any'} read, ${limits.MaxWriteRequestUnits ?? 'any'} write`,
        }),
    ...(input.GlobalSecondaryIndexes === undefined
      ? {}
      : { globalIndexes: names(input.GlobalSecondaryIndexes) }),
    ...(input.LocalSecondaryIndexes === undefined
      ? {}
      : { localIndexes: names(input.LocalSecondaryIndexes) }),
    stream: input.StreamSpecification?.StreamViewType ?? 'none',
    ...(input.TableClass === undefined ? {} : { tableClass: input.TableClass }),
    deletionProtection: input.DeletionProtectionEnabled === true,
    encryption:
      input.SSESpecification?.KMSMasterKeyId === undefined
        ? 'AWS owned key'
        : `KMS key ${input.SSESpecification.KMSMasterKeyId}`,
    tags: input.Tags?.length ?? 0,
  };
}
