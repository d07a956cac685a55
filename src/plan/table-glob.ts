// Pure: a source `table` that is a glob over the source account's tables (picomatch syntax), and its `exclude`
// globs. Table names hold only a-z A-Z 0-9 _ - ., so a pattern may hold only those and the glob characters;
// picomatch turns anything else (an unclosed brace, a slash) into a pattern that quietly matches nothing, which
// is refused here by name instead.
import picomatch from 'picomatch';

const GLOB_CHARACTERS = /^[a-zA-Z0-9_.\-*?[\]{},^]+$/;

/**
 * Whether a source table names a glob of tables rather than one table: any glob character makes it one, so that
 * a broken glob ("audit-{a") is reported as a glob, not as a strange table name.
 */
export function isGlob(pattern: string): boolean {
  return /[*?[\]{}]/.test(pattern);
}

/** Why a pattern is not a usable glob of table names; undefined when it is. */
export function globMistake(pattern: string): string | undefined {
  if (pattern.startsWith('!')) {
    return 'a leading ! negates the whole glob: list the names to leave out under source.exclude instead';
  }
  // picomatch reads [!a] as "a literal [!a], or ! or a": only [^a] is "any character but a".
  if (pattern.includes('[!')) return 'negates a class with [!...]: write [^...] instead';
  if (!GLOB_CHARACTERS.test(pattern)) {
    return 'may hold only the characters of table names (a-z A-Z 0-9 _ - .) and the glob characters * ? [ ] { } , ^';
  }
  const unbalanced = unbalancedBracket(pattern);
  if (unbalanced !== undefined) return unbalanced;
  let re: RegExp;
  try {
    re = picomatch.makeRe(pattern, { dot: true });
  } catch (err) {
    return `is not a glob picomatch understands (${err instanceof Error ? err.message : String(err)})`;
  }
  // picomatch's pattern for a glob that can match nothing at all.
  if (re.source === '$^') return 'can match no table name';
  return undefined;
}

/** A matcher over table names (names may start with a dot, so * matches those too). */
export function tableMatcher(patterns: readonly string[]): (name: string) => boolean {
  if (patterns.length === 0) return () => false;
  return picomatch([...patterns], { dot: true });
}

/** An unclosed [ or {, or a ] or } that closes nothing. */
function unbalancedBracket(pattern: string): string | undefined {
  const open: string[] = [];
  const opening: Record<string, string> = { ']': '[', '}': '{' };
  for (const c of pattern) {
    if (c === '[' || c === '{') open.push(c);
    else if ((c === ']' || c === '}') && open.pop() !== opening[c]) {
      return `has a ${c} that closes no ${opening[c] ?? ''}`;
    }
  }
  const last = open.pop();
  return last === undefined ? undefined : `has a ${last} that is never closed`;
}
