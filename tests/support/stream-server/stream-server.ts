// An HTTP endpoint that speaks the DynamoDB Streams API (AWS JSON 1.0: POST /, X-Amz-Target
// DynamoDBStreams_20120810.<Operation>) to the real SDK client, over stream models the test controls. Each call
// goes through the fault rules (delay, hold, injected error) and is then evaluated against the model as it is at
// that moment; the access log records the answer in evaluation order. Signatures are not checked.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sleep } from '../../../src/util/sleep.js';
import { AccessLog } from './access-log.js';
import { Faults, type CallInfo } from './faults.js';
import { decodeIterator } from './iterator-token.js';
import { StreamApiError } from './stream-api-error.js';
import { StreamModel, type StreamModelOptions } from './stream-model.js';
import { STREAM_OPERATIONS, StreamOperations, type StreamOperation } from './stream-operations.js';

export interface StreamServerOptions {
  /** Default 0: a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Shards per DescribeStream page when the caller gives no Limit (AWS: 100). */
  readonly describePageSize?: number;
  /** Seed of the fault rules' random choices. */
  readonly faultSeed?: number;
  /** Access log entries kept (counts are kept beyond). */
  readonly accessLogLimit?: number;
}

const TARGET_PREFIX = 'DynamoDBStreams_20120810.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
const MAX_BODY_BYTES = 1024 * 1024;

export class StreamServer {
  readonly faults: Faults;
  readonly log: AccessLog;
  describePageSize: number;
  /** Failures of the server itself (a bug here, not an injected fault), answered as InternalServerError. */
  readonly unexpectedErrors: unknown[] = [];
  readonly #streams = new Map<string, StreamModel>();
  readonly #operations: StreamOperations;
  readonly #server: Server;
  readonly #closing = new AbortController();
  #closed: Promise<void> | undefined;
  #url = '';

  private constructor(options: StreamServerOptions) {
    this.faults = new Faults(options.faultSeed ?? 1);
    this.log = new AccessLog(options.accessLogLimit);
    this.describePageSize = options.describePageSize ?? 100;
    this.#operations = new StreamOperations(this.#streams, () => this.describePageSize);
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        this.unexpectedErrors.push(err);
        res.destroy();
      });
    });
  }

  static async start(options: StreamServerOptions = {}): Promise<StreamServer> {
    const server = new StreamServer(options);
    await new Promise<void>((resolve, reject) => {
      server.#server.once('error', reject);
      server.#server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    const address = server.#server.address() as AddressInfo;
    server.#url = `http://${address.address}:${address.port}`;
    return server;
  }

  /** The endpoint to give the SDK client (or --source-streams-endpoint). */
  get url(): string {
    return this.#url;
  }

  createStream(options: StreamModelOptions): StreamModel {
    return this.addStream(new StreamModel(options));
  }

  addStream(model: StreamModel): StreamModel {
    if (this.#streams.has(model.streamArn)) throw new Error(`stream ${model.streamArn} is already served`);
    this.#streams.set(model.streamArn, model);
    return model;
  }

  stream(streamArn: string): StreamModel {
    const model = this.#streams.get(streamArn);
    if (model === undefined) throw new RangeError(`no stream ${streamArn} on this server`);
    return model;
  }

  /** Stops listening, releases held calls and drops open connections. Safe to call more than once. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      this.#closing.abort();
      this.faults.clear();
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const target = req.headers['x-amz-target'];
    const name =
      typeof target === 'string' && target.startsWith(TARGET_PREFIX)
        ? target.slice(TARGET_PREFIX.length)
        : '';
    const operation = STREAM_OPERATIONS.find((op) => op === name);
    if (req.method !== 'POST' || operation === undefined || body === undefined) {
      const error = new StreamApiError(
        'UnknownOperationException',
        `unknown operation ${JSON.stringify(target ?? null)} (${req.method ?? '?'} ${req.url ?? ''})`,
      );
      this.#answerError(res, 'Unknown', {}, error, false);
      return;
    }
    const contentType = req.headers['content-type'] ?? '';
    let input: Record<string, unknown>;
    try {
      if (!contentType.startsWith(CONTENT_TYPE))
        throw new Error(`content-type ${contentType} is not ${CONTENT_TYPE}`);
      input = JSON.parse(body === '' ? '{}' : body) as Record<string, unknown>;
      if (typeof input !== 'object' || input === null || Array.isArray(input))
        throw new Error('not a JSON object');
    } catch (err) {
      const error = new StreamApiError(
        'SerializationException',
        err instanceof Error ? err.message : String(err),
      );
      this.#answerError(res, operation, {}, error, false);
      return;
    }

    const call = callInfo(operation, input);
    const decision = this.faults.decide(call);
    if (decision !== undefined) {
      if (decision.delayMs > 0) await sleep(decision.delayMs, this.#closing.signal);
      if (decision.holds.length > 0)
        await Promise.race([Promise.all(decision.holds), aborted(this.#closing.signal)]);
      if (this.#closing.signal.aborted) {
        res.destroy();
        return;
      }
      if (decision.error !== undefined) {
        this.#answerError(res, operation, call, decision.error, true);
        return;
      }
    }
    const injected = decision !== undefined;
    try {
      const result = this.#operations.run(operation, input);
      this.log.add({
        atMs: Date.now(),
        operation,
        outcome: 'ok',
        injected,
        streamArn: call.streamArn,
        shardId: call.shardId,
        ...result.detail,
      });
      send(res, 200, result.body);
    } catch (err) {
      if (err instanceof StreamApiError) {
        this.#answerError(res, operation, call, err, injected);
        return;
      }
      this.unexpectedErrors.push(err);
      const error = new StreamApiError('InternalServerError', `stream server bug: ${String(err)}`);
      this.#answerError(res, operation, call, error, false);
    }
  }

  #answerError(
    res: ServerResponse,
    operation: StreamOperation | 'Unknown',
    call: Partial<CallInfo>,
    error: StreamApiError,
    injected: boolean,
  ): void {
    this.log.add({
      atMs: Date.now(),
      operation,
      outcome: error.type,
      injected,
      ...(call.streamArn === undefined ? {} : { streamArn: call.streamArn }),
      ...(call.shardId === undefined ? {} : { shardId: call.shardId }),
    });
    send(res, error.httpStatus, error.toBody());
  }
}

/** The stream and shard a call is about, for fault rules and the log (from the iterator for GetRecords). */
function callInfo(operation: StreamOperation, input: Record<string, unknown>): CallInfo {
  if (operation === 'GetRecords') {
    const state = decodeIterator(input.ShardIterator);
    return { operation, streamArn: state?.streamArn, shardId: state?.shardId };
  }
  return {
    operation,
    streamArn: typeof input.StreamArn === 'string' ? input.StreamArn : undefined,
    shardId: typeof input.ShardId === 'string' ? input.ShardId : undefined,
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(payload);
}

/** The request body, or undefined when it is larger than any Streams request can be. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
