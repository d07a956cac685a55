// The one error of a bad export: a missing or garbled manifest, a data file that does not match its checksum, a
// line that is not DynamoDB JSON, a format we do not read (ION). Always found before the file's items are written
// (checksums and manifests are read first), so it is a mistake to fix, not a failed run: exit 2, one line naming
// the file and what to do.
import { ConfigError } from '../errors/replicator-error.js';

export class ExportError extends ConfigError {
  constructor(
    readonly file: string,
    what: string,
    todo: string,
  ) {
    super(`export file ${file}: ${what}; ${todo}`);
  }
}

/** What to do about a file that is not what the export wrote. */
export const FETCH_AGAIN =
  'copy the export again from S3 (aws s3 sync) or point --from-export at a complete export';
