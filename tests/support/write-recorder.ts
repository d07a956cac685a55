// An HTTP proxy in front of the destination's DynamoDB that records every write of every BatchWriteItem in the
// order the requests arrive, so a test can check per-key order: for one key, the images written must follow the
// order of the source's changes (replays of the same change allowed, never an older one after a newer one).
// A fleet test gives each worker its own recorder (its --dest-endpoint) with a label and one shared list, so
// every write says which worker sent it while the list keeps the order of arrival across workers.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { groupBy } from './group-by.js';

export interface RecordedWrite {
  readonly key: string;
  readonly op: 'put' | 'delete';
  /** The label of the recorder that saw it (which worker sent it, when each worker has its own). */
  readonly by: string;
  /** The item as written (puts), for the test to read its version attribute. */
  readonly item: Record<string, unknown> | undefined;
}

interface BatchBody {
  RequestItems?: Record<
    string,
    { PutRequest?: { Item: Record<string, unknown> }; DeleteRequest?: { Key: Record<string, unknown> } }[]
  >;
}

export interface RecorderOptions {
  /** Stamped on every write this recorder sees. */
  readonly label?: string;
  /** The list to append to: several recorders may share one, which then holds the writes in arrival order. */
  readonly into?: RecordedWrite[];
}

export class WriteRecorder {
  readonly writes: RecordedWrite[];
  readonly label: string;
  readonly #server: Server;
  readonly #target: URL;
  readonly #keyOf: (item: Record<string, unknown>) => string;
  port = 0;

  private constructor(
    target: string,
    keyOf: (item: Record<string, unknown>) => string,
    options: RecorderOptions,
  ) {
    this.writes = options.into ?? [];
    this.label = options.label ?? '';
    this.#target = new URL(target);
    this.#keyOf = keyOf;
    this.#server = createServer((req, res) => {
      void this.#forward(req).then(
        ({ status, headers, body }) => {
          res.writeHead(status, headers);
          res.end(body);
        },
        () => {
          res.destroy();
        },
      );
    });
  }

  static async start(
    target: string,
    keyOf: (item: Record<string, unknown>) => string,
    options: RecorderOptions = {},
  ): Promise<WriteRecorder> {
    const recorder = new WriteRecorder(target, keyOf, options);
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

  async #forward(
    req: IncomingMessage,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (String(req.headers['x-amz-target']).endsWith('.BatchWriteItem')) this.#record(body);
    return new Promise((resolve, reject) => {
      const upstream = request(
        {
          host: this.#target.hostname,
          port: this.#target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (chunk: Buffer) => parts.push(chunk));
          res.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(res.headers)) {
              if (typeof value === 'string') headers[name] = value;
            }
            resolve({ status: res.statusCode ?? 500, headers, body: Buffer.concat(parts) });
          });
          res.on('error', reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  #record(body: Buffer): void {
    const parsed = JSON.parse(body.toString('utf8')) as BatchBody;
    for (const writes of Object.values(parsed.RequestItems ?? {})) {
      for (const write of writes) {
        if (write.PutRequest !== undefined) {
          const item = write.PutRequest.Item;
          this.writes.push({ key: this.#keyOf(item), op: 'put', item, by: this.label });
        } else if (write.DeleteRequest !== undefined) {
          this.writes.push({
            key: this.#keyOf(write.DeleteRequest.Key),
            op: 'delete',
            item: undefined,
            by: this.label,
          });
        }
      }
    }
  }
}

/**
 * Checks that, per key, the recorded writes are a subsequence of the source's changes in order (`ops` per key as
 * 'put:<version>' or 'delete'); a write may repeat the change before it (a retry), never go back further.
 * `mayGoBack(newest, write)` allows going back where the caller knows a replay from an older checkpoint is
 * legitimate (after a worker died with writes not yet checkpointed, the next owner starts from the checkpoint):
 * `newest` is the write that reached the furthest change so far. Returns the keys that broke the order, with
 * the offending sequence.
 */
export function perKeyOrderViolations<W extends { key: string; op: string }>(
  recorded: readonly W[],
  sourceOps: ReadonlyMap<string, readonly string[]>,
  options: { mayGoBack?: (newest: W, write: W) => boolean } = {},
): string[] {
  const byKey = groupBy(recorded, (write) => write.key);
  const violations: string[] = [];
  for (const [key, written] of byKey) {
    const source = sourceOps.get(key) ?? [];
    let at = -1;
    let newest: W | undefined;
    for (const write of written) {
      const op = write.op;
      if (at >= 0 && source[at] === op) {
        newest = write; // the same change again
        continue;
      }
      // The earliest match keeps the most room for later writes (several deletes look alike).
      let next = source.indexOf(op, at + 1);
      if (next < 0 && newest !== undefined && options.mayGoBack?.(newest, write) === true) {
        next = source.indexOf(op);
      }
      if (next < 0) {
        const shown = written.map((w) => w.op).join(',');
        violations.push(`${key}: wrote ${shown} but the source changed ${source.join(',')}`);
        break;
      }
      at = next;
      newest = write;
    }
  }
  return violations;
}
