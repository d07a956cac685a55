// Pure: the schema's findings (zod issues) in a user's words. Each names where it is (`defaults`, or an entry by
// index and source table), the field, and what is allowed there; a flag's name written into the plan is
// answered with where it belongs (plan-fields.ts), a field in the wrong part of an entry with the right part.
import type { z } from 'zod';
import { entryLabel, type PlanMistake } from './plan-error.js';
import { misplacedField } from './plan-fields.js';
import { ALLOWED_FIELDS, TASK_OPTION_FIELDS, WHOLE_RANGES } from './plan-schema.js';

type Issue = z.core.$ZodIssue;
type Part = keyof typeof ALLOWED_FIELDS;
type Key = PropertyKey;

const ENTRY_LEVEL: readonly string[] = [...TASK_OPTION_FIELDS, 'taskName', 'enableStream'];
const SIDES = ['source', 'destination', 'lease'] as const;
const RATES: readonly string[] = ['maxWriteRate', 'maxReadRate'];

/** One message per finding (an unknown field each), in the order zod found them. */
export function describeIssues(issues: readonly Issue[], document: unknown): PlanMistake[] {
  return issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        where: placeOf([...issue.path, key], document).label,
        what: unknownField(issue.path, key),
      }));
    }
    const { label, field } = placeOf(issue.path, document);
    return [{ where: label, what: mistake(issue, field, valueAt(document, issue.path)) }];
  });
}

/** The entry (or defaults) a path is in, and the field's path below it. */
function placeOf(path: readonly Key[], document: unknown): { label: string; field: string } {
  const [first, second, ...rest] = path;
  // An entry or defaults that is no mapping is named as the field itself.
  if (first === 'replications' && typeof second === 'number' && rest.length === 0) {
    return { label: '', field: `replications[${second}]` };
  }
  if (first === 'replications' && typeof second === 'number') {
    const table = valueAt(document, ['replications', second, 'source', 'table']);
    return { label: entryLabel(second, table), field: fieldPath(rest) };
  }
  if (first === 'defaults' && path.length > 1) return { label: 'defaults', field: fieldPath(path.slice(1)) };
  return { label: '', field: fieldPath(path) };
}

function fieldPath(path: readonly Key[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

function partOf(path: readonly Key[]): Part {
  const inDefaults = path[0] === 'defaults';
  const below = path.slice(inDefaults ? 1 : 2);
  const side = below[0];
  if (side === 'source') return inDefaults ? 'defaults.source' : 'entry.source';
  if (side === 'destination' || side === 'lease') return side;
  // Inside one element of an entry's `destinations` (a fan-out).
  if (side === 'destinations' && !inDefaults && typeof below[1] === 'number') return 'destinations';
  if (path.length === 0) return 'plan';
  return inDefaults ? 'defaults' : 'entry';
}

function unknownField(path: readonly Key[], key: string): string {
  const part = partOf(path);
  const inside = fieldPath(path.slice(path[0] === 'defaults' ? 1 : 2));
  const field = inside === '' ? key : `${inside}.${key}`;
  const misplaced = misplacedField(key);
  if (misplaced !== undefined) return misplaced;
  if (part === 'defaults' && key === 'taskName') {
    return 'taskName names one task: give it in an entry, not in defaults';
  }
  if (part === 'defaults.source' && key === 'table') {
    return 'source.table is not a default: every entry names its own source table or glob';
  }
  if (part === 'defaults' && key === 'destinations') {
    return 'destinations is not a default: list them in an entry; defaults.destination applies to each of them';
  }
  if (part === 'defaults.source' && key === 'exclude') {
    return 'source.exclude is not a default: give it in the entry whose source table is a glob';
  }
  if (part !== 'entry' && part !== 'defaults' && part !== 'plan' && ENTRY_LEVEL.includes(key)) {
    const owner = path[0] === 'defaults' ? 'defaults' : 'entry';
    return `${field}: ${key} is a field of the ${owner} itself, beside source and destination, not inside ${inside}`;
  }
  if (part === 'entry' || part === 'defaults') {
    const sides = SIDES.filter((side) =>
      (side === 'source' ? ALLOWED_FIELDS['entry.source'] : ALLOWED_FIELDS[side]).some((f) => f === key),
    );
    const [side] = sides;
    if (side !== undefined) {
      return `${key} belongs inside ${sides.join(' or ')}, e.g. ${side}: { ${key}: ... }`;
    }
  }
  if (part === 'plan' && (key === 'source' || key === 'destination')) {
    return `${key} at the top of the plan: put each table pair under replications (a list), shared fields under defaults`;
  }
  const allowed = part === 'defaults.source' ? ALLOWED_FIELDS['defaults.source'] : ALLOWED_FIELDS[part];
  return `unknown field ${field}: allowed ${part === 'plan' ? 'at the top' : 'here'} are ${allowed.join(', ')}`;
}

function mistake(issue: Issue, field: string, value: unknown): string {
  const name = field.split('.').pop() ?? field;
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return missing(field);
      if (issue.path.length === 0) {
        return `a plan is a mapping with defaults and replications, got ${describe(value)}`;
      }
      return `${field} must be ${expected(issue.expected, name)}, got ${describe(value)}${quoteHint(issue.expected, value)}`;
    case 'too_small':
    case 'too_big':
      if (issue.origin === 'string') return `${field} is empty: leave it out or give a value`;
      if (issue.origin === 'array') {
        if (field === 'replications') return 'replications is empty: list at least one table pair';
        if (field === 'destinations') return 'destinations is empty: list at least one destination';
        return `${field} is empty: leave it out or list at least one glob`;
      }
      return `${field} must be ${expected('number', name)}, got ${describe(value)}`;
    case 'invalid_value':
      return `${field} must be one of ${issue.values.map(String).join(', ')}, got ${describe(value)}`;
    default:
      return `${field === '' ? 'plan' : field}: ${issue.message}`;
  }
}

function missing(field: string): string {
  switch (field) {
    case 'replications':
      return 'replications is missing: list the table pairs to replicate (replications: [{ source: { table: orders }, destination: { table: orders } }])';
    case 'source':
      return 'source is missing: name the source table (source: { table: orders }) or a glob of tables';
    case 'source.table':
      return 'source.table is missing: name the source table, or a glob of tables such as "audit-*"';
    default:
      return `${field} is missing`;
  }
}

function expected(type: string, name: string): string {
  if (type === 'int' || type === 'number') {
    const range = WHOLE_RANGES[name as keyof typeof WHOLE_RANGES] as { min: number; max: number } | undefined;
    if (range !== undefined) return `a whole number from ${range.min} to ${range.max}`;
    if (RATES.includes(name)) return 'a positive number of items per second';
    return 'a number';
  }
  switch (type) {
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a string';
    case 'array':
      if (name === 'replications') return 'a list of table pairs';
      if (name === 'destinations')
        return 'a list of destinations such as [{ table: orders-a }, { table: orders-b }]';
      return 'a list of globs';
    case 'object':
      if (name === 'source' || name === 'destination' || /^destinations\[\d+\]$/.test(name)) {
        return 'a mapping such as { table: orders }';
      }
      if (name.startsWith('replications[')) {
        return 'a mapping such as { source: { table: orders }, destination: { table: orders } }';
      }
      return 'a mapping';
    default:
      return type;
  }
}

/** YAML reads `table: 2024` or `table: true` as a number or a boolean: say how to make it a name. */
function quoteHint(type: string, value: unknown): string {
  if (type !== 'string' || (typeof value !== 'number' && typeof value !== 'boolean')) return '';
  return ` (quote it to make it a string: "${String(value)}")`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  // YAML gives no functions or symbols, but JSON.stringify of those would be undefined.
  const json = (JSON.stringify(value) as string | undefined) ?? typeof value;
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

function valueAt(document: unknown, path: readonly Key[]): unknown {
  let value = document;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
