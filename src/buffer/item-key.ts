// A canonical string for an item's primary key, so that two records of one item meet in the same buffer slot.
// Numbers are normalised the way DynamoDB compares them ("1.50" and "1.5" are one key), binary by its bytes.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Item } from '../stream/change-record.js';

export function itemKey(keys: Item, keyAttributes: readonly string[]): string {
  const name = keyAttributes[0];
  if (keyAttributes.length === 1 && name !== undefined) {
    // A hash-only key: its one encoded value is unambiguous (a table's key schema is fixed), and skipping the
    // JSON array matters where every item of a table passes through here (verify pairs all of them).
    const value = keys[name];
    if (value === undefined) throw new TypeError(`key attribute ${name} is missing from the record's keys`);
    return encodeKeyValue(value);
  }
  const parts: string[] = [];
  for (const name of keyAttributes) {
    const value = keys[name];
    if (value === undefined) throw new TypeError(`key attribute ${name} is missing from the record's keys`);
    parts.push(encodeKeyValue(value));
  }
  return JSON.stringify(parts);
}

function encodeKeyValue(value: AttributeValue): string {
  if (value.S !== undefined) return `S${value.S}`;
  if (value.N !== undefined) return `N${normalizeNumber(value.N)}`;
  if (value.B !== undefined) return `B${Buffer.from(value.B).toString('base64')}`;
  throw new TypeError('a key attribute must be of type S, N or B');
}

/**
 * The canonical decimal form of a DynamoDB number: no sign for zero, no leading or trailing zeros, exponent
 * folded in as "digits" + "e" + power. "1.50", "15e-1" and "+1.5" all give "15e-1".
 */
export function normalizeNumber(text: string): string {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (match === null) throw new TypeError(`not a number: ${text}`);
  const sign = match[1] === '-' ? '-' : '';
  const whole = match[2] ?? '';
  const fraction = match[3] ?? '';
  if (whole === '' && fraction === '') throw new TypeError(`not a number: ${text}`);
  const exponent = Number(match[4] ?? '0') - fraction.length;
  let digits = (whole + fraction).replace(/^0+/, '');
  if (digits === '') return '0';
  let power = exponent;
  const trailing = /0+$/.exec(digits);
  if (trailing !== null) {
    power += trailing[0].length;
    digits = digits.slice(0, -trailing[0].length);
  }
  return `${sign}${digits}e${power}`;
}
