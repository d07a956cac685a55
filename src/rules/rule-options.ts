// The rule flags of one table pair (--filter, --transform, --exclude-attributes, --rename-attributes,
// --ttl-deletes), checked when the configuration is built: a pattern that does not parse or a bad attribute list
// is exit 2 before anything starts. The transform module is loaded later, with the tables (destination-rules.ts).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, errorMessage } from '../errors/replicator-error.js';
import { AttributeRuleError, parseExcludeAttributes, parseRenameAttributes } from './attribute-rules.js';
import type { TtlDeletes } from './destination-writes.js';
import { FilterPatternError, parseFilterPattern, type FilterPattern } from './filter-pattern.js';

export const TTL_DELETES: readonly TtlDeletes[] = ['replicate', 'skip'];

export interface RuleFlags {
  /** A pattern as JSON, or `@file.json`. */
  readonly filter?: string | undefined;
  readonly transform?: string | undefined;
  readonly excludeAttributes?: string | undefined;
  readonly renameAttributes?: string | undefined;
  readonly ttlDeletes?: string | undefined;
}

export interface RuleOptions {
  readonly filter: FilterPattern | undefined;
  /** The transform module's path as given (resolved against the working directory when loaded). */
  readonly transformPath: string | undefined;
  readonly excludeAttributes: readonly string[];
  readonly renameAttributes: ReadonlyMap<string, string>;
  readonly ttlDeletes: TtlDeletes;
}

/** Undefined when no rule is set: the replication then writes every change as it is, at no cost. */
export function buildRuleOptions(flags: RuleFlags, cwd = process.cwd()): RuleOptions | undefined {
  const ttlDeletes = flags.ttlDeletes ?? 'replicate';
  const known = TTL_DELETES.find((value) => value === ttlDeletes);
  if (known === undefined) {
    throw new ConfigError(
      `--ttl-deletes ${JSON.stringify(ttlDeletes)} is not a choice: use replicate (delete at the destination too) or skip (keep the destination's copy)`,
    );
  }
  const filter = flags.filter === undefined ? undefined : filterPattern(flags.filter, cwd);
  const transformPath = flags.transform;
  if (transformPath !== undefined && transformPath.trim() === '') {
    throw new ConfigError(
      '--transform is empty: name an ES module file that exports transform(image, context)',
    );
  }
  const excludeAttributes = attributeRule(() =>
    flags.excludeAttributes === undefined ? [] : parseExcludeAttributes(flags.excludeAttributes),
  );
  const renameAttributes = attributeRule(() =>
    flags.renameAttributes === undefined
      ? new Map<string, string>()
      : parseRenameAttributes(flags.renameAttributes),
  );
  const renamedAndExcluded = excludeAttributes.find((name) => renameAttributes.has(name));
  if (renamedAndExcluded !== undefined) {
    throw new ConfigError(
      `attribute ${renamedAndExcluded} is both excluded and renamed: leave it out of --exclude-attributes or --rename-attributes`,
    );
  }
  const none =
    filter === undefined &&
    transformPath === undefined &&
    excludeAttributes.length === 0 &&
    renameAttributes.size === 0 &&
    known === 'replicate';
  if (none) return undefined;
  return { filter, transformPath, excludeAttributes, renameAttributes, ttlDeletes: known };
}

function filterPattern(text: string, cwd: string): FilterPattern {
  let json = text;
  let origin = '--filter';
  if (text.startsWith('@')) {
    const path = resolve(cwd, text.slice(1));
    origin = `--filter file ${text.slice(1)}`;
    try {
      json = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(
        `${origin} cannot be read (${errorMessage(err)}): check the path after @ (resolved to ${path})`,
      );
    }
  }
  try {
    return parseFilterPattern(json);
  } catch (err) {
    if (err instanceof FilterPatternError) {
      throw new ConfigError(
        `${origin} is not a valid pattern: ${err.message} (the syntax is Lambda's event filtering, see README "Rules")`,
      );
    }
    throw err;
  }
}

function attributeRule<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof AttributeRuleError) throw new ConfigError(err.message);
    throw err;
  }
}
