// How a command ends on an error: a user's mistake or a stopped shard is one log line that says what to do
// (no stack trace); anything else is a bug and keeps its stack for the report.
import type { Logger } from 'pino';
import { ConfigError, ReplicatorError, errorMessage } from '../errors/replicator-error.js';
import { envOrigin } from './env-flags.js';
import { EXIT_CONFIG, EXIT_FAILED } from './exit-codes.js';

export function exitCodeFor(err: unknown): number {
  return err instanceof ConfigError ? EXIT_CONFIG : EXIT_FAILED;
}

export function reportFailure(err: unknown, logger: Logger): void {
  if (err instanceof ConfigError) {
    // A flag's value from DDB_REPLICATOR_* (env-flags.ts) is not on the command line: say where it came from.
    const variables = envOrigin(err.message, process.env, process.argv.slice(2));
    const origin = variables.length === 0 ? '' : ` (set by ${variables.join(', ')} in the environment)`;
    logger.fatal(`${errorMessage(err)}${origin}`);
    return;
  }
  if (err instanceof ReplicatorError) {
    logger.fatal(errorMessage(err));
    return;
  }
  logger.fatal({ err }, `unexpected error (a bug in ddb-replicator): ${errorMessage(err)}`);
}
