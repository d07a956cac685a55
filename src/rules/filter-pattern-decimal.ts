// Exact comparison of decimal number strings. DynamoDB numbers carry up to 38 significant digits, more than a
// double holds, so `numeric` rules compare the N attribute's text digit by digit instead of through Number().

/** A decimal as sign × digits × 10^exponent, digits without leading or trailing zeros ('' for zero). */
export interface Decimal {
  readonly sign: -1 | 0 | 1;
  readonly digits: string;
  readonly exponent: number;
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Parses a decimal string such as "-12.50", "1E+3" or "007"; undefined when it is not a plain number. */
export function parseDecimal(text: string): Decimal | undefined {
  const match = DECIMAL.exec(text);
  if (match === null) return undefined;
  const whole = match[2] ?? '';
  const fraction = match[3] ?? '';
  if (whole.length + fraction.length === 0) return undefined;
  const exponent = match[4] === undefined ? 0 : Number(match[4]);
  if (!Number.isSafeInteger(exponent)) return undefined;
  let digits = whole + fraction;
  let scale = exponent - fraction.length;
  let start = 0;
  while (start < digits.length && digits.charCodeAt(start) === 48) start += 1;
  let end = digits.length;
  while (end > start && digits.charCodeAt(end - 1) === 48) end -= 1;
  scale += digits.length - end;
  digits = digits.slice(start, end);
  if (digits === '') return { sign: 0, digits: '', exponent: 0 };
  return { sign: match[1] === '-' ? -1 : 1, digits, exponent: scale };
}

/** Converts a JS number (a value found outside DynamoDB JSON) through its shortest round-trip text. */
export function decimalOfNumber(value: number): Decimal | undefined {
  return Number.isFinite(value) ? parseDecimal(String(value)) : undefined;
}

/** -1, 0 or 1 as `a` is below, equal to or above `b`. */
export function compareDecimal(a: Decimal, b: Decimal): number {
  if (a.sign !== b.sign) return a.sign < b.sign ? -1 : 1;
  if (a.sign === 0) return 0;
  return a.sign * compareMagnitude(a, b);
}

function compareMagnitude(a: Decimal, b: Decimal): number {
  // The power of ten of the leading digit decides first; equal leading powers compare digit by digit.
  const aTop = a.digits.length + a.exponent;
  const bTop = b.digits.length + b.exponent;
  if (aTop !== bTop) return aTop < bTop ? -1 : 1;
  const length = Math.max(a.digits.length, b.digits.length);
  const aDigits = a.digits.padEnd(length, '0');
  const bDigits = b.digits.padEnd(length, '0');
  return aDigits === bDigits ? 0 : aDigits < bDigits ? -1 : 1;
}
