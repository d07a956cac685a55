// The error taxonomy of the replicator (ARCHITECTURE.md, "Errors"): every error that leaves a component is one
// of these, so the supervisor decides by class, never by parsing messages. Retriable failures are handled where
// they happen and never reach here; what reaches the top is either the user's to fix or a stop of the shard.

/** Base class: `message` is a single line a user can act on. */
export class ReplicatorError extends Error {
  override readonly name: string = 'ReplicatorError';
}

/** A mistake in flags, tables or permissions, found before any data moves. Exit code 2, no stack trace. */
export class ConfigError extends ReplicatorError {
  override readonly name = 'ConfigError';
}

/**
 * A shard cannot go on: its records cannot be written (validation, access, missing table) or its data is gone.
 * The shard's checkpoint stays before the failed record, so nothing is skipped.
 */
export class ShardStoppedError extends ReplicatorError {
  override readonly name: string = 'ShardStoppedError';
  constructor(
    readonly shardId: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A gap in the stream: records after the shard's checkpoint were trimmed or the stream was replaced. */
export class DataLossError extends ShardStoppedError {
  override readonly name = 'DataLossError';
}

/** This worker no longer holds the lease of a shard; it must stop reading and writing it at once. */
export class LeaseLostError extends ReplicatorError {
  override readonly name = 'LeaseLostError';
  constructor(
    readonly shardId: string,
    readonly reason?: string,
  ) {
    super(reason === undefined ? `lease of shard ${shardId} was lost` : reason);
  }
}

/**
 * A side's temporary credentials could not be refreshed and the ones in hand have expired. Retriable: STS may
 * answer on the next try (classify-error.ts); the message names the side and the role, never a secret.
 */
export class CredentialsRefreshError extends ReplicatorError {
  override readonly name = 'CredentialsRefreshError';
}

/** The error a stopped operation rejects with; never reported as a failure. */
export class StoppedError extends ReplicatorError {
  override readonly name = 'StoppedError';
  constructor() {
    super('stopped');
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
