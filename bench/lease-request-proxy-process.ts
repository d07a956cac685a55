// The child process behind lease-request-proxy.ts: one HTTP proxy per worker name in front of the lease table's
// DynamoDB Local, without delay, counting each request by what it does to the lease table (a Scan, a renewal, a
// checkpoint, a take...: read from the operation and, for an UpdateItem or a transaction's items, the
// UpdateExpression) and whether
// DynamoDB refused it. A process of its own, so that forwarding hundreds of requests a second does not share an
// event loop with the stream server the benchmark also runs. Started with the target and the names as
// arguments; sends `{ ports }` once listening and answers every `{ id }` message with `{ id, counts }`.
import { Agent, createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

const TARGET_PREFIX = 'DynamoDB_20120810.';

/** UpdateExpression openings of the lease store's writes (src/lease/dynamo-lease-store.ts, worker-presence.ts). */
const UPDATE_KINDS: readonly (readonly [string, string])[] = [
  ['SET leaseCounter = leaseCounter + :one, lastRenewedAt', 'renew'],
  ['SET #checkpoint', 'checkpoint'],
  ['SET heartbeat', 'heartbeat'],
  ['SET leaseOwner = :owner', 'take'],
  ['SET leaseOwner = :to', 'handOver'],
  ['SET pendingOwner', 'requestHandover'],
  ['REMOVE leaseOwner', 'release'],
];

function updateKind(update: { UpdateExpression?: unknown }): string {
  const expression = update.UpdateExpression;
  if (typeof expression !== 'string') return 'UpdateItem?';
  return UPDATE_KINDS.find(([prefix]) => expression.startsWith(prefix))?.[1] ?? 'UpdateItem';
}

/**
 * The request's kind, and for a transaction the kind of its items (by its first: the lease store sends one kind
 * per transaction) and their number: `tx:renew` with 25 items is 25 renewals in one request.
 */
function requestKind(operation: string, body: string): { kind: string; items?: { kind: string; n: number } } {
  if (operation !== 'UpdateItem' && operation !== 'TransactWriteItems') return { kind: operation };
  let parsed: { UpdateExpression?: unknown; TransactItems?: unknown };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return { kind: `${operation}?` };
  }
  if (operation === 'UpdateItem') return { kind: updateKind(parsed) };
  const items = Array.isArray(parsed.TransactItems)
    ? (parsed.TransactItems as Record<string, unknown>[])
    : [];
  const [first] = items;
  const action = first === undefined ? undefined : Object.keys(first)[0];
  const inner =
    action === 'Update' ? updateKind(first?.Update as { UpdateExpression?: unknown }) : (action ?? 'empty');
  return { kind: `tx:${inner}`, items: { kind: inner, n: items.length } };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

async function main(): Promise<void> {
  const [target, ...names] = process.argv.slice(2);
  if (target === undefined || names.length === 0) throw new Error('usage: <target> <name>...');
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  /** counts[name][kind]; refused requests as `<kind>:refused`. */
  const counts: Record<string, Record<string, number>> = {};
  const ports: Record<string, number> = {};
  for (const name of names) {
    const mine: Record<string, number> = {};
    counts[name] = mine;
    const server = createServer((req, res) => {
      void (async () => {
        const body = await readBody(req);
        const header = req.headers['x-amz-target'];
        const operation =
          typeof header === 'string' && header.startsWith(TARGET_PREFIX)
            ? header.slice(TARGET_PREFIX.length)
            : 'other';
        const { kind, items } = requestKind(operation, body.toString());
        const out = httpRequest(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: req.url,
            headers: req.headers,
            agent,
          },
          (answer) => {
            const key = (answer.statusCode ?? 500) >= 400 ? `${kind}:refused` : kind;
            mine[key] = (mine[key] ?? 0) + 1;
            // The items a transaction applied, apart (`items:<kind>`): what the report counts as renewals sent.
            if (items !== undefined && key === kind) {
              mine[`items:${items.kind}`] = (mine[`items:${items.kind}`] ?? 0) + items.n;
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        out.once('error', () => res.destroy());
        out.end(body);
      })().catch(() => res.destroy());
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    ports[name] = (server.address() as AddressInfo).port;
  }
  process.on('message', (message: { id?: number }) => {
    process.send?.({ id: message.id, counts });
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ports });
}

main().catch((err: unknown) => {
  process.stderr.write(`lease request proxy: ${String(err)}\n`);
  process.exit(1);
});
