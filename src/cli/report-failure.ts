// How a command ends on an error: a user's mistake or a stopped shard is one log line that says what to do
// (no stack trace); anything else is a bug and keeps its stack for the report.
import type { Logger } from 'pino';
import { ConfigError, ReplicatorError, errorMessage } from '../errors/replicator-error.js';
import { EXIT_CONFIG, EXIT_FAILED } from './exit-codes.js';

export function exitCodeFor(err: unknown): number {
  return err instanceof ConfigError ? EXIT_CONFIG : EXIT_FAILED;
}

export function reportFailure(err: unknown, logger: Logger): void {
  if (err instanceof ReplicatorError) {
    logger.fatal(errorMessage(err));
    return;
  }
  logger.fatal({ err }, `unexpected error (a bug in ddb-replicator): ${errorMessage(err)}`);
}
