import assert from 'node:assert/strict';
import { test } from 'node:test';
import { globMistake, tableMatcher } from '../plan/table-glob.js';
import { globPatterns, MAX_PATTERNS } from './glob-patterns.js';
import { matches } from './policy-allows.js';

test('what each glob character becomes', () => {
  const cases: [string, string[]][] = [
    ['orders', ['orders']],
    ['audit-*', ['audit-*']],
    ['audit-**', ['audit-*']],
    ['*-eu-*', ['*-eu-*']],
    ['log-20??', ['log-20??']],
    ['shard[0-9]', ['shard?']],
    ['shard[^0]-x', ['shard?-x']],
    ['[abc][abc]-t', ['??-t']],
    ['app-{eu,us}-*', ['app-eu-*', 'app-us-*']],
    ['{a,b}{c,d}', ['ac', 'ad', 'bc', 'bd']],
    ['x-{a,b{1,2}}', ['x-a', 'x-b1', 'x-b2']],
    ['x-{,old-}t', ['x-t', 'x-old-t']],
    ['x-{a,a}', ['x-a']],
    ['t{1..3}', ['t*']],
    ['t{only}x', ['t*x']],
    ['{a*,*b}', ['a*', '*b']],
    ['*{a,b}*', ['*a*', '*b*']],
  ];
  for (const [glob, expected] of cases) {
    assert.equal(globMistake(glob), undefined, `${glob} is a glob a plan accepts`);
    assert.deepEqual(globPatterns(glob), expected, glob);
  }
});

test('too many alternatives: each brace stands for any characters', () => {
  const wide = `t-{${Array.from({ length: MAX_PATTERNS + 1 }, (_, i) => `n${i}`).join(',')}}`;
  assert.deepEqual(globPatterns(wide), ['t-*']);
  assert.deepEqual(globPatterns('{a,b}{a,b}{a,b}{a,b}{a,b}-x'), ['*-x']);
  assert.equal(globPatterns('{a,b}{a,b}{a,b}{a,b}').length, MAX_PATTERNS, 'exactly the limit is expanded');
  // Exponential in the number of braces if it were expanded first: it must answer at once.
  const huge = Array.from({ length: 60 }, () => '{a,b}').join('');
  assert.deepEqual(globPatterns(huge), ['*']);
});

/** Every string of these characters up to `length` long. */
function names(alphabet: readonly string[], length: number): string[] {
  let level = [''];
  const all = [''];
  for (let n = 1; n <= length; n += 1) {
    level = level.flatMap((head) => alphabet.map((c) => head + c));
    all.push(...level);
  }
  return all;
}

test('every name a glob selects is covered by its patterns; without classes or braces, exactly those', () => {
  // Not '', '.' or '..', which no table is named (3 characters at least) and picomatch's * never matches.
  const universe = names(['a', 'b', '1', '-', '.'], 5).filter((n) => !['', '.', '..'].includes(n));
  const globs = [
    '*',
    'a*',
    '*a',
    'a?b',
    '??',
    'a*b*',
    '*-*',
    'a.*',
    '[ab]*',
    '[^a]?',
    '[a-b1]-*',
    '{a,b}*',
    '{a,-}{1,.}',
    '{a*,*b}',
    'a{,b}1',
    '{a,b{1,-}}*',
    '{1..3}',
    'a{b}',
    '*{a,b}*',
    '{a,b}{a,b}{a,b}{a,b}{a,b}',
  ];
  for (const glob of globs) {
    assert.equal(globMistake(glob), undefined, glob);
    const patterns = globPatterns(glob);
    const selects = tableMatcher([glob]);
    const exact = !/[[{]/.test(glob);
    for (const name of universe) {
      const covered = patterns.some((p) => matches(p, name));
      if (selects(name))
        assert.ok(covered, `${glob} selects ${JSON.stringify(name)}: not in ${patterns.join(' ')}`);
      if (exact)
        assert.equal(covered, selects(name), `${glob} and ${patterns.join(' ')} on ${JSON.stringify(name)}`);
    }
  }
});
