// A bare parallel Scan of one table, in this process: every segment read page after page (1,000 items), each
// page handed to `onPage` before the segment asks for the next, as the CLI's copy and verify do, so the two can
// be compared step for step. No retries, pacing, checkpoints or logs: the least a parallel scan costs here.
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

export type ScannedItem = Record<string, AttributeValue>;

export interface ParallelScanOptions {
  readonly client: DynamoDBClient;
  readonly table: string;
  readonly segments: number;
  readonly consistentRead?: boolean;
  readonly signal: AbortSignal;
  /** Runs once per page, in the segment's order; the segment's next Scan waits for it. */
  readonly onPage?: (items: readonly ScannedItem[]) => Promise<void> | void;
}

/** Items read by all segments together. */
export async function parallelScan(options: ParallelScanOptions): Promise<number> {
  const { client, table, segments, signal } = options;
  let items = 0;
  const segment = async (index: number): Promise<void> => {
    let startKey: ScannedItem | undefined;
    do {
      if (signal.aborted) throw new Error('interrupted');
      const out = await client.send(
        new ScanCommand({
          TableName: table,
          Segment: index,
          TotalSegments: segments,
          ExclusiveStartKey: startKey,
          Limit: 1000,
          ConsistentRead: options.consistentRead ?? false,
        }),
        { abortSignal: signal },
      );
      const page = out.Items ?? [];
      items += page.length;
      await options.onPage?.(page);
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined);
  };
  await Promise.all(Array.from({ length: segments }, (_, i) => segment(i)));
  return items;
}
