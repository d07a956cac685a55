// The SDK's Node HTTP handler with one check added at the last moment: a request whose deadline (see
// request-deadlines.ts) has already passed is refused instead of sent. Between the lease check before a write and
// the bytes leaving the process lie the SDK's middleware (serializing, signing) and several awaits; a process
// frozen in there and woken after its lease expired would otherwise send the write when it resumes, before the
// abort timer gets to run, and an older image could land over a newer one written by the lease's new owner.
// From this check to the socket write the handler runs without waiting for anything (a pooled connection is
// written to on the next tick).
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { deadlineError, deadlinePassed } from './request-deadlines.js';

type Request = Parameters<NodeHttpHandler['handle']>[0];
type Options = NonNullable<Parameters<NodeHttpHandler['handle']>[1]>;
type Response = Awaited<ReturnType<NodeHttpHandler['handle']>>;

export class FencedHttpHandler extends NodeHttpHandler {
  override handle(request: Request, options: Options = {}): Promise<Response> {
    if (deadlinePassed(options.abortSignal as AbortSignal | undefined)) {
      return Promise.reject(deadlineError());
    }
    return super.handle(request, options);
  }
}
