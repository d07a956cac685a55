// An HTTP proxy in front of a DynamoDB (Local) endpoint that injects faults per operation, for the chaos suite.
// It reads the X-Amz-Target header (DynamoDB_20120810.BatchWriteItem, DynamoDBStreams_20120810.GetRecords, ...)
// and, by rules that fire for the next N calls or a fraction of them (from a seeded generator), optionally only
// for requests whose body holds a given text (a renewal, not a checkpoint), answers itself with a throttling
// error or a 500 in the AWS JSON 1.0 shape, resets the connection before or after forwarding, answers late, or
// forwards and then drops the answer (the request WAS applied; the client never hears back). Every injected
// fault is counted by kind and operation. Listens on loopback only.
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';

export const FAULT_KINDS = [
  'throttle',
  'server-error',
  'reset-before',
  'reset-after',
  'slow',
  'drop',
  // What a role without the operation's permission gets: DynamoDB Local checks no permissions.
  'access-denied',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRuleSpec {
  /** Operation names ('BatchWriteItem') or full targets ('DynamoDBStreams_20120810.GetRecords'); none: all. */
  readonly operations?: readonly string[];
  /** Fault kinds to pick from, with weights (a list: equal weights). */
  readonly kinds: readonly FaultKind[] | Partial<Record<FaultKind, number>>;
  /** Chance that a matching call is hit (default 1). */
  readonly probability?: number;
  /** Fire this many times, then retire (default: until removed). */
  readonly count?: number;
  /** Let this many matching calls pass first. */
  readonly skip?: number;
  /** Only requests whose body contains this text (e.g. a part of an UpdateExpression). */
  readonly bodyIncludes?: string;
  /** Range of the extra latency of a 'slow' answer, in ms (default 200..2000). */
  readonly slowMs?: readonly [number, number];
  /** How long a 'drop' keeps the connection silent (default: the proxy's). */
  readonly dropHoldMs?: number;
}

export interface ProxyEvent {
  readonly operation: string;
  readonly target: string;
  /** Date.now() when the request arrived. */
  readonly at: number;
  readonly fault: FaultKind | undefined;
  /** Whether the request reached the upstream (also true for 'reset-after', 'slow' and 'drop'). */
  readonly forwarded: boolean;
  /** The request's session token (temporary credentials), to see which credentials signed it. */
  readonly securityToken: string | undefined;
}

/** A small seeded generator (mulberry32): the same seed gives the same sequence of draws. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A request the proxy forwarded, with the upstream's answer. */
export interface ProxyExchange {
  readonly operation: string;
  readonly requestBody: Buffer;
  readonly status: number;
  readonly responseBody: Buffer;
}

export class FaultRule {
  readonly spec: FaultRuleSpec;
  #hits = 0;
  #skipped = 0;
  #removed = false;

  constructor(spec: FaultRuleSpec) {
    const p = spec.probability ?? 1;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`probability must be in [0, 1], got ${p}`);
    this.spec = spec;
  }

  get hits(): number {
    return this.#hits;
  }

  get active(): boolean {
    return !this.#removed && (this.spec.count === undefined || this.#hits < this.spec.count);
  }

  remove(): void {
    this.#removed = true;
  }

  /** The fault for this call, or undefined when the rule lets it pass. */
  decide(
    call: { operation: string; target: string; body: string },
    random: () => number,
  ): FaultKind | undefined {
    const { operations: ops, bodyIncludes } = this.spec;
    if (!this.active || (ops !== undefined && !ops.includes(call.operation) && !ops.includes(call.target)))
      return;
    if (bodyIncludes !== undefined && !call.body.includes(bodyIncludes)) return;
    if (this.#skipped < (this.spec.skip ?? 0)) {
      this.#skipped += 1;
      return undefined;
    }
    if (random() >= (this.spec.probability ?? 1)) return undefined;
    this.#hits += 1;
    return pickKind(this.spec.kinds, random);
  }
}

function pickKind(kinds: FaultRuleSpec['kinds'], random: () => number): FaultKind {
  const weights: [FaultKind, number][] = Array.isArray(kinds)
    ? (kinds as readonly FaultKind[]).map((k) => [k, 1])
    : (Object.entries(kinds) as [FaultKind, number][]).filter(([, w]) => w > 0);
  const total = weights.reduce((sum, [, w]) => sum + w, 0);
  let draw = random() * total;
  for (const [kind, weight] of weights) {
    draw -= weight;
    if (draw < 0) return kind;
  }
  const last = weights.at(-1);
  if (last === undefined) throw new RangeError('a fault rule needs at least one kind');
  return last[0];
}

const JSON_TYPE = 'application/x-amz-json-1.0';
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

export class FaultProxy {
  readonly #server: Server;
  readonly #target: URL;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 256 });
  readonly #sockets = new Set<Socket>();
  readonly #random: () => number;
  readonly #listeners = new Set<(event: ProxyEvent) => void>();
  readonly #exchanges = new Set<(exchange: ProxyExchange) => void>();
  readonly #dropHoldMs: number;
  /** Ends of the holds under way (slow and dropped answers), for close(). */
  readonly #holds = new Set<() => void>();
  #rules: FaultRule[] = [];
  readonly #injected = new Map<string, number>();
  readonly #requests = new Map<string, number>();
  #upstreamErrors = 0;
  port = 0;

  private constructor(target: URL, seed: number, dropHoldMs: number) {
    this.#target = target;
    this.#random = seededRandom(seed);
    this.#dropHoldMs = dropHoldMs;
    this.#server = createServer((req, res) => void this.#handle(req, res));
    // Longer than any client's idle time, so that the proxy never closes a kept-alive socket under a client.
    this.#server.keepAliveTimeout = 120_000;
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  /** `dropHoldMs`: how long a dropped answer keeps the connection silent before closing it (default 35 s). */
  static async start(
    endpoint: string,
    options: { seed?: number; dropHoldMs?: number } = {},
  ): Promise<FaultProxy> {
    const proxy = new FaultProxy(new URL(endpoint), options.seed ?? 1, options.dropHoldMs ?? 35_000);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', () => resolve()));
    const address = proxy.#server.address();
    proxy.port = typeof address === 'object' && address !== null ? address.port : 0;
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  add(spec: FaultRuleSpec): FaultRule {
    const rule = new FaultRule(spec);
    this.#rules.push(rule);
    return rule;
  }

  /** Retires every rule; counts stay. */
  clear(): void {
    for (const rule of this.#rules) rule.remove();
    this.#rules = [];
  }

  /** Calls `listener` for every request from now on; returns the unsubscribe function. */
  observe(listener: (event: ProxyEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Calls `listener` with each request and the upstream's answer that the proxy forwarded (not with faults). */
  observeExchanges(listener: (exchange: ProxyExchange) => void): () => void {
    this.#exchanges.add(listener);
    return () => this.#exchanges.delete(listener);
  }

  /** Faults injected, by kind (or by `kind:Operation` when `byOperation`). */
  injected(byOperation = false): Map<string, number> {
    const out = new Map<string, number>();
    for (const [key, n] of this.#injected) {
      const name = byOperation ? key : (key.split(':')[0] ?? key);
      out.set(name, (out.get(name) ?? 0) + n);
    }
    return out;
  }

  totalInjected(): number {
    let total = 0;
    for (const n of this.#injected.values()) total += n;
    return total;
  }

  /** Requests seen, by operation. */
  requests(): Map<string, number> {
    return new Map(this.#requests);
  }

  /** Requests the upstream itself failed (not injected). */
  get upstreamErrors(): number {
    return this.#upstreamErrors;
  }

  async close(): Promise<void> {
    for (const end of this.#holds) end();
    this.clear();
    for (const socket of this.#sockets) socket.destroy();
    this.#agent.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = headerValue(req.headers['x-amz-target']) ?? 'unknown';
    const operation = target.split('.').pop() ?? target;
    this.#requests.set(operation, (this.#requests.get(operation) ?? 0) + 1);
    // The body is read first, so that rules can look into it; a reset then still comes before any answer.
    const body = await readBody(req);
    if (body === undefined) return; // the client went away
    let fault: FaultKind | undefined;
    let rule: FaultRule | undefined;
    for (const candidate of this.#rules) {
      fault = candidate.decide({ operation, target, body: body.toString() }, this.#random);
      rule = candidate;
      if (fault !== undefined) break;
    }
    if (fault !== undefined) {
      const key = `${fault}:${operation}`;
      this.#injected.set(key, (this.#injected.get(key) ?? 0) + 1);
    }
    const forwarded =
      fault !== 'throttle' &&
      fault !== 'server-error' &&
      fault !== 'reset-before' &&
      fault !== 'access-denied';
    const event: ProxyEvent = {
      operation,
      target,
      at: Date.now(),
      fault,
      forwarded,
      securityToken: headerValue(req.headers['x-amz-security-token']),
    };
    for (const listener of this.#listeners) listener(event);

    if (fault === 'reset-before') {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault === 'throttle') {
      this.#answerError(
        res,
        400,
        throttleType(target, this.#random),
        'Rate of requests exceeds the allowed rate (injected by the fault proxy)',
      );
      return;
    }
    if (fault === 'access-denied') {
      this.#answerError(
        res,
        400,
        'com.amazon.coral.service#AccessDeniedException',
        `User: arn:aws:sts::123456789012:assumed-role/test/fault-proxy is not authorized to perform: dynamodb:${operation} (injected by the fault proxy)`,
      );
      return;
    }
    if (fault === 'server-error') {
      this.#answerError(
        res,
        500,
        'com.amazonaws.dynamodb.v20120810#InternalServerError',
        'Internal server error (injected by the fault proxy)',
      );
      return;
    }
    let answer: Upstream;
    try {
      answer = await this.#forward(req, body);
    } catch {
      this.#upstreamErrors += 1;
      req.socket.resetAndDestroy();
      return;
    }
    for (const listener of this.#exchanges) {
      listener({ operation, requestBody: body, status: answer.status, responseBody: answer.body });
    }
    if (fault === 'reset-after') {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault === 'drop') {
      await this.#hold(req.socket, rule?.spec.dropHoldMs ?? this.#dropHoldMs);
      req.socket.destroy();
      return;
    }
    if (fault === 'slow') {
      const [min, max] = rule?.spec.slowMs ?? [200, 2_000];
      await this.#hold(req.socket, min + this.#random() * (max - min));
      if (req.socket.destroyed) return;
    }
    res.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
    res.end(answer.body);
  }

  #answerError(res: ServerResponse, status: number, type: string, message: string): void {
    const body = Buffer.from(JSON.stringify({ __type: type, message }));
    res.writeHead(status, {
      'content-type': JSON_TYPE,
      'content-length': body.length,
      'x-amzn-requestid': `fault-proxy-${Math.floor(this.#random() * 1e12)}`,
    });
    res.end(body);
  }

  /** Waits `ms`, or less when the client closes the connection or the proxy closes. */
  async #hold(socket: Socket, ms: number): Promise<void> {
    if (socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        socket.off('close', done);
        this.#holds.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      socket.once('close', done);
      this.#holds.add(done);
    });
  }

  async #forward(req: IncomingMessage, body: Buffer): Promise<Upstream> {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    headers['content-length'] = String(body.length);
    return new Promise<Upstream>((resolve, reject) => {
      const upstream = httpRequest(
        {
          host: this.#target.hostname,
          port: Number(this.#target.port),
          method: req.method,
          path: req.url,
          headers,
          agent: this.#agent,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const out: Record<string, string | string[]> = {};
            for (const [name, value] of Object.entries(response.headers)) {
              if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
            }
            resolve({ status: response.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) });
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

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function throttleType(target: string, random: () => number): string {
  if (random() < 0.3) return 'com.amazon.coral.availability#ThrottlingException';
  return target.startsWith('DynamoDBStreams')
    ? 'com.amazonaws.dynamodb.v20120810#LimitExceededException'
    : 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException';
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(undefined));
    req.on('close', () => {
      if (!req.complete) resolve(undefined);
    });
  });
}
