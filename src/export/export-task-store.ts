// The export a bootstrap task loads, recorded in the lease table beside the task item (key bootstrap#export, left
// out by the lease store's list() like the copy's other items) at the task's first start, so that every later start
// and every worker loads the same export, and a task started as a scan copy is never continued as a load.
import { GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BOOTSTRAP_KEY_PREFIX } from '../lease/lease-store.js';
import { unlessConditionFailed } from '../lease/unless-condition-failed.js';

export const EXPORT_KEY = `${BOOTSTRAP_KEY_PREFIX}export`;

export interface ExportTaskItem {
  /** The ARNs of the exports applied, in order. */
  readonly exportArns: readonly string[];
  readonly endMs: number;
  readonly files: number;
}

export class ExportTaskStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;

  constructor(client: DynamoDBClient, tableName: string) {
    this.#client = client;
    this.#table = tableName;
  }

  async read(signal?: AbortSignal): Promise<ExportTaskItem | undefined> {
    const out = await this.#client.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: { leaseKey: { S: EXPORT_KEY } },
        ConsistentRead: true,
      }),
      { abortSignal: signal },
    );
    const item = out.Item;
    if (item === undefined) return undefined;
    return {
      exportArns: item.exportArns?.L?.map((v) => v.S ?? '') ?? [],
      endMs: Number(item.endMs?.N ?? '0'),
      files: Number(item.files?.N ?? '0'),
    };
  }

  /** Records the export unless one is recorded (false then: read it). */
  async create(task: ExportTaskItem, signal?: AbortSignal): Promise<boolean> {
    return unlessConditionFailed(async () => {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: {
            leaseKey: { S: EXPORT_KEY },
            exportArns: { L: task.exportArns.map((arn) => ({ S: arn })) },
            endMs: { N: String(task.endMs) },
            files: { N: String(task.files) },
          },
          ConditionExpression: 'attribute_not_exists(leaseKey)',
        }),
        { abortSignal: signal },
      );
      return true;
    }, false);
  }
}
