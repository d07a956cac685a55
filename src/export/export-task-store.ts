// The export a bootstrap task loads, recorded in the lease table beside the task item (key bootstrap#export, left
// out by the lease store's list() like the copy's other items) at the task's first start, so that every later start
// and every worker loads the same export, and a task started as a scan copy is never continued as a load. Read with
// the copy's own Scan (the bootstrap's IAM statements allow Scan and PutItem on the lease table, not GetItem).
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { bootstrapItemsFrom, type BootstrapTask } from '../bootstrap/bootstrap-items.js';
import { scanCopyItems } from '../bootstrap/segment-store.js';
import { BOOTSTRAP_KEY_PREFIX } from '../lease/lease-store.js';
import { unlessConditionFailed } from '../lease/unless-condition-failed.js';

export const EXPORT_KEY = `${BOOTSTRAP_KEY_PREFIX}export`;

export interface ExportTaskItem {
  /** The folder as given at the first start, for the line that tells a scan-copy start to use it. */
  readonly location: string;
  /** The ARNs of the exports applied, in order. */
  readonly exportArns: readonly string[];
  readonly endMs: number;
  readonly files: number;
}

export interface CopyItems {
  readonly task: BootstrapTask | undefined;
  readonly loads: ExportTaskItem | undefined;
}

export class ExportTaskStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;

  constructor(client: DynamoDBClient, tableName: string) {
    this.#client = client;
    this.#table = tableName;
  }

  /** The copy's task and the export it loads (undefined: a scan copy, or no copy), in one Scan. */
  async read(signal?: AbortSignal): Promise<CopyItems> {
    const items = await scanCopyItems(this.#client, this.#table, signal);
    const item = items.find((i) => i.leaseKey?.S === EXPORT_KEY);
    return {
      task: bootstrapItemsFrom(items).task,
      loads:
        item === undefined
          ? undefined
          : {
              location: item.location?.S ?? '',
              exportArns: item.exportArns?.L?.map((v) => v.S ?? '') ?? [],
              endMs: Number(item.endMs?.N ?? '0'),
              files: Number(item.files?.N ?? '0'),
            },
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
            location: { S: task.location },
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
