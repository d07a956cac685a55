// Sequence numbers as DynamoDB Streams writes them: decimal strings, increasing within a stream, zero-padded to
// at least 21 digits. Inside the model they are bigints, so ordering never depends on string length.

export const SEQUENCE_DIGITS = 21;

export function formatSequenceNumber(value: bigint): string {
  return value.toString().padStart(SEQUENCE_DIGITS, '0');
}

/** The bigint of a sequence number, or undefined when it is not a plain decimal string. */
export function parseSequenceNumber(value: unknown): bigint | undefined {
  if (typeof value !== 'string' || !/^\d{1,48}$/.test(value)) return undefined;
  return BigInt(value);
}
