// `--from-export <folder>`: checked before anything starts, so that a flag that would do nothing (without a
// bootstrap), or could not be kept (with a plan of many tables, or an S3 location we do not read yet), is a
// one-line mistake (exit 2) rather than a scan copy the user did not ask for.
import { ConfigError } from '../errors/replicator-error.js';
import { exportFilesAt } from './export-files.js';

export interface FromExportFlags {
  readonly fromExport: string | undefined;
  /** `bootstrap`, or `replicate --bootstrap`. */
  readonly bootstrap: boolean;
  readonly plan: string | undefined;
}

/** The export's location, or undefined without the flag. */
export function fromExportOption(flags: FromExportFlags): string | undefined {
  const location = flags.fromExport;
  if (location === undefined) return undefined;
  if (location.trim() === '') {
    throw new ConfigError('--from-export needs the folder an export was copied to');
  }
  if (flags.plan !== undefined) {
    throw new ConfigError(
      '--from-export loads one table: it cannot be used with --plan; bootstrap that table on its own with --source-table/--dest-table',
    );
  }
  if (!flags.bootstrap) {
    throw new ConfigError(
      '--from-export only applies to a bootstrap: use `bootstrap --from-export ...` or `replicate --bootstrap --from-export ...`',
    );
  }
  exportFilesAt(location);
  return location;
}
