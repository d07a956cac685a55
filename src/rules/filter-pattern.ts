// Compiles a parsed --filter pattern into a closure that decides, per stream record, whether the record passes.
// The pattern is walked once here; the matcher runs on the hot path, so it only reads fields and compares, with
// no per-record allocation beyond parsing an N value when a numeric rule needs it.
import type { Item } from '../stream/change-record.js';
import { compareDecimal, decimalOfNumber, parseDecimal, type Decimal } from './filter-pattern-decimal.js';
import type {
  FilterPattern,
  LeafPattern,
  Literal,
  NumericCondition,
  ObjectPattern,
  Rule,
} from './filter-pattern-types.js';

export { FilterPatternError } from './filter-pattern-error.js';
export { parseFilterPattern } from './filter-pattern-parse.js';
export type { FilterPattern } from './filter-pattern-types.js';

/** The part of a stream record a pattern sees, shaped as Lambda shows it (images in DynamoDB JSON). */
export interface RecordView {
  readonly eventName?: string;
  readonly dynamodb: { readonly Keys?: Item; readonly NewImage?: Item; readonly OldImage?: Item };
}

export interface PatternFields {
  readonly eventName: boolean;
  readonly keys: boolean;
  readonly newImage: boolean;
  readonly oldImage: boolean;
  /** Anything else: other record fields (eventID, ...) or dynamodb fields (SequenceNumber, ...). */
  readonly other: boolean;
}

/** Which top-level parts of a record any alternative of the pattern constrains. */
export function patternFields(pattern: FilterPattern): PatternFields {
  let eventName = false;
  let keys = false;
  let newImage = false;
  let oldImage = false;
  let other = false;
  for (const alternative of pattern.alternatives) {
    for (const { name, pattern: field } of alternative.fields) {
      if (name === 'eventName') eventName = true;
      else if (name !== 'dynamodb' || field.kind === 'leaf') other = true;
      else {
        for (const { name: part } of field.fields) {
          if (part === 'Keys') keys = true;
          else if (part === 'NewImage') newImage = true;
          else if (part === 'OldImage') oldImage = true;
          else other = true;
        }
      }
    }
  }
  return { eventName, keys, newImage, oldImage, other };
}

export function compileFilter(pattern: FilterPattern): (record: RecordView) => boolean {
  const matchers = pattern.alternatives.map((alternative) => compileObject(alternative).match);
  const [only] = matchers;
  if (matchers.length === 1 && only !== undefined) return only;
  return (record) => {
    for (const match of matchers) if (match(record)) return true;
    return false;
  };
}

interface Compiled {
  /** Whether a value that is present matches. */
  readonly match: (value: unknown) => boolean;
  /** Whether the field being absent matches (only `exists: false` makes it so). */
  readonly matchesMissing: boolean;
}

function compileObject(pattern: ObjectPattern): Compiled {
  const names = pattern.fields.map((field) => field.name);
  const children = pattern.fields.map((field) =>
    field.pattern.kind === 'object' ? compileObject(field.pattern) : compileLeaf(field.pattern, field.name),
  );
  const count = names.length;
  const matchesMissing = children.every((child) => child.matchesMissing);
  const match = (value: unknown): boolean => {
    // A list of maps (an L of M, say) matches when one of its elements does, as Lambda treats arrays.
    if (Array.isArray(value)) return value.some(match);
    if (!isFieldMap(value)) return matchesMissing;
    for (let i = 0; i < count; i++) {
      const child = children[i] as Compiled;
      const field = value[names[i] as string];
      if (field === undefined ? !child.matchesMissing : !child.match(field)) return false;
    }
    return true;
  };
  return { match, matchesMissing };
}

type Test = (value: Scalar, number: Decimal | undefined) => boolean;
type Scalar = string | number | boolean | null;

function compileLeaf(leaf: LeafPattern, name: string): Compiled {
  const existsTrue = leaf.rules.some((rule) => rule.kind === 'exists' && rule.value);
  const existsFalse = leaf.rules.some((rule) => rule.kind === 'exists' && !rule.value);
  const tests = leaf.rules.filter((rule) => rule.kind !== 'exists').map(compileRule);
  const needsNumber = leaf.rules.some(usesNumber);
  // DynamoDB JSON writes numbers as strings; under N and NS those strings are read as numbers.
  const numericStrings = name === 'N' || name === 'NS';

  const matchScalar = (raw: unknown): boolean => {
    const value = raw instanceof Uint8Array ? Buffer.from(raw).toString('base64') : raw;
    if (!isScalar(value)) return false;
    const number = needsNumber ? numberOf(value, numericStrings) : undefined;
    for (const test of tests) if (test(value, number)) return true;
    return false;
  };
  const match = (value: unknown): boolean => {
    if (existsTrue) return true;
    // SS, NS, BS and L hold lists: the rule list matches when any element does.
    if (Array.isArray(value)) return value.some(matchScalar);
    return matchScalar(value);
  };
  return { match, matchesMissing: existsFalse };
}

function compileRule(rule: Rule): Test {
  switch (rule.kind) {
    case 'equals': {
      const literal = rule.literal;
      return (value, number) => equalsLiteral(literal, value, number);
    }
    case 'prefix': {
      const { value: prefix, ignoreCase } = rule;
      return ignoreCase
        ? (value) => typeof value === 'string' && value.toLowerCase().startsWith(prefix)
        : (value) => typeof value === 'string' && value.startsWith(prefix);
    }
    case 'suffix': {
      const { value: suffix, ignoreCase } = rule;
      return ignoreCase
        ? (value) => typeof value === 'string' && value.toLowerCase().endsWith(suffix)
        : (value) => typeof value === 'string' && value.endsWith(suffix);
    }
    case 'equals-ignore-case': {
      const lower = rule.value;
      return (value) => typeof value === 'string' && value.toLowerCase() === lower;
    }
    case 'anything-but': {
      const literals = rule.literals;
      return (value, number) => !literals.some((literal) => equalsLiteral(literal, value, number));
    }
    case 'anything-but-prefix': {
      const prefix = rule.value;
      return (value) => typeof value === 'string' && !value.startsWith(prefix);
    }
    case 'anything-but-suffix': {
      const suffix = rule.value;
      return (value) => typeof value === 'string' && !value.endsWith(suffix);
    }
    case 'anything-but-ignore-case': {
      const values = rule.values;
      return (value) => typeof value === 'string' && !values.includes(value.toLowerCase());
    }
    case 'numeric': {
      const conditions = rule.conditions;
      return (_value, number) => number !== undefined && conditions.every((c) => holds(c, number));
    }
    case 'exists':
      // Handled by compileLeaf before any test runs.
      return () => false;
  }
}

function equalsLiteral(literal: Literal, value: Scalar, number: Decimal | undefined): boolean {
  switch (literal.kind) {
    case 'string':
      return value === literal.value;
    case 'number':
      return number !== undefined && compareDecimal(number, literal.value) === 0;
    case 'boolean':
      return value === literal.value;
    case 'null':
      return value === null;
  }
}

function holds(condition: NumericCondition, number: Decimal): boolean {
  const order = compareDecimal(number, condition.bound);
  switch (condition.operator) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '=':
      return order === 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
  }
}

function usesNumber(rule: Rule): boolean {
  if (rule.kind === 'numeric') return true;
  if (rule.kind === 'equals') return rule.literal.kind === 'number';
  return rule.kind === 'anything-but' && rule.literals.some((literal) => literal.kind === 'number');
}

function numberOf(value: Scalar, numericStrings: boolean): Decimal | undefined {
  if (typeof value === 'number') return decimalOfNumber(value);
  return numericStrings && typeof value === 'string' ? parseDecimal(value) : undefined;
}

function isScalar(value: unknown): value is Scalar {
  return (
    value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
  );
}

function isFieldMap(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array);
}
