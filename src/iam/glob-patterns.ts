// Pure: a plan's glob of table names (picomatch syntax, as table-glob.ts accepts it) as IAM resource-name
// patterns, where `*` is any run of characters and `?` one character. A plan's policy names a glob's tables by
// pattern rather than by the tables a ListTables shows today: the plan re-resolves its globs while it runs and
// starts replicating a table created later that a glob selects, and a policy listing today's names would refuse
// that table's first request (the fleet's task failing) until someone printed and applied the policy again.
// IAM has no character classes and no alternatives inside one pattern, so: `*` and `?` stay, a class (`[a-c]`,
// `[^x]`) is `?` (one character), `{a,b}` becomes one pattern per alternative, and a brace without a comma (a
// range such as `{1..3}`) or too many alternatives becomes `*`. Every name the glob matches matches one of the
// patterns (glob-patterns.test.ts checks it against picomatch); a pattern may match more names than the glob.

/** More alternatives than this, and each brace of the glob stands for any characters (`*`). */
export const MAX_PATTERNS = 16;

/** Thrown as soon as the alternatives outnumber MAX_PATTERNS, before they multiply any further. */
class TooManyPatterns extends Error {}

export function globPatterns(glob: string): string[] {
  let patterns: string[];
  try {
    patterns = alternatives(glob, 0, false, false).patterns;
  } catch (err) {
    if (!(err instanceof TooManyPatterns)) throw err;
    patterns = alternatives(glob, 0, false, true).patterns;
  }
  return [...new Set(patterns.map((p) => p.replace(/\*+/g, '*')))];
}

/**
 * The patterns of `glob` from `start` up to the end (or, inside braces, up to the `,` or `}` that ends this
 * alternative), and where that is. `collapse`: every brace is `*`.
 */
function alternatives(
  glob: string,
  start: number,
  inBraces: boolean,
  collapse: boolean,
): { patterns: string[]; end: number } {
  let patterns = [''];
  let i = start;
  const append = (options: readonly string[]): void => {
    if (patterns.length * options.length > MAX_PATTERNS) throw new TooManyPatterns();
    patterns = patterns.flatMap((head) => options.map((tail) => head + tail));
  };
  while (i < glob.length) {
    const c = glob.charAt(i);
    if (inBraces && (c === ',' || c === '}')) break;
    if (c === '[') {
      // Brackets are balanced and hold no other bracket (globMistake refuses the rest): the class ends at the next ].
      const close = glob.indexOf(']', i + 1);
      append(['?']);
      i = close < 0 ? glob.length : close + 1;
    } else if (c === '{') {
      const options: string[] = [];
      let j = i + 1;
      let commas = 0;
      for (;;) {
        const part = alternatives(glob, j, true, collapse);
        options.push(...part.patterns);
        j = part.end;
        if (glob.charAt(j) !== ',') break;
        commas += 1;
        j += 1;
      }
      append(collapse || commas === 0 ? ['*'] : options);
      i = j + 1;
    } else {
      append([c]);
      i += 1;
    }
  }
  return { patterns, end: i };
}
