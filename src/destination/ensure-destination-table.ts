// `--create-dest-table`: a destination that does not exist is created from the source's description (and TTL and,
// with --copy-tags, tags; all read before anything is created, so a refusal creates nothing), and writes wait
// until it and its indexes are ACTIVE. Workers that start together race safely: the losers' CreateTable answers
// ResourceInUseException and they wait like the winner; TTL that another worker enabled is no error, and TTL
// missing on an existing destination (a creation stopped before that step) is enabled. Every refusal is one line.
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ListTagsOfResourceCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
  type Tag,
  type TimeToLiveDescription,
} from '@aws-sdk/client-dynamodb';
import type { Logger } from 'pino';
import type { CreateDestinationOptions } from '../config/replication-config.js';
import { ConfigError, ReplicatorError } from '../errors/replicator-error.js';
import { retrying } from '../util/retry.js';
import { createTableInput, planSummary } from './create-table-input.js';
import {
  createTableFailure,
  tagsFailure,
  timeToLiveFailure,
  type DescribeFailure,
} from './destination-failures.js';
import { timeToLiveAttribute, timeToLiveStep } from './time-to-live-step.js';
import { waitUntilActive } from './wait-until-active.js';

export interface EnsureDestinationDeps {
  readonly sourceClient: DynamoDBClient;
  readonly destinationClient: DynamoDBClient;
  readonly sourceTable: string;
  readonly destinationTable: string;
  /** The source's DescribeTable, as the startup checks read it. */
  readonly source: TableDescription;
  readonly options: CreateDestinationOptions;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  readonly describeFailure: DescribeFailure;
  /** Between two DescribeTable calls while waiting (tests shorten it). */
  readonly pollMs?: number;
}

/** Control-plane calls wait out throttling and server errors this long before they are reported. */
const CONTROL_RETRY_MS = 30_000;

/** The destination's description once it takes writes (created here or by another worker if it was missing). */
export async function ensureDestinationTable(
  deps: EnsureDestinationDeps,
  signal?: AbortSignal,
): Promise<TableDescription> {
  const existing = await describeDestination(deps, signal);
  const sourceTtl = await describeTimeToLive(deps, 'source', signal);
  if (existing === undefined) await createDestination(deps, signal);
  // A table another worker is creating is waited for; one that exists is used as it is (even while UPDATING,
  // when it takes writes: an index being added to a large table can take hours).
  const table =
    existing !== undefined && existing.TableStatus !== 'CREATING'
      ? existing
      : await waitUntilActive(
          {
            describe: (s) => describeDestination(deps, s),
            destinationTable: deps.destinationTable,
            kmsKey: deps.options.kmsKey,
            logger: deps.logger,
            ...(deps.pollMs === undefined ? {} : { pollMs: deps.pollMs }),
          },
          signal,
        );
  await ensureTimeToLive(deps, timeToLiveAttribute(sourceTtl), signal);
  return table;
}

async function createDestination(
  deps: EnsureDestinationDeps,
  signal: AbortSignal | undefined,
): Promise<void> {
  const tags = deps.options.copyTags ? await sourceTags(deps, signal) : undefined;
  const plan = createTableInput({
    sourceTable: deps.sourceTable,
    source: deps.source,
    sourceTags: tags,
    destinationTable: deps.destinationTable,
    options: deps.options,
  });
  for (const warning of plan.warnings) deps.logger.warn({ table: deps.destinationTable }, warning);
  try {
    await control(
      () => deps.destinationClient.send(new CreateTableCommand(plan.input), { abortSignal: signal }),
      signal,
    );
    deps.logger.info(planSummary(plan.input), 'creating destination table');
  } catch (err) {
    if (nameOf(err) === 'ResourceInUseException') {
      // Another worker created it first (or an earlier attempt of ours was applied): wait for it like the creator.
      deps.logger.info(
        { table: deps.destinationTable },
        'destination table is already being created (by another worker?); waiting for it',
      );
      return;
    }
    if (err instanceof ReplicatorError) throw err;
    throw createTableFailure(
      err,
      {
        destinationTable: deps.destinationTable,
        kmsKey: deps.options.kmsKey,
        withTags: plan.input.Tags !== undefined,
      },
      deps.describeFailure,
    );
  }
}

async function ensureTimeToLive(
  deps: EnsureDestinationDeps,
  attribute: string | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (attribute === undefined) return;
  const tables = { sourceTable: deps.sourceTable, destinationTable: deps.destinationTable };
  const step = timeToLiveStep(attribute, await describeTimeToLive(deps, 'destination', signal), tables);
  if (step.kind === 'warn') deps.logger.warn({ table: deps.destinationTable }, step.message);
  if (step.kind !== 'enable') return;
  try {
    await control(
      () =>
        deps.destinationClient.send(
          new UpdateTimeToLiveCommand({
            TableName: deps.destinationTable,
            TimeToLiveSpecification: { Enabled: true, AttributeName: step.attribute },
          }),
          { abortSignal: signal },
        ),
      signal,
    );
  } catch (err) {
    if (err instanceof ReplicatorError) throw err;
    // "TimeToLive is already enabled": another worker did it meanwhile, which is only fine with our attribute.
    const enabledMeanwhile =
      nameOf(err) === 'ValidationException' &&
      timeToLiveAttribute(await describeTimeToLive(deps, 'destination', signal)) === step.attribute;
    if (!enabledMeanwhile) {
      throw timeToLiveFailure(
        err,
        {
          destinationTable: deps.destinationTable,
          attribute: step.attribute,
          action: 'dynamodb:UpdateTimeToLive',
        },
        deps.describeFailure,
      );
    }
    return;
  }
  deps.logger.info(
    { table: deps.destinationTable, attribute: step.attribute },
    'enabled TTL on the destination table',
  );
}

/** DescribeTable of the destination; undefined when it does not exist. */
async function describeDestination(
  deps: EnsureDestinationDeps,
  signal: AbortSignal | undefined,
): Promise<TableDescription | undefined> {
  try {
    const out = await control(
      () =>
        deps.destinationClient.send(new DescribeTableCommand({ TableName: deps.destinationTable }), {
          abortSignal: signal,
        }),
      signal,
    );
    return out.Table;
  } catch (err) {
    if (nameOf(err) === 'ResourceNotFoundException') return undefined;
    if (err instanceof ReplicatorError) throw err;
    throw deps.describeFailure(err, 'destination', 'dynamodb:DescribeTable');
  }
}

async function describeTimeToLive(
  deps: EnsureDestinationDeps,
  side: 'source' | 'destination',
  signal: AbortSignal | undefined,
): Promise<TimeToLiveDescription | undefined> {
  const client = side === 'source' ? deps.sourceClient : deps.destinationClient;
  const table = side === 'source' ? deps.sourceTable : deps.destinationTable;
  try {
    const out = await control(
      () => client.send(new DescribeTimeToLiveCommand({ TableName: table }), { abortSignal: signal }),
      signal,
    );
    return out.TimeToLiveDescription;
  } catch (err) {
    if (err instanceof ReplicatorError) throw err;
    throw deps.describeFailure(err, side, 'dynamodb:DescribeTimeToLive');
  }
}

/** Every tag of the source (ListTagsOfResource pages). */
async function sourceTags(deps: EnsureDestinationDeps, signal: AbortSignal | undefined): Promise<Tag[]> {
  const arn = deps.source.TableArn;
  if (arn === undefined) {
    throw new ConfigError(
      `DescribeTable of source table ${deps.sourceTable} gives no table ARN to read its tags with: leave out --copy-tags`,
    );
  }
  const tags: Tag[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const token = nextToken;
      const out = await control(
        () =>
          deps.sourceClient.send(new ListTagsOfResourceCommand({ ResourceArn: arn, NextToken: token }), {
            abortSignal: signal,
          }),
        signal,
      );
      tags.push(...(out.Tags ?? []));
      nextToken = out.NextToken;
    } while (nextToken !== undefined);
  } catch (err) {
    if (err instanceof ReplicatorError) throw err;
    throw tagsFailure(err, deps.describeFailure);
  }
  return tags;
}

function control<T>(operation: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  return retrying(operation, { signal, deadlineMs: CONTROL_RETRY_MS, reasons: ['throttled', 'server'] });
}

function nameOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? (err as { name?: string }).name : undefined;
}
