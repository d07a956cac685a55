// Hand-made DynamoDB exports for tests, in the documented layout (S3DataExport.Output): <folder>/AWSDynamoDB/<id>/
// with manifest-summary.json, manifest-files.json (one line per data file, md5Checksum the base64 MD5 of the
// gzipped file) and data/<name>.json.gz (gzipped DynamoDB JSON lines), written from literal strings with node:zlib,
// so no binary fixture is ever committed. A test may garble any part afterwards.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface HandMadeExport {
  /** The export id (a folder under AWSDynamoDB/). */
  readonly id: string;
  readonly type: 'FULL_EXPORT' | 'INCREMENTAL_EXPORT';
  readonly tableArn: string;
  /** Full: exportTime; incremental: exportFromTime. */
  readonly fromMs: number;
  /** Incremental: exportToTime. */
  readonly toMs?: number;
  /** File name -> lines (JSON text each). */
  readonly files: Record<string, readonly string[]>;
  readonly outputFormat?: string;
  readonly prefix?: string;
}

/** Writes the export under `root`; returns the export's folder. */
export function writeExport(root: string, e: HandMadeExport): string {
  const prefix = e.prefix ?? 'exports';
  const dirKey = `${prefix}/AWSDynamoDB/${e.id}`;
  const dir = join(root, 'AWSDynamoDB', e.id);
  mkdirSync(join(dir, 'data'), { recursive: true });
  const manifestLines: string[] = [];
  let items = 0;
  for (const [name, lines] of Object.entries(e.files)) {
    const gz = gzipSync(Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8'));
    writeFileSync(join(dir, 'data', name), gz);
    items += lines.length;
    manifestLines.push(
      JSON.stringify({
        itemCount: lines.length,
        md5Checksum: createHash('md5').update(gz).digest('base64'),
        etag: `${createHash('md5').update(gz).digest('hex')}-1`,
        dataFileS3Key: `${dirKey}/data/${name}`,
      }),
    );
  }
  writeFileSync(join(dir, 'manifest-files.json'), manifestLines.map((l) => `${l}\n`).join(''));
  const iso = (ms: number): string => new Date(ms).toISOString();
  const times =
    e.type === 'FULL_EXPORT'
      ? { exportTime: iso(e.fromMs) }
      : {
          exportFromTime: iso(e.fromMs),
          exportToTime: iso(e.toMs ?? e.fromMs + 60_000),
          outputView: 'NEW_AND_OLD_IMAGES',
        };
  writeFileSync(
    join(dir, 'manifest-summary.json'),
    JSON.stringify({
      version: '2023-08-01',
      exportArn: `${e.tableArn}/export/${e.id}`,
      startTime: iso(e.fromMs),
      endTime: iso((e.toMs ?? e.fromMs) + 1000),
      tableArn: e.tableArn,
      tableId: '12345a12-abcd-123a-ab12-1234abc12345',
      ...times,
      s3Bucket: 'test-bucket',
      s3Prefix: prefix,
      s3SseAlgorithm: 'AES256',
      s3SseKmsKeyId: null,
      manifestFilesS3Key: `${dirKey}/manifest-files.json`,
      billedSizeBytes: 0,
      itemCount: items,
      outputFormat: e.outputFormat ?? 'DYNAMODB_JSON',
      exportType: e.type,
    }),
  );
  return dir;
}

/** The DynamoDB JSON line of a full export. */
export function itemLine(item: unknown): string {
  return JSON.stringify({ Item: item });
}

/** The DynamoDB JSON line of an incremental export: NewImage undefined for a delete. */
export function changeLine(keys: unknown, newImage: unknown, oldImage: unknown, micros: number): string {
  return JSON.stringify({
    Metadata: { WriteTimestampMicros: { N: String(micros) } },
    Keys: keys,
    ...(oldImage === undefined ? {} : { OldImage: oldImage }),
    ...(newImage === undefined ? {} : { NewImage: newImage }),
  });
}
