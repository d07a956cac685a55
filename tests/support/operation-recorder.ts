// An HTTP proxy in front of a DynamoDB (Local) endpoint that records what each request asks IAM for: the action
// and the resource, as AWS authorizes them. Most operations are one action on the table in TableName; a batch is
// its action on each table of RequestItems; a transaction is each item's own action (a ConditionCheck is
// dynamodb:ConditionCheckItem, a Put dynamodb:PutItem, ...) on its table; a stream operation is on its stream, and
// GetRecords, which names only an iterator, on the stream that iterator was handed out for (followed through the
// answers). A request with nothing to name is on "*", which no policy of ours allows. It forwards through a
// FaultProxy without faults (loopback only).
import { FaultProxy } from './fault-proxy.js';

export interface RecordedPermission {
  /** dynamodb:BatchWriteItem, dynamodb:ConditionCheckItem, ... */
  readonly action: string;
  /** A table name (or ARN, as the request gave it), a stream ARN, or "*". */
  readonly resource: string;
  /** The operation that asked for it (X-Amz-Target's last part). */
  readonly operation: string;
}

type Body = Record<string, unknown>;

const TRANSACT_ACTIONS: Record<string, string> = {
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  Get: 'dynamodb:GetItem',
};

/**
 * The permissions one request needs. `streamOf` finds the stream of a shard iterator (GetRecords names no
 * stream); undefined: unknown, recorded as "*".
 */
export function requestPermissions(
  operation: string,
  body: Body,
  streamOf: (iterator: string) => string | undefined,
): RecordedPermission[] {
  const on = (resource: string, action = `dynamodb:${operation}`): RecordedPermission => ({
    action,
    resource,
    operation,
  });
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  if (operation === 'BatchWriteItem' || operation === 'BatchGetItem') {
    return Object.keys((body.RequestItems ?? {}) as Body).map((table) => on(table));
  }
  if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    return ((body.TransactItems ?? []) as Body[]).flatMap((item) =>
      Object.entries(item).map(([kind, part]) =>
        on(text((part as Body).TableName) ?? '*', TRANSACT_ACTIONS[kind] ?? `dynamodb:${kind}`),
      ),
    );
  }
  if (operation === 'BatchExecuteStatement' || operation === 'ExecuteStatement') {
    const statements = operation === 'ExecuteStatement' ? [body] : ((body.Statements ?? []) as Body[]);
    return statements.map((statement) => {
      // IAM authorizes a PartiQL statement by its verb (PartiQLUpdate, ...) on the table it names.
      const found = /^\s*(UPDATE|INSERT\s+INTO|DELETE\s+FROM|SELECT\s+.*?\s+FROM)\s+"([^"]+)"/is.exec(
        text(statement.Statement) ?? '',
      );
      const verb = (found?.[1] ?? '').split(/\s+/)[0]?.toLowerCase() ?? '';
      const action = `dynamodb:PartiQL${verb.charAt(0).toUpperCase()}${verb.slice(1)}`;
      return on(found?.[2] ?? '*', found === null ? `dynamodb:${operation}` : action);
    });
  }
  if (operation === 'GetRecords') return [on(streamOf(text(body.ShardIterator) ?? '') ?? '*')];
  const resource = text(body.TableName) ?? text(body.StreamArn) ?? text(body.ResourceArn) ?? '*';
  return [on(resource)];
}

export class OperationRecorder {
  readonly permissions: RecordedPermission[] = [];
  readonly #proxy: FaultProxy;
  /** Shard iterator -> its stream, from GetShardIterator and GetRecords answers. */
  readonly #iterators = new Map<string, string>();

  private constructor(proxy: FaultProxy) {
    this.#proxy = proxy;
    proxy.observeExchanges(({ operation, requestBody, responseBody }) => {
      const body = parse(requestBody);
      this.permissions.push(...requestPermissions(operation, body, (it) => this.#iterators.get(it)));
      this.#follow(operation, body, parse(responseBody));
    });
  }

  static async start(endpoint: string): Promise<OperationRecorder> {
    return new OperationRecorder(await FaultProxy.start(endpoint));
  }

  get endpoint(): string {
    return this.#proxy.endpoint;
  }

  async close(): Promise<void> {
    await this.#proxy.close();
  }

  /** Remembers which stream each iterator handed out belongs to. */
  #follow(operation: string, request: Body, answer: Body): void {
    const stream =
      operation === 'GetShardIterator'
        ? (request.StreamArn as string | undefined)
        : operation === 'GetRecords'
          ? this.#iterators.get(request.ShardIterator as string)
          : undefined;
    const next = (answer.ShardIterator ?? answer.NextShardIterator) as string | undefined;
    if (stream !== undefined && next !== undefined) this.#iterators.set(next, stream);
  }
}

function parse(raw: Buffer): Body {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Body) : {};
  } catch {
    return {};
  }
}
