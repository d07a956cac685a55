// Pure: a ConditionExpression that holds only while a table still holds an item exactly as a read saw it (or
// still holds nothing), so that verify --two-way --repair never overwrites a write that arrived after its reads.
// Markers alone cannot tell: an app write that leaves them alone, or an unstamped item rewritten, keeps them. So
// every attribute read must still be equal (DynamoDB compares numbers by value and sets as sets), and the markers
// the read did not see must still be absent (an app that only adds an attribute and keeps the rest is not seen:
// documented in the README). DynamoDB's 4 KB limit on an expression bounds the attributes one condition can name.
import type { AttributeValue, UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { Item } from './item-compare.js';
import type { Markers } from '../twoway/markers.js';

export interface Condition {
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, AttributeValue>;
}

/** DynamoDB refuses expressions longer than 4 KB; a condition this long is not attempted. */
export const MAX_CONDITION_LENGTH = 4096;

/**
 * The condition, or undefined when it would be too long to send (the key is then counted as not repaired). Names
 * start with `#u`/`:u` so that it can join another expression's placeholders.
 */
export function unchangedCondition(
  item: Item | undefined,
  keyAttributes: readonly string[],
  markers: Markers,
): Condition | undefined {
  const names: Record<string, string> = {};
  const values: Record<string, AttributeValue> = {};
  if (item === undefined) {
    const [key] = keyAttributes;
    if (key === undefined) throw new TypeError('a table key needs at least one attribute');
    return { ConditionExpression: 'attribute_not_exists(#u0)', ExpressionAttributeNames: { '#u0': key } };
  }
  const terms: string[] = [];
  let i = 0;
  for (const [name, value] of Object.entries(item)) {
    names[`#u${i}`] = name;
    values[`:u${i}`] = value;
    terms.push(`#u${i} = :u${i}`);
    i += 1;
  }
  for (const marker of [markers.version, markers.digest]) {
    if (item[marker] !== undefined) continue;
    names[`#u${i}`] = marker;
    terms.push(`attribute_not_exists(#u${i})`);
    i += 1;
  }
  const expression = terms.join(' AND ');
  if (expression.length > MAX_CONDITION_LENGTH) return undefined;
  return {
    ConditionExpression: expression,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/**
 * An UpdateItem that sets the two markers only (`digest`: the content's digest, or DELETING for a delete's mark),
 * while the item is still `item`: the content stays as read, so the change is an echo to replication (echo.ts).
 * Undefined when the condition would be too long.
 */
export function setMarkersIfUnchanged(
  tableName: string,
  key: Item,
  item: Item,
  keyAttributes: readonly string[],
  markers: Markers,
  marks: { readonly stamp: string; readonly digest: string },
): UpdateItemCommandInput | undefined {
  const unchanged = unchangedCondition(item, keyAttributes, markers);
  if (unchanged === undefined) return undefined;
  return {
    TableName: tableName,
    Key: key,
    UpdateExpression: 'SET #sv = :sv, #sh = :sh',
    ConditionExpression: unchanged.ConditionExpression,
    ExpressionAttributeNames: {
      ...unchanged.ExpressionAttributeNames,
      '#sv': markers.version,
      '#sh': markers.digest,
    },
    ExpressionAttributeValues: {
      ...unchanged.ExpressionAttributeValues,
      ':sv': { S: marks.stamp },
      ':sh': { S: marks.digest },
    },
  };
}
