// Pure: whether a policy document allows an action on a resource, as IAM matches them: an action by name (case
// does not matter) or a pattern, a resource by its ARN or a pattern, where `*` stands for any characters and `?`
// for one. Only what the documents here use (Allow statements, Action, Resource, Principal); a test's view of a
// policy, so that "the policy covers what the commands call" is checked, not assumed.
import type { PolicyDocument, PolicyStatement } from './policy-document.js';

export function policyAllows(
  document: PolicyDocument,
  action: string,
  resource: string,
  principal?: string,
): boolean {
  return document.Statement.some(
    (statement) =>
      statement.Effect === 'Allow' &&
      statement.Action.some((pattern) => matches(pattern.toLowerCase(), action.toLowerCase())) &&
      list(statement.Resource).some((pattern) => matches(pattern, resource)) &&
      (principal === undefined || principalMatches(statement, principal)),
  );
}

function principalMatches(statement: PolicyStatement, principal: string): boolean {
  return list(statement.Principal?.AWS).some((pattern) => pattern === '*' || pattern === principal);
}

function list(value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/** IAM's wildcard match: `*` any run of characters (also `/` and `:`), `?` one character. */
export function matches(pattern: string, value: string): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(value);
}
