// From the rule flags and the two tables to the rules a task applies: loads the transform module, says which
// destination key schema the rules lead to (the source's, renamed; any, for a module that changes keys), and
// refuses what cannot work before anything is read: a key-changing transform without old images, a key
// attribute excluded. Every refusal is one ConfigError line (exit 2).
import { ConfigError } from '../errors/replicator-error.js';
import { excludeAttributes, renameAttributes } from './attribute-rules.js';
import { composeTransforms } from './compose-transforms.js';
import type { DestinationRules, RecordFilter } from './destination-writes.js';
import { compileFilter, patternFields } from './filter-pattern.js';
import type { RuleOptions } from './rule-options.js';
import {
  loadTransformModule,
  TransformLoadError,
  type ImageTransform,
  type LoadedTransform,
} from './transform-module.js';

export interface KeyPart {
  readonly name: string;
  readonly keyType: 'HASH' | 'RANGE';
  readonly type: string;
}

export async function loadRuleTransform(
  options: RuleOptions | undefined,
): Promise<LoadedTransform | undefined> {
  if (options?.transformPath === undefined) return undefined;
  try {
    return await loadTransformModule(options.transformPath);
  } catch (err) {
    if (err instanceof TransformLoadError) throw new ConfigError(err.message);
    throw err;
  }
}

/** The key schema the destination must have; undefined when a module changes keys (it decides them). */
export function expectedDestinationKey(
  sourceKey: readonly KeyPart[],
  options: RuleOptions | undefined,
  loaded: LoadedTransform | undefined,
): KeyPart[] | undefined {
  if (loaded?.changesKey === true) return undefined;
  const renames = options?.renameAttributes;
  return sourceKey.map((part) => ({ ...part, name: renames?.get(part.name) ?? part.name }));
}

export interface RuleTables {
  readonly sourceTable: string;
  readonly destinationTable: string;
  readonly viewType: string;
  readonly sourceKey: readonly KeyPart[];
  readonly destinationKey: readonly KeyPart[];
}

export function destinationRules(
  options: RuleOptions,
  loaded: LoadedTransform | undefined,
  tables: RuleTables,
): DestinationRules {
  const changesKey = loaded?.changesKey === true;
  if (changesKey && tables.viewType !== 'NEW_AND_OLD_IMAGES') {
    throw new ConfigError(
      `transform module ${loaded?.path ?? ''} changes keys, which needs old images to delete an item's previous destination key, but the stream of ${tables.sourceTable} has view type ${tables.viewType}: switch the stream to NEW_AND_OLD_IMAGES`,
    );
  }
  const sourceKeyNames = tables.sourceKey.map((part) => part.name);
  const excludedKey = options.excludeAttributes.find((name) => sourceKeyNames.includes(name));
  if (excludedKey !== undefined && !changesKey) {
    throw new ConfigError(
      `--exclude-attributes names key attribute ${excludedKey} of ${tables.sourceTable}: an item cannot be written without its key; leave it out of the list`,
    );
  }
  const steps: ImageTransform[] = [];
  // The module sees the source's attribute names; the built-in rules then shape what it returned.
  if (loaded !== undefined) steps.push(loaded.transform);
  if (options.excludeAttributes.length > 0) steps.push(excludeAttributes(options.excludeAttributes));
  if (options.renameAttributes.size > 0) steps.push(renameAttributes(options.renameAttributes));
  const keyRenames = new Map<string, string>();
  for (const name of sourceKeyNames) {
    const renamed = options.renameAttributes.get(name);
    if (renamed !== undefined) keyRenames.set(name, renamed);
  }
  return {
    sourceTable: tables.sourceTable,
    destinationTable: tables.destinationTable,
    filter: recordFilter(options),
    transform: composeTransforms(steps),
    changesKey,
    ttlDeletes: options.ttlDeletes,
    sourceKeyAttributes: sourceKeyNames,
    destinationKeyAttributes: tables.destinationKey.map((part) => part.name),
    keyRenames,
  };
}

function recordFilter(options: RuleOptions): RecordFilter | undefined {
  if (options.filter === undefined) return undefined;
  const fields = patternFields(options.filter);
  return {
    matches: compileFilter(options.filter),
    imageOnly: !fields.eventName && !fields.oldImage && !fields.other,
  };
}
