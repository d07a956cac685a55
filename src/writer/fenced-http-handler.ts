// The SDK's Node HTTP handler with the request deadline (see request-deadlines.ts) checked at the last moments
// this process can: a request whose deadline has already passed is refused instead of sent. Between the lease
// check before a write and the bytes leaving the process lie the SDK's middleware (serializing, signing), several
// awaits and the tick on which Node hands the request to a connection; a process frozen anywhere in there and
// woken after its lease expired would otherwise send the write when it resumes, before the abort timer gets to
// run, and an older image could land over a newer one written by the lease's new owner.
//
// Checked three times: when the handler is called; when Node hands the request to a pooled connection, on the
// tick its bytes are written (the 'socket' event, the last JavaScript to run before them); and when a new
// connection connects, before the request written to it while connecting goes out. What remains unfenced is the
// few microseconds from that last check to the socket write (and, over TLS, a new connection's handshake). A
// request queued in the agent because every socket is busy gets a socket without either hook; the data path's
// maxSockets (256, aws-clients.ts) is the top of --write-concurrency, so the writer's requests never queue.
import { Agent as HttpAgent, type AgentOptions, type ClientRequest, type ClientRequestArgs } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Duplex } from 'node:stream';
import { NodeHttpHandler, type NodeHttpHandlerOptions } from '@smithy/node-http-handler';
import { requestSignal } from './cached-send.js';
import { deadlineError, deadlinePassed } from './request-deadlines.js';

type Request = Parameters<NodeHttpHandler['handle']>[0];
type Options = NonNullable<Parameters<NodeHttpHandler['handle']>[1]>;
type Response = Awaited<ReturnType<NodeHttpHandler['handle']>>;
type ConnectionCallback = (err: Error | null, stream: Duplex) => void;

/**
 * The abort signal of the request the handler is creating right now. NodeHttpHandler builds the Node request
 * synchronously inside handle() once its configuration is resolved (from the second request on), so the agent,
 * called from there, learns which deadline the request carries.
 */
let creating: AbortSignal | undefined;

/** On a pooled connection: refuses the request on the tick it would be written, if its deadline passed. */
function fenceOnSocket(request: ClientRequest, signal: AbortSignal | undefined): void {
  if (signal === undefined) return;
  request.once('socket', () => {
    if (deadlinePassed(signal)) request.destroy(deadlineError());
  });
}

/** On a new connection: the request written while it connected goes out on 'connect'; this runs just before. */
function fenceOnConnect(socket: Duplex, signal: AbortSignal | undefined): void {
  if (signal === undefined) return;
  socket.prependOnceListener('connect', () => {
    if (deadlinePassed(signal)) socket.destroy(deadlineError());
  });
}

type AgentClass = new (options: AgentOptions) => HttpAgent;

/** The agent (http or https) with the two late checks on every request it is given. */
function fenced(Base: AgentClass): AgentClass {
  return class extends Base {
    override reuseSocket(socket: Duplex, request: ClientRequest): void {
      super.reuseSocket(socket, request);
      fenceOnSocket(request, creating);
    }

    override createConnection(
      options: ClientRequestArgs,
      callback?: ConnectionCallback,
    ): Duplex | null | undefined {
      const socket = super.createConnection(options, callback);
      if (socket) fenceOnConnect(socket, creating);
      return socket;
    }
  };
}

const FencedHttpAgent = fenced(HttpAgent);
const FencedHttpsAgent = fenced(HttpsAgent);

export interface FencedHttpHandlerOptions extends Omit<NodeHttpHandlerOptions, 'httpAgent' | 'httpsAgent'> {
  /** Options of the keep-alive agents, which the handler makes itself: the last two checks live in them. */
  readonly agent?: AgentOptions;
}

export class FencedHttpHandler extends NodeHttpHandler {
  constructor(options: FencedHttpHandlerOptions = {}) {
    const { agent, ...rest } = options;
    const agentOptions = { keepAlive: true, ...agent };
    super({
      ...rest,
      httpAgent: new FencedHttpAgent(agentOptions),
      httpsAgent: new FencedHttpsAgent(agentOptions),
    });
  }

  override handle(request: Request, options: Options = {}): Promise<Response> {
    // A request sent through cachedSend carries its signal beside it, not in the options.
    const given = options.abortSignal as AbortSignal | undefined;
    const signal = given ?? requestSignal(request);
    if (deadlinePassed(signal)) return Promise.reject(deadlineError());
    creating = signal;
    try {
      return super.handle(request, signal === given ? options : { ...options, abortSignal: signal });
    } finally {
      creating = undefined;
    }
  }
}
