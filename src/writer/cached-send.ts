// Sends a command through the client's cached middleware handler while keeping its abort signal. The SDK builds
// a client's middleware stack for every call that passes options (the abort signal is one), which a catch-up
// profile showed at thousands of requests a second; with `cacheMiddleware` it builds it once per command class,
// but only for calls without options. So the signal travels beside the command instead: registered by the
// command's input, handed to the HTTP request it becomes by a last middleware, and read back by
// FencedHttpHandler, which aborts the request and checks its deadline exactly as with options.
import {
  BatchWriteItemCommand,
  type BatchWriteItemCommandInput,
  type BatchWriteItemCommandOutput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

const inputSignals = new WeakMap<object, AbortSignal>();
const requestSignals = new WeakMap<object, AbortSignal>();
const carrying = new WeakSet<DynamoDBClient>();

/** The abort signal of an HTTP request sent through cachedSend, if it was. */
export function requestSignal(request: object): AbortSignal | undefined {
  return requestSignals.get(request);
}

/**
 * Makes `client` cache its middleware handler and carry signals of cachedSend to its HTTP handler (which must
 * read requestSignal, as FencedHttpHandler does).
 */
export function carrySignals(client: DynamoDBClient): void {
  if (carrying.has(client)) return;
  (client.config as { cacheMiddleware?: boolean }).cacheMiddleware = true;
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = (args as { request?: unknown }).request;
      const signal = inputSignals.get(args.input);
      if (signal !== undefined && typeof request === 'object' && request !== null) {
        requestSignals.set(request, signal);
      }
      return next(args);
    },
    // Innermost of the last step: the request the HTTP handler gets, signed.
    { step: 'deserialize', priority: 'low', name: 'ddbReplicatorRequestSignal', override: true },
  );
  carrying.add(client);
}

/** BatchWriteItem with `signal`, through the cached handler where the client carries signals. */
export function batchWrite(
  client: DynamoDBClient,
  input: BatchWriteItemCommandInput,
  signal: AbortSignal,
): Promise<BatchWriteItemCommandOutput> {
  const command = new BatchWriteItemCommand(input);
  if (!carrying.has(client)) return client.send(command, { abortSignal: signal });
  inputSignals.set(input, signal);
  return client.send(command);
}
