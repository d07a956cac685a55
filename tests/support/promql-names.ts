// The metric names a PromQL expression reads, for the test that checks the dashboard and the alert rules in ops/
// against what a running worker exports. Not a PromQL parser: enough of the grammar to tell metric names from
// functions, aggregations, keywords, label names, durations, numbers and strings. What it cannot judge (a name
// given as `__name__`, a Grafana variable outside a string or a range) makes it throw rather than guess, so that
// a query it would misread fails the test instead of passing it.

/** Words of PromQL that are not metric names and are not followed by `(` (aggregations and functions are). */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'atan2',
  'inf',
  'nan',
]);

export function metricNames(expr: string): string[] {
  if (expr.includes('__name__')) throw new Error(`a metric named by __name__ is not understood: ${expr}`);
  const rest = expr
    // Strings: label values, regular expressions, Grafana variables inside them.
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    // Label matchers (their names are labels, not metrics).
    .replace(/\{[^{}]*\}/g, ' ')
    // Ranges and subqueries: durations and Grafana's $__rate_interval.
    .replace(/\[[^\]]*\]/g, ' ')
    // Label lists of aggregations and vector matching.
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)/g, ' ');
  if (rest.includes('$'))
    throw new Error(`a variable outside a string or a range is not understood: ${expr}`);
  const names = new Set<string>();
  for (const match of rest.matchAll(/[A-Za-z_:][\w:]*/g)) {
    const name = match[0];
    const before = rest[match.index - 1];
    // The tail of a number or a duration: 1e3, 5m.
    if (before !== undefined && /[\d.]/.test(before)) continue;
    // A function or an aggregation: rate(, sum (, histogram_quantile(.
    if (/^\s*\(/.test(rest.slice(match.index + name.length))) continue;
    if (KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

/**
 * The metric families a Prometheus text exposition declares (`# TYPE name kind`), and the series names each
 * answers to: a histogram's `_bucket`, `_sum` and `_count`, a summary's `_sum` and `_count`.
 */
export function exportedNames(exposition: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, family = '', kind = ''] = match;
    names.set(family, family);
    if (kind === 'histogram') names.set(`${family}_bucket`, family);
    if (kind === 'histogram' || kind === 'summary') {
      names.set(`${family}_sum`, family);
      names.set(`${family}_count`, family);
    }
  }
  return names;
}
