// The dead-letter table's I/O, beside the lease table and reached with its client: created on demand (racing
// workers: "already being created" is fine), one item per refused change (dead-letter-item.ts). Every call is
// retried while its errors are retriable: a dead letter not stored would hold its flush's checkpoint back.
import {
  DeleteItemCommand,
  DescribeTableCommand,
  PutItemCommand,
  QueryCommand,
  ResourceNotFoundException,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { classifyError } from '../errors/classify-error.js';
import { unlessConditionFailed } from '../lease/unless-condition-failed.js';
import { ensureTable } from '../util/ensure-table.js';
import { retrying } from '../util/retry.js';
import { fromDeadLetterItem, sortKeyOf, toDeadLetterItem, type DeadLetter } from './dead-letter-item.js';

export class DeadLetterStore {
  readonly #client: DynamoDBClient;
  readonly tableName: string;

  constructor(client: DynamoDBClient, tableName: string) {
    this.#client = client;
    this.tableName = tableName;
  }

  /** Creates the table (pk S, sk S, on demand) if missing and waits until it is active. */
  async ensureTable(signal?: AbortSignal): Promise<{ created: boolean }> {
    return ensureTable(
      this.#client,
      {
        TableName: this.tableName,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      },
      signal,
    );
  }

  /** Whether the table exists (status, list on a task that never dead-lettered). */
  async exists(signal?: AbortSignal): Promise<boolean> {
    try {
      await this.#client.send(new DescribeTableCommand({ TableName: this.tableName }), {
        abortSignal: signal,
      });
      return true;
    } catch (err) {
      if (err instanceof ResourceNotFoundException) return false;
      throw err;
    }
  }

  /**
   * Stores one dead letter; a record too large whole is stored without its replaced changes and old image. A letter
   * already stored for the same change (a flush replayed after a crash) is kept as it is: it holds the change's
   * own error, where the replay would only say that the key is blocked by it.
   */
  async put(letter: DeadLetter, signal?: AbortSignal): Promise<void> {
    const send = (trim: boolean): Promise<unknown> =>
      retrying(
        () =>
          unlessConditionFailed(
            () =>
              this.#client.send(
                new PutItemCommand({
                  TableName: this.tableName,
                  Item: toDeadLetterItem(letter, trim),
                  ConditionExpression: 'attribute_not_exists(sk)',
                }),
                { abortSignal: signal },
              ),
            undefined,
          ),
        { signal },
      );
    try {
      await send(false);
    } catch (err) {
      const verdict = classifyError(err);
      if (verdict.kind !== 'fatal' || verdict.reason !== 'validation') throw err;
      await send(true);
    }
  }

  /** Whether any dead letter of this key is still there (replay or purge may have removed them). */
  async hasKey(key: string, signal?: AbortSignal): Promise<boolean> {
    const out = await retrying(
      () =>
        this.#client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :k',
            ExpressionAttributeValues: { ':k': { S: key } },
            ProjectionExpression: 'pk',
            ConsistentRead: true,
            Limit: 1,
          }),
          { abortSignal: signal },
        ),
      { signal },
    );
    return (out.Items?.length ?? 0) > 0;
  }

  /** The keys with dead letters (the table normally holds few items). */
  async keys(signal?: AbortSignal): Promise<Set<string>> {
    const keys = new Set<string>();
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await retrying(
        () =>
          this.#client.send(
            new ScanCommand({
              TableName: this.tableName,
              ProjectionExpression: 'pk',
              ConsistentRead: true,
              ExclusiveStartKey: start,
            }),
            { abortSignal: signal },
          ),
        { signal },
      );
      for (const item of page.Items ?? []) if (item.pk?.S !== undefined) keys.add(item.pk.S);
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return keys;
  }

  /** One key's dead letters, oldest change first. */
  async ofKey(key: string, signal?: AbortSignal): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await retrying(
        () =>
          this.#client.send(
            new QueryCommand({
              TableName: this.tableName,
              KeyConditionExpression: 'pk = :k',
              ExpressionAttributeValues: { ':k': { S: key } },
              ConsistentRead: true,
              ExclusiveStartKey: start,
            }),
            { abortSignal: signal },
          ),
        { signal },
      );
      for (const item of page.Items ?? []) letters.push(fromDeadLetterItem(item));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return letters;
  }

  /** Every dead letter, by key and then in change order. */
  async all(signal?: AbortSignal): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await retrying(
        () =>
          this.#client.send(
            new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: start }),
            { abortSignal: signal },
          ),
        { signal },
      );
      for (const item of page.Items ?? []) letters.push(fromDeadLetterItem(item));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return letters.sort(
      (a, b) =>
        compare(a.key, b.key) ||
        compare(sortKeyOf(a.change.sequenceNumber), sortKeyOf(b.change.sequenceNumber)),
    );
  }

  /** How many dead letters wait (a Select COUNT scan); undefined when the table does not exist. */
  async count(signal?: AbortSignal): Promise<number | undefined> {
    let total = 0;
    let start: Record<string, AttributeValue> | undefined;
    try {
      do {
        const page = await this.#client.send(
          new ScanCommand({ TableName: this.tableName, Select: 'COUNT', ExclusiveStartKey: start }),
          { abortSignal: signal },
        );
        total += page.Count ?? 0;
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
    } catch (err) {
      if (err instanceof ResourceNotFoundException) return undefined;
      throw err;
    }
    return total;
  }

  async delete(letter: DeadLetter, signal?: AbortSignal): Promise<void> {
    await retrying(
      () =>
        this.#client.send(
          new DeleteItemCommand({
            TableName: this.tableName,
            Key: { pk: { S: letter.key }, sk: { S: sortKeyOf(letter.change.sequenceNumber) } },
          }),
          { abortSignal: signal },
        ),
      { signal },
    );
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
