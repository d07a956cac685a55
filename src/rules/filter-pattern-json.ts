// A small strict JSON reader for filter patterns. It exists instead of JSON.parse for two reasons: every node
// keeps its offset, so rule errors can point at a line and column, and numbers keep their source text, so a
// bound like 12345678901234567890123456789012345678 is compared exactly instead of rounded to a double.
import { FilterPatternError, positionAt } from './filter-pattern-error.js';

export type JsonNode =
  | { readonly kind: 'string'; readonly value: string; readonly at: number }
  | { readonly kind: 'number'; readonly text: string; readonly at: number }
  | { readonly kind: 'boolean'; readonly value: boolean; readonly at: number }
  | { readonly kind: 'null'; readonly at: number }
  | { readonly kind: 'array'; readonly items: readonly JsonNode[]; readonly at: number }
  | {
      readonly kind: 'object';
      readonly entries: readonly (readonly [string, JsonNode])[];
      readonly at: number;
    };

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const MAX_DEPTH = 64;

/** Parses `text` as one JSON value; throws FilterPatternError naming line, column and offset. */
export function parseJson(text: string): JsonNode {
  let pos = 0;

  const fail: (problem: string, at?: number) => never = (problem, at = pos) => {
    throw new FilterPatternError(`not valid JSON: ${problem}`, { position: positionAt(text, at) });
  };
  const found = (): string => (pos >= text.length ? 'the end of the text' : JSON.stringify(text.charAt(pos)));
  const skipSpace = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return;
      pos += 1;
    }
  };
  const noTrailingComma = (close: string): void => {
    skipSpace();
    if (text.charAt(pos) === close) fail(`a comma before '${close}' (JSON does not allow a trailing comma)`);
  };
  const expect = (char: string, what: string): void => {
    skipSpace();
    if (text.charAt(pos) !== char) fail(`expected ${what}, found ${found()}`);
    pos += 1;
  };

  const readString = (): string => {
    const start = pos;
    pos += 1; // the opening quote
    let out = '';
    for (;;) {
      if (pos >= text.length) fail('a string is not closed (missing ")', start);
      const c = text.charAt(pos);
      if (c === '"') {
        pos += 1;
        return out;
      }
      if (c === '\\') {
        const e = text.charAt(pos + 1);
        if (e === 'u') {
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('\\u must be followed by 4 hex digits');
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 6;
        } else {
          const decoded = ESCAPES[e];
          if (decoded === undefined) fail(`unknown escape \\${e} in a string`);
          out += decoded;
          pos += 2;
        }
      } else if (text.charCodeAt(pos) < 0x20) {
        fail('a control character (such as a raw newline) inside a string; write it as an escape like \\n');
      } else {
        out += c;
        pos += 1;
      }
    }
  };

  const readValue = (depth: number): JsonNode => {
    if (depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
    skipSpace();
    const at = pos;
    const c = text.charAt(pos);
    if (c === '{') {
      pos += 1;
      const entries: [string, JsonNode][] = [];
      const seen = new Set<string>();
      skipSpace();
      if (text.charAt(pos) === '}') {
        pos += 1;
        return { kind: 'object', entries, at };
      }
      for (;;) {
        skipSpace();
        if (text.charAt(pos) !== '"') fail(`expected a field name in double quotes, found ${found()}`);
        const keyAt = pos;
        const key = readString();
        if (seen.has(key)) fail(`the field ${JSON.stringify(key)} appears twice in the same object`, keyAt);
        seen.add(key);
        expect(':', `':' after the field name ${JSON.stringify(key)}`);
        entries.push([key, readValue(depth + 1)]);
        skipSpace();
        if (text.charAt(pos) === ',') {
          pos += 1;
          noTrailingComma('}');
          continue;
        }
        expect('}', "',' or '}' after a field");
        return { kind: 'object', entries, at };
      }
    }
    if (c === '[') {
      pos += 1;
      const items: JsonNode[] = [];
      skipSpace();
      if (text.charAt(pos) === ']') {
        pos += 1;
        return { kind: 'array', items, at };
      }
      for (;;) {
        items.push(readValue(depth + 1));
        skipSpace();
        if (text.charAt(pos) === ',') {
          pos += 1;
          noTrailingComma(']');
          continue;
        }
        expect(']', "',' or ']' after a list element");
        return { kind: 'array', items, at };
      }
    }
    if (c === '"') return { kind: 'string', value: readString(), at };
    for (const [word, node] of LITERALS) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return { ...node, at };
      }
    }
    NUMBER.lastIndex = pos;
    const number = NUMBER.exec(text);
    if (number !== null) {
      pos += number[0].length;
      return { kind: 'number', text: number[0], at };
    }
    if (c === "'") return fail('strings must use double quotes ("), not single quotes (\')');
    return fail(`expected a value (object, list, string, number, true, false or null), found ${found()}`);
  };

  const root = readValue(0);
  skipSpace();
  if (pos < text.length) fail(`unexpected ${found()} after the end of the pattern`);
  return root;
}

const LITERALS: readonly (readonly [string, JsonNode])[] = [
  ['true', { kind: 'boolean', value: true, at: 0 }],
  ['false', { kind: 'boolean', value: false, at: 0 }],
  ['null', { kind: 'null', at: 0 }],
];
