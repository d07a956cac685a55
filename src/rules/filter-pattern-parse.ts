// Turns --filter text (Lambda/EventBridge event-filter syntax) into a checked FilterPattern tree. Every mistake a
// user can make in the rules is caught here with its JSON path and position, because at match time a broken
// rule would just silently drop (or keep) every record.
import { compareDecimal, parseDecimal, type Decimal } from './filter-pattern-decimal.js';
import { FilterPatternError, positionAt } from './filter-pattern-error.js';
import { parseJson, type JsonNode } from './filter-pattern-json.js';
import type {
  FilterPattern,
  LeafPattern,
  Literal,
  NumericCondition,
  NumericOperator,
  ObjectPattern,
  Rule,
} from './filter-pattern-types.js';

export type { FilterPattern } from './filter-pattern-types.js';

const OPERATORS = ['prefix', 'suffix', 'anything-but', 'numeric', 'exists', 'equals-ignore-case'] as const;
const NUMERIC_OPERATORS: readonly string[] = ['<', '<=', '=', '>', '>='];
const ATTRIBUTE_TYPES: readonly string[] = ['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS'];
const EVENT_NAMES: readonly string[] = ['INSERT', 'MODIFY', 'REMOVE'];
const IMAGES: readonly string[] = ['Keys', 'NewImage', 'OldImage'];

/**
 * Where a node sits in the stream record's shape: inside an image the levels alternate between attribute names
 * ('item') and DynamoDB type keys ('typed'), which lets the parser reject patterns that could never match.
 */
type Place = 'record' | 'stream' | 'item' | 'typed' | 'free';

export function parseFilterPattern(text: string): FilterPattern {
  const root = parseJson(text);
  const fail: (node: JsonNode, path: string, problem: string) => never = (node, path, problem) => {
    throw new FilterPatternError(problem, { path, position: positionAt(text, node.at) });
  };

  const objectPattern = (node: JsonNode & { kind: 'object' }, path: string, place: Place): ObjectPattern => {
    if (node.entries.length === 0) {
      fail(node, path, 'an empty object constrains nothing; name at least one field (or leave out --filter)');
    }
    const fields = node.entries.map(([name, child]) => {
      const childPath = joinPath(path, name);
      if (place === 'typed' && !ATTRIBUTE_TYPES.includes(name)) {
        fail(
          child,
          childPath,
          `unknown DynamoDB type "${name}" (expected one of ${ATTRIBUTE_TYPES.join(', ')})`,
        );
      }
      if (name === '$or') {
        fail(child, childPath, '"$or" is not supported; give a list of patterns at the top instead');
      }
      return { name, pattern: fieldPattern(child, childPath, place, name) };
    });
    return { kind: 'object', fields };
  };

  // `parent` is the place of the object holding this field, so `name` is an attribute name when it is 'item'
  // and a type key (S, N, M...) when it is 'typed'.
  const fieldPattern = (
    node: JsonNode,
    path: string,
    parent: Place,
    name: string,
  ): ObjectPattern | LeafPattern => {
    if (node.kind === 'object') {
      if (parent === 'typed' && name !== 'M' && name !== 'L') {
        fail(
          node,
          path,
          `a ${name} attribute holds a plain value; give a list of rules such as {"${name}": ["..."]}`,
        );
      }
      return objectPattern(node, path, placeOf(parent, name));
    }
    if (node.kind !== 'array') {
      return fail(
        node,
        path,
        `expected a list of rules such as [${renderScalar(node)}] or an object of fields`,
      );
    }
    if (node.items.length === 0) {
      fail(node, path, 'an empty list matches nothing; give at least one value or rule');
    }
    const rules = node.items.map((item, i) => rule(item, `${path}[${i}]`));
    if (!rules.every((r) => r.kind === 'exists')) {
      // Values here are DynamoDB JSON wrappers, never strings or numbers: these rules could never match.
      if (parent === 'item') {
        fail(
          node,
          path,
          `"${name}" is a DynamoDB attribute; put its rules under its type, e.g. {"${name}": {"S": ["..."]}}`,
        );
      }
      if (parent === 'typed' && (name === 'M' || name === 'L')) {
        const nested = name === 'M' ? '{"field": {"S": ["..."]}}' : '{"S": ["..."]}';
        fail(
          node,
          path,
          `an ${name} value is not a plain value; nest a pattern, e.g. {"${name}": ${nested}}`,
        );
      }
    }
    if (parent === 'record' && name === 'eventName') checkEventNames(rules, node, path);
    return { kind: 'leaf', rules };
  };

  const checkEventNames = (rules: readonly Rule[], node: JsonNode, path: string): void => {
    for (const r of rules) {
      if (r.kind === 'equals' && r.literal.kind === 'string' && !EVENT_NAMES.includes(r.literal.value)) {
        fail(node, path, `"${r.literal.value}" is never an event name (expected ${EVENT_NAMES.join(', ')})`);
      }
    }
  };

  const rule = (node: JsonNode, path: string): Rule => {
    if (node.kind === 'array')
      return fail(node, path, 'a list inside a rule list; put all values in one list');
    if (node.kind !== 'object') return { kind: 'equals', literal: literal(node, path) };
    const [entry, ...extra] = node.entries;
    if (entry === undefined)
      return fail(node, path, `an empty rule object; expected one of ${OPERATORS.join(', ')}`);
    const [operator, arg] = entry;
    if (extra.length > 0) {
      fail(node, path, `a rule object holds one operator, found ${node.entries.map(([k]) => k).join(', ')}`);
    }
    const argPath = joinPath(path, operator);
    switch (operator) {
      case 'prefix':
      case 'suffix': {
        if (arg.kind === 'string') return { kind: operator, value: arg.value, ignoreCase: false };
        const inner = arg.kind === 'object' && arg.entries.length === 1 ? arg.entries[0] : undefined;
        if (inner?.[0] === 'equals-ignore-case' && inner[1].kind === 'string') {
          return { kind: operator, value: inner[1].value.toLowerCase(), ignoreCase: true };
        }
        return fail(arg, argPath, `${operator} takes a string, or {"equals-ignore-case": "..."}`);
      }
      case 'equals-ignore-case':
        if (arg.kind !== 'string') return fail(arg, argPath, 'equals-ignore-case takes a string');
        return { kind: 'equals-ignore-case', value: arg.value.toLowerCase() };
      case 'exists':
        if (arg.kind !== 'boolean')
          return fail(arg, argPath, `exists takes true or false, found ${renderScalar(arg)}`);
        return { kind: 'exists', value: arg.value };
      case 'numeric':
        return { kind: 'numeric', conditions: numeric(arg, argPath) };
      case 'anything-but':
        return anythingBut(arg, argPath);
      default:
        return fail(node, path, `unknown operator "${operator}" (expected one of ${OPERATORS.join(', ')})`);
    }
  };

  const anythingBut = (arg: JsonNode, path: string): Rule => {
    if (arg.kind === 'string' || arg.kind === 'number')
      return { kind: 'anything-but', literals: [literal(arg, path)] };
    if (arg.kind === 'array') {
      if (arg.items.length === 0) fail(arg, path, 'anything-but needs at least one value');
      const literals = arg.items.map((item, i) => {
        if (item.kind !== 'string' && item.kind !== 'number') {
          fail(item, `${path}[${i}]`, 'anything-but lists hold only strings and numbers');
        }
        return literal(item, `${path}[${i}]`);
      });
      return { kind: 'anything-but', literals };
    }
    const inner = arg.kind === 'object' && arg.entries.length === 1 ? arg.entries[0] : undefined;
    if (inner !== undefined) {
      const [operator, value] = inner;
      if ((operator === 'prefix' || operator === 'suffix') && value.kind === 'string') {
        return {
          kind: operator === 'prefix' ? 'anything-but-prefix' : 'anything-but-suffix',
          value: value.value,
        };
      }
      if (operator === 'equals-ignore-case') {
        const items = value.kind === 'array' ? value.items : [value];
        if (items.length > 0 && items.every((v) => v.kind === 'string')) {
          return { kind: 'anything-but-ignore-case', values: items.map((v) => v.value.toLowerCase()) };
        }
      }
    }
    return fail(
      arg,
      path,
      'anything-but takes a string, a number, a list of them, or {"prefix"|"suffix": "..."}',
    );
  };

  const numeric = (arg: JsonNode, path: string): NumericCondition[] => {
    if (arg.kind !== 'array' || (arg.items.length !== 2 && arg.items.length !== 4)) {
      return fail(
        arg,
        path,
        'numeric takes [operator, number] or [lower operator, number, upper operator, number]',
      );
    }
    const conditions: NumericCondition[] = [];
    for (let i = 0; i + 1 < arg.items.length; i += 2) {
      const op = arg.items[i];
      const bound = arg.items[i + 1];
      if (op?.kind !== 'string' || !isNumericOperator(op.value)) {
        const found = op === undefined ? 'nothing' : renderScalar(op);
        return fail(
          op ?? arg,
          `${path}[${i}]`,
          `expected an operator (${NUMERIC_OPERATORS.join(' ')}), found ${found}`,
        );
      }
      if (bound?.kind !== 'number') {
        const found = bound === undefined ? 'nothing' : renderScalar(bound);
        return fail(
          bound ?? arg,
          `${path}[${i + 1}]`,
          `expected a number after "${op.value}", found ${found}`,
        );
      }
      conditions.push({ operator: op.value, bound: decimalOf(bound.text) });
    }
    const [first, second] = conditions;
    if (first !== undefined && second !== undefined) {
      const lower = [first, second].find((c) => c.operator.startsWith('>'));
      const upper = [first, second].find((c) => c.operator.startsWith('<'));
      if (lower === undefined || upper === undefined) {
        fail(arg, path, 'a numeric range needs one lower bound (> or >=) and one upper bound (< or <=)');
      } else if (compareDecimal(lower.bound, upper.bound) > 0) {
        fail(arg, path, 'the lower bound is above the upper bound, so nothing can match');
      }
    }
    return conditions;
  };

  const literal = (node: JsonNode, path: string): Literal => {
    switch (node.kind) {
      case 'string':
        return { kind: 'string', value: node.value };
      case 'number':
        return { kind: 'number', value: decimalOf(node.text) };
      case 'boolean':
        return { kind: 'boolean', value: node.value };
      case 'null':
        return { kind: 'null' };
      default:
        return fail(node, path, 'expected a string, number, true, false or null');
    }
  };

  if (root.kind === 'object') return { alternatives: [objectPattern(root, '', 'record')] };
  if (root.kind !== 'array') return fail(root, '', 'a pattern must be a JSON object, or a list of objects');
  if (root.items.length === 0) fail(root, '', 'an empty list of patterns matches nothing');
  const alternatives = root.items.map((item, i) =>
    item.kind === 'object'
      ? objectPattern(item, `[${i}]`, 'record')
      : fail(item, `[${i}]`, 'each pattern must be an object'),
  );
  return { alternatives };
}

function isNumericOperator(text: string): text is NumericOperator {
  return NUMERIC_OPERATORS.includes(text);
}

function decimalOf(jsonNumber: string): Decimal {
  // The JSON reader only produces numbers that parseDecimal accepts.
  const value = parseDecimal(jsonNumber);
  if (value === undefined) throw new Error(`internal: ${jsonNumber} is not a decimal`);
  return value;
}

function placeOf(parent: Place, name: string): Place {
  if (parent === 'record') return name === 'dynamodb' ? 'stream' : 'free';
  if (parent === 'stream') return IMAGES.includes(name) ? 'item' : 'free';
  if (parent === 'item') return 'typed';
  if (parent === 'typed') return name === 'M' ? 'item' : 'typed';
  return 'free';
}

function joinPath(path: string, name: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(name)) return path === '' ? name : `${path}.${name}`;
  return `${path}[${JSON.stringify(name)}]`;
}

function renderScalar(node: JsonNode): string {
  switch (node.kind) {
    case 'string':
      return JSON.stringify(node.value);
    case 'number':
      return node.text;
    case 'boolean':
      return String(node.value);
    case 'null':
      return 'null';
    default:
      return node.kind === 'array' ? 'a list' : 'an object';
  }
}
