// The built-in transforms behind --exclude-attributes and --rename-attributes: the flags' parsing (every mistake
// refused at start with one line) and the transforms themselves, which run on every record: synchronous, never
// mutating the stream's image, and returning the image itself when they change nothing, so an image without the
// named attributes costs no copy.
import type { Item } from '../stream/change-record.js';
import type { ImageTransform } from './transform-module.js';

export class AttributeRuleError extends Error {
  override readonly name = 'AttributeRuleError';
}

/** The comma-separated names of a flag, trimmed; attribute names that contain a comma cannot be given. */
function splitNames(flag: string, text: string): string[] {
  if (text.trim() === '') throw new AttributeRuleError(`${flag} is empty: give at least one attribute name`);
  const parts = text.split(',').map((part) => part.trim());
  if (parts.includes('')) {
    throw new AttributeRuleError(
      `${flag} "${text}" has an empty name: separate names with single commas, without a trailing comma`,
    );
  }
  return parts;
}

/** `a,b`: the names to leave out of the destination. A name given twice is harmless and kept once. */
export function parseExcludeAttributes(text: string): string[] {
  return [...new Set(splitNames('--exclude-attributes', text))];
}

/**
 * `old=new,old2=new2`. Refused: a name renamed twice, two names onto one target (one value would be lost), and a
 * name that is both renamed and a target (`a=b,b=c`, `a=b,b=a`, `a=a`): whether that is a chain or a swap is a
 * guess, and the transform applies all renames at once, so each name is renamed once, to its final name.
 */
export function parseRenameAttributes(text: string): ReadonlyMap<string, string> {
  const flag = '--rename-attributes';
  const renames = new Map<string, string>();
  const sources = new Map<string, string>();
  for (const entry of splitNames(flag, text)) {
    const parts = entry.split('=').map((part) => part.trim());
    const [from, to] = parts;
    if (parts.length !== 2 || from === undefined || to === undefined) {
      throw new AttributeRuleError(`${flag} entry "${entry}" is not old=new: write one = per entry`);
    }
    if (from === '' || to === '') {
      throw new AttributeRuleError(`${flag} entry "${entry}" lacks a name on one side of =: write old=new`);
    }
    const earlier = renames.get(from);
    if (earlier !== undefined) {
      throw new AttributeRuleError(
        `${flag} renames ${from} twice (to ${earlier} and to ${to}): rename each attribute once`,
      );
    }
    const other = sources.get(to);
    if (other !== undefined) {
      throw new AttributeRuleError(
        `${flag} renames both ${other} and ${from} to ${to}: one value would be lost, give each a target of its own`,
      );
    }
    renames.set(from, to);
    sources.set(to, from);
  }
  for (const [from, to] of renames) {
    const onto = sources.get(from);
    if (onto !== undefined) {
      throw new AttributeRuleError(
        `${flag} renames ${from} (to ${to}) and also renames ${onto} onto ${from}: a chain or swap is ambiguous, rename each attribute once, straight to its final name`,
      );
    }
  }
  return renames;
}

/** Sets an own property, also for the name __proto__ (a legal attribute name that assignment would not set). */
function setAttribute(item: Item, name: string, value: Item[string]): void {
  if (name === '__proto__') {
    Object.defineProperty(item, name, { value, writable: true, enumerable: true, configurable: true });
  } else {
    item[name] = value;
  }
}

export function excludeAttributes(names: readonly string[]): ImageTransform {
  const excluded = [...names];
  return (image) => {
    let result: Item | undefined;
    for (const name of excluded) {
      if (!Object.hasOwn(image, name)) continue;
      result ??= { ...image };
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the names are the user's, not code's.
      delete result[name];
    }
    return result ?? image;
  };
}

/**
 * All renames at once, from the stream's image. A target that already exists in the image is overwritten by
 * the renamed value: the user named that value to be written there, and keeping the old one instead would drop
 * the renamed attribute without a word (to keep both, rename the existing one as well, or exclude it).
 */
export function renameAttributes(renames: ReadonlyMap<string, string>): ImageTransform {
  const pairs = [...renames];
  return (image) => {
    let result: Item | undefined;
    // Sources are removed before any target is set, so that a swap given to this function directly still works.
    for (const [from] of pairs) {
      if (!Object.hasOwn(image, from)) continue;
      result ??= { ...image };
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- the names are the user's, not code's.
      delete result[from];
    }
    if (result === undefined) return image;
    for (const [from, to] of pairs) {
      const value = Object.hasOwn(image, from) ? image[from] : undefined;
      if (value !== undefined) setAttribute(result, to, value);
    }
    return result;
  };
}
