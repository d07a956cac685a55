// An HTTP proxy in front of a DynamoDB (Local) endpoint that records what each request asks IAM for: the action
// and the resource, as AWS authorizes them. Most operations are one action on the table in TableName; a batch is
// its action on each table of RequestItems; a transaction is each item's own action (a ConditionCheck is
// dynamodb:ConditionCheckItem, a Put dynamodb:PutItem, ...) on its table; a stream operation is on its stream, and
// GetRecords, which names only an iterator, on the stream that iterator was handed out for (followed through the
// answers). A request with nothing to name is on "*", which no policy of ours allows. Loopback only.
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';

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
  if (operation === 'GetRecords') return [on(streamOf(text(body.ShardIterator) ?? '') ?? '*')];
  const resource = text(body.TableName) ?? text(body.StreamArn) ?? text(body.ResourceArn) ?? '*';
  return [on(resource)];
}

export class OperationRecorder {
  readonly permissions: RecordedPermission[] = [];
  readonly #server: Server;
  readonly #target: URL;
  /** Shard iterator -> its stream, from GetShardIterator and GetRecords answers. */
  readonly #iterators = new Map<string, string>();
  port = 0;

  private constructor(target: URL) {
    this.#target = target;
    this.#server = createServer((req, res) => {
      void this.#handle(req).then(
        (answer) => {
          res.writeHead(answer.status, answer.headers);
          res.end(answer.body);
        },
        () => res.destroy(),
      );
    });
  }

  static async start(endpoint: string): Promise<OperationRecorder> {
    const recorder = new OperationRecorder(new URL(endpoint));
    await new Promise<void>((resolve) => recorder.#server.listen(0, '127.0.0.1', () => resolve()));
    const address = recorder.#server.address();
    recorder.port = typeof address === 'object' && address !== null ? address.port : 0;
    return recorder;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage): Promise<Upstream> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const target = req.headers['x-amz-target'];
    const operation = (Array.isArray(target) ? target[0] : target)?.split('.').pop() ?? 'unknown';
    const body = parse(raw);
    this.permissions.push(...requestPermissions(operation, body, (it) => this.#iterators.get(it)));
    const answer = await this.#forward(req, raw);
    this.#follow(operation, body, parse(answer.body));
    return answer;
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

  async #forward(req: IncomingMessage, body: Buffer): Promise<Upstream> {
    const headers = { ...req.headers, 'content-length': String(body.length) };
    delete headers.connection;
    return new Promise<Upstream>((resolve, reject) => {
      const upstream = httpRequest(
        {
          host: this.#target.hostname,
          port: Number(this.#target.port),
          method: req.method,
          path: req.url,
          headers,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const out: Record<string, string | string[]> = {};
            for (const [name, value] of Object.entries(response.headers)) {
              if (value !== undefined && name !== 'connection' && name !== 'transfer-encoding')
                out[name] = value;
            }
            const payload = Buffer.concat(chunks);
            out['content-length'] = String(payload.length);
            resolve({ status: response.statusCode ?? 502, headers: out, body: payload });
          });
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }
}

interface Upstream {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

function parse(raw: Buffer): Body {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Body) : {};
  } catch {
    return {};
  }
}
