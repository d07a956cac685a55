// The exports a load applies, in order: one full export, then the incremental exports after it, each starting at
// or before the end of the one before (a gap would be changes in no export) and ending later (an export that ends
// earlier would write older images last). The load's point in time is the last export's end: the table as it was
// just before then. orderExports is pure; readExportSet reads the manifests through ExportFiles.
import { ExportError } from './export-error.js';
import { FILES_FILE, SUMMARY_FILE, type ExportFiles } from './export-files.js';
import { parseFileList, parseSummary, type DataFileEntry, type ExportSummary } from './export-manifest.js';

export interface FoundExport {
  /** The export's folder under the location ('' for the top). */
  readonly folder: string;
  readonly summary: ExportSummary;
}

export interface ExportSet {
  readonly exports: readonly (FoundExport & { readonly files: readonly DataFileEntry[] })[];
  /** Ms: the loaded table is the source as it was just before this moment. */
  readonly endMs: number;
  readonly tableArn: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function orderExports(found: readonly FoundExport[], location: string): FoundExport[] {
  const fulls = found.filter((e) => e.summary.exportType === 'FULL_EXPORT');
  const full = fulls[0];
  if (full === undefined) {
    throw new ExportError(
      location,
      'holds no full export (a manifest-summary.json with exportType FULL_EXPORT)',
      'give the folder a full export was copied to, with its incremental exports beside it',
    );
  }
  if (fulls.length > 1) {
    throw new ExportError(
      location,
      `holds ${fulls.length} full exports (${fulls.map((e) => e.folder).join(', ')})`,
      'keep one full export (and the incremental exports after it) in the folder',
    );
  }
  const other = found.find((e) => e.summary.tableArn !== full.summary.tableArn);
  if (other !== undefined) {
    throw new ExportError(
      `${location}/${other.folder}`,
      `is an export of ${other.summary.tableArn}, not of ${full.summary.tableArn}`,
      'keep the exports of one table in the folder',
    );
  }
  const incrementals = found
    .filter((e) => e.summary.exportType === 'INCREMENTAL_EXPORT')
    .sort((a, b) => a.summary.fromMs - b.summary.fromMs || a.summary.toMs - b.summary.toMs);
  const ordered: FoundExport[] = [full];
  let end = full.summary.toMs;
  for (const next of incrementals) {
    const where = `${location}/${next.folder}`;
    if (next.summary.fromMs > end) {
      throw new ExportError(
        where,
        `starts at ${iso(next.summary.fromMs)}, after the exports before it end (${iso(end)}): the changes between are in no export`,
        'add the incremental export that covers them, or remove the later ones',
      );
    }
    if (next.summary.toMs <= end) {
      throw new ExportError(
        where,
        `ends at ${iso(next.summary.toMs)}, not after the exports before it (${iso(end)}): it would write older images last`,
        'remove it from the folder',
      );
    }
    ordered.push(next);
    end = next.summary.toMs;
  }
  return ordered;
}

export async function readExportSet(files: ExportFiles): Promise<ExportSet> {
  const folders = await files.exportFolders();
  const found: FoundExport[] = [];
  for (const folder of folders) {
    const path = join(folder, SUMMARY_FILE);
    found.push({ folder, summary: parseSummary(await files.readText(path), files.describe(path)) });
  }
  const ordered = orderExports(found, files.location);
  const exports = [];
  for (const e of ordered) {
    const path = join(e.folder, FILES_FILE);
    const text = await files.readText(path);
    exports.push({ ...e, files: parseFileList(text, files.describe(path), e.summary.manifestFilesKey) });
  }
  const last = ordered.at(-1) ?? ordered[0];
  return { exports, endMs: last?.summary.toMs ?? 0, tableArn: ordered[0]?.summary.tableArn ?? '' };
}

/** A path under an export's folder ('' is the top). */
export function join(folder: string, path: string): string {
  return folder === '' ? path : `${folder}/${path}`;
}
