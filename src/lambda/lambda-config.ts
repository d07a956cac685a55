// What the Lambda handler is configured with: the same DDB_REPLICATOR_* variables as the CLI (cli/env-flags.ts),
// of which a handler reads the destination's: the event source mapping is the source, the lease table and the
// checkpoints. A variable of the CLI that has no meaning here is refused by name rather than ignored.
import { ConfigError } from '../errors/replicator-error.js';
import { envFlags } from '../cli/env-flags.js';
import { credentialSource, type CredentialSource } from '../config/credential-source.js';
import { checkEndpoint, checkRange, requireTableName } from '../config/flag-checks.js';
import type { TableLocation } from '../config/table-locations.js';

export interface LambdaConfig {
  readonly destination: TableLocation & { readonly credentials: CredentialSource };
  /** BatchWriteItem requests in flight per invocation. */
  readonly writeConcurrency: number;
  readonly logLevel: string;
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
]);

export function buildLambdaConfig(env: NodeJS.ProcessEnv): LambdaConfig {
  const flags = envFlags(env);
  const value = (flag: string): string | undefined => flags.get(flag)?.value;
  const unused = [...flags].filter(([flag]) => !USED.has(flag)).map(([, { variable }]) => variable);
  if (unused.length > 0) {
    throw new ConfigError(
      `${unused.sort().join(', ')} ${unused.length === 1 ? 'is' : 'are'} not read in Lambda mode (the event source mapping is the source, and rules, dead letters and plans run only in the CLI so far): remove ${unused.length === 1 ? 'it' : 'them'} from the function's environment`,
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
  };
}
