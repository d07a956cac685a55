// Where an export's files come from. The loader reads them through this interface only; the one implementation
// here is a local folder (an export copied down with `aws s3 sync`), because S3 has no local edition to test an
// S3 reader against honestly. A folder holds one export (its manifest-summary.json at the top) or several (a
// prefix with AWSDynamoDB/<export id>/ folders, as DynamoDB writes them).
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { ConfigError } from '../errors/replicator-error.js';
import { ExportError, FETCH_AGAIN } from './export-error.js';

export const SUMMARY_FILE = 'manifest-summary.json';
export const FILES_FILE = 'manifest-files.json';

export interface ExportFiles {
  /** The folder or URL as the user gave it, for messages. */
  readonly location: string;
  /** The folders (relative, '/'-separated; '' for the top) that hold a manifest-summary.json. */
  exportFolders(): Promise<string[]>;
  /** A file's text; an ExportError naming it when it is missing. */
  readText(path: string): Promise<string>;
  /** A file's bytes as a stream (opened after an existence check). */
  open(path: string): Promise<Readable>;
  /** A file's full name, for messages. */
  describe(path: string): string;
}

/** How deep a folder is searched for exports: prefix/AWSDynamoDB/<id>/ is three levels. */
const MAX_DEPTH = 4;

export class LocalExportFolder implements ExportFiles {
  readonly location: string;

  constructor(folder: string) {
    this.location = folder;
  }

  async exportFolders(): Promise<string[]> {
    const found: string[] = [];
    const walk = async (dir: string, depth: number): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
        const why = err instanceof Error ? err.message : String(err);
        throw new ExportError(dir, `cannot be listed (${why})`, 'give a folder this user can read');
      });
      if (entries.some((e) => e.isFile() && e.name === SUMMARY_FILE)) {
        found.push(relative(this.location, dir).split(sep).join('/'));
        return;
      }
      if (depth >= MAX_DEPTH) return;
      for (const entry of entries
        .filter((e) => e.isDirectory())
        .sort((a, b) => a.name.localeCompare(b.name))) {
        await walk(join(dir, entry.name), depth + 1);
      }
    };
    try {
      if (!(await stat(this.location)).isDirectory()) throw new Error('not a folder');
    } catch {
      throw new ConfigError(
        `--from-export ${this.location} is not a folder: give the folder an export was copied to (aws s3 sync s3://bucket/prefix <folder>)`,
      );
    }
    await walk(this.location, 0);
    return found;
  }

  async readText(path: string): Promise<string> {
    try {
      return await readFile(join(this.location, path), 'utf8');
    } catch {
      throw new ExportError(this.describe(path), 'is missing or cannot be read', FETCH_AGAIN);
    }
  }

  async open(path: string): Promise<Readable> {
    const full = join(this.location, path);
    try {
      await stat(full);
    } catch {
      throw new ExportError(this.describe(path), 'is missing or cannot be read', FETCH_AGAIN);
    }
    return createReadStream(full);
  }

  describe(path: string): string {
    return join(this.location, path);
  }
}

/** The export location of `--from-export`: a local folder; s3:// is refused with what to do instead. */
export function exportFilesAt(location: string): ExportFiles {
  if (/^s3:\/\//i.test(location)) {
    throw new ConfigError(
      `--from-export ${location}: reading an export from S3 is not built yet; copy it to a local folder (aws s3 sync ${location} ./export) and give that folder`,
    );
  }
  return new LocalExportFolder(location);
}
