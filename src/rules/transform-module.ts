// Loads the user's --transform module once at start and checks its shape there, so that a wrong path, a syntax
// error or a misnamed export stops the replicator with one line that says what to fix, instead of failing on
// the first record hours later. The module sees DynamoDB attribute values, not plain JS values, so 38-digit
// numbers and binary reach the destination as the stream gave them.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Item } from '../stream/change-record.js';

export interface TransformContext {
  readonly sourceTable: string;
  readonly destinationTable: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** The item before the change; undefined for an INSERT or when the stream carries no old images. */
  readonly oldImage: Item | undefined;
}

/** Returns the image to write, or null for "this item is not in the destination". */
export type ImageTransform = (image: Item, context: TransformContext) => Item | null | Promise<Item | null>;

export interface LoadedTransform {
  readonly transform: ImageTransform;
  /** The module exports `changesKey = true`: the caller refuses it where the old key cannot be known. */
  readonly changesKey: boolean;
  /** The module's absolute path, resolved against the working directory (for logs). */
  readonly path: string;
}

export class TransformLoadError extends Error {
  override readonly name = 'TransformLoadError';
}

/** One line of an error (a module's own error may span many), so that the start failure stays one line. */
function oneLine(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export async function loadTransformModule(path: string): Promise<LoadedTransform> {
  const absolute = resolve(process.cwd(), path);
  // Checked before the import: Node's ERR_MODULE_NOT_FOUND also covers a package the module itself imports,
  // and blaming the --transform path for that would send the user to the wrong fix.
  const found = await stat(absolute).catch(() => undefined);
  if (found === undefined) {
    throw new TransformLoadError(
      `transform module ${path} not found (resolved to ${absolute}): check the --transform path`,
    );
  }
  if (!found.isFile()) {
    throw new TransformLoadError(
      `transform module ${path} is not a file (resolved to ${absolute}): give the path of the module's .mjs or .js file`,
    );
  }

  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (err) {
    // Node's syntax errors name no line here; `node --check` prints where the error is.
    const hint =
      err instanceof SyntaxError
        ? `fix the module (node --check ${absolute} shows where the error is)`
        : 'it must be an ES module (.mjs, or .js under "type": "module") or CommonJS (.cjs) whose top level runs without error';
    throw new TransformLoadError(`transform module ${path} could not be loaded: ${oneLine(err)}: ${hint}`, {
      cause: err,
    });
  }

  // A CommonJS module's names reach import as named exports only when Node's lexer can see them
  // (`module.exports = { transform }`, `exports.transform = ...`); otherwise they are all under `default`.
  const fallback = loaded.default;
  const exported =
    typeof loaded.transform !== 'function' &&
    typeof fallback === 'object' &&
    fallback !== null &&
    typeof (fallback as Record<string, unknown>).transform === 'function'
      ? (fallback as Record<string, unknown>)
      : loaded;

  const transform = exported.transform;
  if (typeof transform !== 'function') {
    const found = transform === undefined ? '' : ` (its transform is ${describeValue(transform)})`;
    throw new TransformLoadError(
      `transform module ${path} does not export a function named transform${found}: add export function transform(image, context) { ... }`,
    );
  }
  const changesKey = exported.changesKey;
  if (changesKey !== undefined && typeof changesKey !== 'boolean') {
    throw new TransformLoadError(
      `transform module ${path} exports changesKey as ${describeValue(changesKey)}, not a boolean: write export const changesKey = true (or leave it out when the key stays)`,
    );
  }
  return { transform: transform as ImageTransform, changesKey: changesKey === true, path: absolute };
}
