// The two manifests of one DynamoDB export (S3DataExport.Output in the DynamoDB developer guide):
// manifest-summary.json (one JSON object: the export's type, format, table and points in time) and
// manifest-files.json (one JSON line per data file: its S3 key, item count, MD5 and ETag). Pure: text in,
// checked values out; anything missing or of the wrong type is an ExportError naming the manifest, because a load
// that guessed at a point in time or a file list could not keep the ordering argument (README, "From an export").
import { posix } from 'node:path';
import { ExportError, FETCH_AGAIN } from './export-error.js';

export type ExportType = 'FULL_EXPORT' | 'INCREMENTAL_EXPORT';

export interface ExportSummary {
  readonly exportArn: string;
  readonly exportType: ExportType;
  readonly tableArn: string;
  /** Full: the point in time of the snapshot; incremental: ExportFromTime (inclusive). */
  readonly fromMs: number;
  /** Full: the same point (exportTime); incremental: ExportToTime (exclusive): the state just before it. */
  readonly toMs: number;
  readonly itemCount: number | undefined;
  /** The S3 key of manifest-files.json; its folder is the export's folder, data keys are under it. */
  readonly manifestFilesKey: string;
}

export interface DataFileEntry {
  /** The data file's path relative to the export's folder (data/....json.gz). */
  readonly path: string;
  readonly itemCount: number | undefined;
  /** Base64 MD5 of the gzipped object, as the manifest lists it. */
  readonly md5Checksum: string | undefined;
  /** The S3 ETag: a hex MD5 for a single-part upload; `<hash>-<parts>` for a multipart one (not checkable). */
  readonly etag: string | undefined;
}

const REFETCH = FETCH_AGAIN;

export function parseSummary(text: string, file: string): ExportSummary {
  const json = parseJson(text, file);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ExportError(file, 'is not a JSON object', REFETCH);
  }
  const o = json as Record<string, unknown>;
  const format = o.outputFormat;
  if (format !== undefined && format !== 'DYNAMODB_JSON') {
    throw new ExportError(
      file,
      `the export's format is ${JSON.stringify(format)}, not DYNAMODB_JSON`,
      'export the table again with ExportFormat DYNAMODB_JSON (ION is not read)',
    );
  }
  const type = o.exportType ?? 'FULL_EXPORT';
  if (type !== 'FULL_EXPORT' && type !== 'INCREMENTAL_EXPORT') {
    throw new ExportError(file, `unknown exportType ${JSON.stringify(type)}`, REFETCH);
  }
  const exportArn = str(o, 'exportArn', file);
  const tableArn = str(o, 'tableArn', file);
  const manifestFilesKey = str(o, 'manifestFilesS3Key', file);
  const itemCount = typeof o.itemCount === 'number' ? o.itemCount : undefined;
  if (type === 'FULL_EXPORT') {
    const at = time(o, 'exportTime', file);
    return { exportArn, exportType: type, tableArn, fromMs: at, toMs: at, itemCount, manifestFilesKey };
  }
  const fromMs = time(o, 'exportFromTime', file);
  const toMs = time(o, 'exportToTime', file);
  if (toMs <= fromMs) throw new ExportError(file, 'exportToTime is not after exportFromTime', REFETCH);
  return { exportArn, exportType: type, tableArn, fromMs, toMs, itemCount, manifestFilesKey };
}

/** manifest-files.json: one JSON object a line (blank lines allowed), each naming a data file under the export. */
export function parseFileList(text: string, file: string, manifestFilesKey: string): DataFileEntry[] {
  const exportFolder = posix.dirname(manifestFilesKey);
  const entries: DataFileEntry[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${file} line ${i + 1}`;
    const json = parseJson(line, where);
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new ExportError(where, 'is not a JSON object', REFETCH);
    }
    const o = json as Record<string, unknown>;
    const key = str(o, 'dataFileS3Key', where);
    entries.push({
      path: relativeKey(key, exportFolder, where),
      itemCount: typeof o.itemCount === 'number' ? o.itemCount : undefined,
      md5Checksum: optionalStr(o, 'md5Checksum', where),
      etag: optionalStr(o, 'etag', where),
    });
  });
  return entries;
}

/** The data file's path under the export's folder: the S3 key without the folder's key (prefix/AWSDynamoDB/id). */
function relativeKey(key: string, exportFolder: string, where: string): string {
  const relative = key.startsWith(`${exportFolder}/`) ? key.slice(exportFolder.length + 1) : undefined;
  const path = relative ?? (key.includes('/data/') ? key.slice(key.lastIndexOf('/data/') + 1) : undefined);
  if (path === undefined || path.split('/').includes('..')) {
    throw new ExportError(
      where,
      `data file key ${key} is not under the export's folder ${exportFolder}`,
      REFETCH,
    );
  }
  return path;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ExportError(file, 'is not valid JSON', REFETCH);
  }
}

function str(o: Record<string, unknown>, name: string, file: string): string {
  const value = o[name];
  if (typeof value !== 'string' || value === '') throw new ExportError(file, `has no ${name}`, REFETCH);
  return value;
}

function optionalStr(o: Record<string, unknown>, name: string, file: string): string | undefined {
  const value = o[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ExportError(file, `${name} is not a string`, REFETCH);
  return value;
}

function time(o: Record<string, unknown>, name: string, file: string): number {
  const ms = Date.parse(str(o, name, file));
  if (Number.isNaN(ms)) throw new ExportError(file, `${name} is not a date`, REFETCH);
  return ms;
}
