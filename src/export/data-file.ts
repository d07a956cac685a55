// Reads one data file of an export: its checksum first (the MD5 the manifest lists, else a single-part ETag;
// all files are checked before anything is written, so a damaged export moves nothing), then its gzipped DynamoDB
// JSON lines as changes, a run of lines at a time. A line that cannot be read is an ExportError naming the file
// and the line.
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { ExportError, FETCH_AGAIN } from './export-error.js';
import type { ExportFiles } from './export-files.js';
import { ExportLineError, parseExportLine, type ExportChange } from './export-line.js';
import type { DataFileEntry, ExportType } from './export-manifest.js';

/** Verifies the file against the manifest; false when the manifest lists no checkable checksum. */
export async function verifyDataFile(
  files: ExportFiles,
  path: string,
  entry: DataFileEntry,
): Promise<boolean> {
  const single = entry.etag !== undefined && /^"?[0-9a-f]{32}"?$/i.test(entry.etag);
  if (entry.md5Checksum === undefined && !single) return false;
  const hash = createHash('md5');
  for await (const chunk of await files.open(path)) hash.update(chunk as Buffer);
  const digest = hash.digest();
  if (entry.md5Checksum !== undefined) {
    if (digest.toString('base64') !== entry.md5Checksum) {
      throw new ExportError(
        files.describe(path),
        `MD5 ${digest.toString('base64')} differs from the manifest's md5Checksum ${entry.md5Checksum}`,
        FETCH_AGAIN,
      );
    }
    return true;
  }
  const etag = (entry.etag ?? '').replaceAll('"', '').toLowerCase();
  if (digest.toString('hex') !== etag) {
    throw new ExportError(
      files.describe(path),
      `MD5 ${digest.toString('hex')} differs from the manifest's etag ${etag}`,
      FETCH_AGAIN,
    );
  }
  return true;
}

/** The file's changes in runs of up to `run` lines, in file order. */
export async function* readDataFile(
  files: ExportFiles,
  path: string,
  type: ExportType,
  keyAttributes: readonly string[],
  run: number,
): AsyncGenerator<ExportChange[]> {
  const name = files.describe(path);
  const gunzip = createGunzip();
  const input = await files.open(path);
  input.on('error', (err) => gunzip.destroy(err));
  const lines = createInterface({ input: input.pipe(gunzip), crlfDelay: Infinity });
  let batch: ExportChange[] = [];
  let number = 0;
  try {
    for await (const line of lines) {
      number += 1;
      if (line.trim() === '') continue;
      try {
        batch.push(parseExportLine(line, type, keyAttributes));
      } catch (err) {
        if (!(err instanceof ExportLineError)) throw err;
        throw new ExportError(
          `${name} line ${number}`,
          err.message,
          `check that the folder holds the export as DynamoDB wrote it (${type}, DYNAMODB_JSON)`,
        );
      }
      if (batch.length >= run) {
        yield batch;
        batch = [];
      }
    }
  } catch (err) {
    if (err instanceof ExportError) throw err;
    throw new ExportError(
      name,
      `cannot be read as gzip (${err instanceof Error ? err.message : String(err)})`,
      FETCH_AGAIN,
    );
  } finally {
    lines.close();
    input.destroy();
  }
  if (batch.length > 0) yield batch;
}
