// What the Lambda handler is configured with: the same DDB_REPLICATOR_* variables as the CLI (cli/env-flags.ts),
// of which a handler reads the destination's and the rules' (checked by the CLI's buildRuleOptions): the event
// source mapping is the source, the lease table and the checkpoints. A variable of the CLI that has no meaning
// here is refused by name rather than ignored.
import { pino } from 'pino';
import { ConfigError, errorMessage } from '../errors/replicator-error.js';
import { envFlags, envOrigin } from '../cli/env-flags.js';
import { credentialSource, type CredentialSource } from '../config/credential-source.js';
import { checkEndpoint, checkRange, requireTableName } from '../config/flag-checks.js';
import type { TableLocation } from '../config/table-locations.js';
import { buildRuleOptions, type RuleOptions } from '../rules/rule-options.js';

export interface LambdaConfig {
  readonly destination: TableLocation & { readonly credentials: CredentialSource };
  /** BatchWriteItem requests in flight per invocation. */
  readonly writeConcurrency: number;
  readonly logLevel: string;
  /** Filter, transform, attribute and TTL rules; undefined: every change is written as it is. */
  readonly rules: RuleOptions | undefined;
}

/** The variables a handler reads (as flag names). */
const USED = new Set([
  'dest-table',
  'dest-region',
  'dest-endpoint',
  'dest-profile',
  'dest-role-arn',
  'dest-external-id',
  'write-concurrency',
  'log-level',
  'log-format',
  // The rules of `replicate` (rules/rule-options.ts); --on-reject and its dead-letter table are CLI-only.
  'filter',
  'transform',
  'exclude-attributes',
  'rename-attributes',
  'ttl-deletes',
]);

export function buildLambdaConfig(env: NodeJS.ProcessEnv): LambdaConfig {
  const flags = envFlags(env);
  const value = (flag: string): string | undefined => flags.get(flag)?.value;
  const unused = [...flags].filter(([flag]) => !USED.has(flag)).map(([, { variable }]) => variable);
  if (unused.length > 0) {
    throw new ConfigError(
      `${unused.sort().join(', ')} ${unused.length === 1 ? 'is' : 'are'} not read in Lambda mode (the event source mapping is the source, and dead letters and plans run only in the CLI so far): remove ${unused.length === 1 ? 'it' : 'them'} from the function's environment`,
    );
  }
  const tableName = requireTableName(value('dest-table'), 'DDB_REPLICATOR_DEST_TABLE');
  const region = value('dest-region') ?? env.AWS_REGION;
  if (region === undefined || region === '') {
    throw new ConfigError('no destination region: set DDB_REPLICATOR_DEST_REGION (or AWS_REGION)');
  }
  const writeConcurrency = Number(value('write-concurrency') ?? 16);
  checkRange(writeConcurrency, 1, 256, 'DDB_REPLICATOR_WRITE_CONCURRENCY');
  return {
    destination: {
      tableName,
      region,
      endpoint: checkEndpoint(value('dest-endpoint'), 'DDB_REPLICATOR_DEST_ENDPOINT'),
      credentials: credentialSource(
        {
          profile: value('dest-profile'),
          roleArn: value('dest-role-arn'),
          externalId: value('dest-external-id'),
        },
        'destination',
        undefined,
      ),
    },
    writeConcurrency,
    logLevel: value('log-level') ?? 'info',
    // The CLI's own checks: a pattern that does not parse or a bad attribute list is refused before any batch.
    rules: buildRuleOptions({
      filter: value('filter'),
      transform: value('transform'),
      excludeAttributes: value('exclude-attributes'),
      renameAttributes: value('rename-attributes'),
      ttlDeletes: value('ttl-deletes'),
    }),
  };
}

/**
 * A configuration mistake as the CLI reports it (cli/report-failure.ts): its one line, and the variables behind
 * the flags it names, since a function has no command line (`--filter ...` (set by DDB_REPLICATOR_FILTER in the
 * environment)). Anything else: its message.
 */
export function failureLine(err: unknown, env: NodeJS.ProcessEnv): string {
  if (!(err instanceof ConfigError)) return errorMessage(err);
  const variables = envOrigin(err.message, env, []);
  const origin = variables.length === 0 ? '' : ` (set by ${variables.join(', ')} in the environment)`;
  return `${errorMessage(err)}${origin}`;
}

/**
 * The log level of a function whose configuration could not be read (the line that says why still honours
 * DDB_REPLICATOR_LOG_LEVEL): the variable's when it names a level, else info.
 */
export function setupFailureLogLevel(env: NodeJS.ProcessEnv): string {
  const level = env.DDB_REPLICATOR_LOG_LEVEL;
  return level !== undefined && (level === 'silent' || Object.hasOwn(pino.levels.values, level))
    ? level
    : 'info';
}
