// Checks of flag values shared by every command, each ending in a ConfigError that names the flag.
import { ConfigError } from '../errors/replicator-error.js';
import { parseTableArn } from './table-arn.js';

const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

/** A table name; with `orArn`, also a table ARN (a table of another account, reached by its resource policy). */
export function requireTableName(value: string | undefined, flag: string, orArn = false): string {
  if (value === undefined || value === '') throw new ConfigError(`missing ${flag}: name the table`);
  if (orArn && value.startsWith('arn:')) {
    if (parseTableArn(value) === undefined) {
      throw new ConfigError(
        `${flag} ${JSON.stringify(value)} is not a table ARN: write it as arn:aws:dynamodb:<region>:<12-digit account>:table/<name>`,
      );
    }
    return value;
  }
  if (!TABLE_NAME.test(value)) {
    throw new ConfigError(
      `${flag} ${JSON.stringify(value)} is not a valid DynamoDB table name (3-255 of a-z A-Z 0-9 _ - .)`,
    );
  }
  return value;
}

export function checkEndpoint(value: string | undefined, flag: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${flag} ${JSON.stringify(value)} is not a URL: write it as http://host:port`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${flag} ${JSON.stringify(value)} must start with http:// or https://`);
  }
  return value;
}

export function checkRange(value: number, min: number, max: number, flag: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${flag} must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
}
