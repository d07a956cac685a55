// Turns a non-retriable SDK failure met during a copy into the one line a user reads, naming the side, the
// table and the permission (the startup checks' wording), as an error of the run (exit 1) since data has moved.
// Errors of ours and programmer errors pass through unchanged.
import { describeFailure, type Side } from '../app/startup-checks.js';
import type { TableLocation } from '../config/replication-config.js';
import { classifyError } from '../errors/classify-error.js';
import { ReplicatorError } from '../errors/replicator-error.js';

export function sideFailure(err: unknown, side: Side, location: TableLocation, action: string): unknown {
  if (err instanceof ReplicatorError || classifyError(err).kind === 'programmer') return err;
  return new ReplicatorError(describeFailure(err, side, location, action).message, { cause: err });
}
