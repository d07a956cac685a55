// The trace lines of two-way's writes (twoway-requests.ts): what a conditional write or a put transaction asked
// and what came back, with the stamp and digests of the item, for following one key through a run. Nothing is
// built unless the trace level is on.
import type { Logger } from 'pino';
import type { Item } from '../stream/change-record.js';
import type { putIfNewerThanTombstone } from './conditional-apply.js';
import { digestOf, readStamp, type Markers } from './markers.js';

export interface TraceDeps {
  readonly logger: Logger;
  readonly markers: Markers;
}

export function traceWrite(
  deps: TraceDeps,
  command: {
    input: {
      TableName?: string | undefined;
      Key?: Item | undefined;
      Item?: Item | undefined;
      ConditionExpression?: string | undefined;
    };
  },
  outcome: string,
  item: Item | undefined,
): void {
  const { logger, markers } = deps;
  if (!logger.isLevelEnabled('trace')) return;
  logger.trace(
    {
      op: command.constructor.name,
      table: command.input.TableName,
      key: command.input.Key ?? command.input.Item,
      cond: command.input.ConditionExpression,
      outcome,
      v: readStamp(item, markers),
      h: item?.[markers.digest]?.S,
      d: item === undefined ? undefined : digestOf(item, markers),
    },
    'two-way write',
  );
}

export function traceTransact(
  deps: TraceDeps,
  request: ReturnType<typeof putIfNewerThanTombstone>,
  outcome: string,
): void {
  const { logger, markers } = deps;
  if (!logger.isLevelEnabled('trace')) return;
  const put = request.TransactItems?.[1]?.Put;
  logger.trace(
    {
      op: 'Transact',
      table: put?.TableName,
      key: put?.Item,
      cond: put?.ConditionExpression,
      pred: put?.ExpressionAttributeValues?.[':pred']?.S,
      outcome,
      v: readStamp(put?.Item, markers),
      d: put?.Item === undefined ? undefined : digestOf(put.Item, markers),
    },
    'two-way write',
  );
}
