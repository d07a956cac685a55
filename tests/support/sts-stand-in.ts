// A small stand-in for AWS STS (which has no local edition), for the cross-account tests: it speaks STS's query
// protocol for AssumeRole and GetCallerIdentity, checks the role ARN, the caller (by the access key in the
// request's signature) and the external id as a trust policy would, and issues credentials whose access key
// selects a DynamoDB Local database (one per access key: one "account" each). Every call is recorded, credentials
// are issued with a short lifetime so that a test sees the SDK refresh them, and `failWith` makes it refuse for a
// while. Listens on loopback only.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInRole {
  readonly arn: string;
  /** Access keys allowed to assume the role (its trust policy). */
  readonly trustedKeys: readonly string[];
  /** The external id the trust policy's condition asks for; none: no condition. */
  readonly externalId?: string;
  /** The access key of the credentials it issues: the DynamoDB Local database of the role's account. */
  readonly issuesKey: string;
}

export interface StandInCaller {
  readonly accessKeyId: string;
  readonly account: string;
  readonly arn: string;
}

export interface StsCall {
  readonly action: string;
  readonly callerKey: string | undefined;
  /** The region of the request's signature (the STS endpoint's region the client chose). */
  readonly signedRegion: string | undefined;
  readonly roleArn: string | undefined;
  readonly externalId: string | undefined;
  readonly sessionName: string | undefined;
  readonly status: number;
  readonly at: number;
}

export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export interface StsStandInOptions {
  readonly roles: readonly StandInRole[];
  readonly callers?: readonly StandInCaller[];
  /** How long issued credentials live (default one hour). */
  readonly lifetimeMs?: number;
}

type Failure = { readonly status: number; readonly code: string; readonly message: string };

export class StsStandIn {
  readonly calls: StsCall[] = [];
  readonly issued: IssuedCredentials[] = [];
  readonly #server: Server;
  readonly #options: StsStandInOptions;
  #failure: Failure | undefined;

  private constructor(server: Server, options: StsStandInOptions) {
    this.#server = server;
    this.#options = options;
  }

  static async start(options: StsStandInOptions): Promise<StsStandIn> {
    const server = createServer();
    const standIn = new StsStandIn(server, options);
    server.on('request', (req, res) => {
      standIn.#handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Refuses every call with this error until called again without one. */
  failWith(failure: 'AccessDenied' | 'ServiceUnavailable' | undefined): void {
    this.#failure =
      failure === undefined
        ? undefined
        : failure === 'AccessDenied'
          ? { status: 403, code: 'AccessDenied', message: 'the stand-in refuses for now' }
          : { status: 503, code: 'ServiceUnavailable', message: 'the stand-in is unavailable for now' };
  }

  /** AssumeRole calls that issued credentials. */
  assumed(): StsCall[] {
    return this.calls.filter((c) => c.action === 'AssumeRole' && c.status === 200);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const scope = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/sts\//.exec(req.headers.authorization ?? '');
    const callerKey = scope?.[1];
    const action = params.get('Action') ?? '?';
    const answer = this.#answer(action, params, callerKey);
    this.calls.push({
      action,
      callerKey,
      signedRegion: scope?.[2],
      roleArn: params.get('RoleArn') ?? undefined,
      externalId: params.get('ExternalId') ?? undefined,
      sessionName: params.get('RoleSessionName') ?? undefined,
      status: answer.status,
      at: Date.now(),
    });
    res.writeHead(answer.status, { 'content-type': 'text/xml' });
    res.end(answer.body);
  }

  #answer(action: string, params: URLSearchParams, callerKey: string | undefined) {
    if (this.#failure !== undefined) return errorAnswer(this.#failure);
    if (action === 'GetCallerIdentity') {
      const caller = this.#options.callers?.find((c) => c.accessKeyId === callerKey);
      if (caller === undefined) {
        return errorAnswer({ status: 403, code: 'InvalidClientTokenId', message: 'unknown access key' });
      }
      return ok(
        'GetCallerIdentity',
        `<Arn>${caller.arn}</Arn><UserId>AIDA${callerKey ?? ''}</UserId><Account>${caller.account}</Account>`,
      );
    }
    if (action !== 'AssumeRole') {
      return errorAnswer({ status: 400, code: 'InvalidAction', message: `${action} is not supported` });
    }
    const roleArn = params.get('RoleArn') ?? '';
    const role = this.#options.roles.find((r) => r.arn === roleArn);
    const denied = (why: string) =>
      errorAnswer({
        status: 403,
        code: 'AccessDenied',
        message: `User: ${callerKey ?? 'anonymous'} is not authorized to perform: sts:AssumeRole on resource: ${roleArn} (${why})`,
      });
    if (role === undefined) return denied('no such role');
    if (callerKey === undefined || !role.trustedKeys.includes(callerKey)) return denied('not trusted');
    if (role.externalId !== undefined && params.get('ExternalId') !== role.externalId) {
      return denied('external id');
    }
    const sessionName = params.get('RoleSessionName') ?? '';
    const credentials: IssuedCredentials = {
      accessKeyId: role.issuesKey,
      secretAccessKey: `stand-in-secret-${randomBytes(8).toString('hex')}`,
      sessionToken: `stand-in-token-${this.issued.length + 1}-${randomBytes(8).toString('hex')}`,
      expiration: new Date(Date.now() + (this.#options.lifetimeMs ?? 3_600_000)),
    };
    this.issued.push(credentials);
    const roleName = roleArn.split('/').pop() ?? 'role';
    const account = roleArn.split(':')[4] ?? '000000000000';
    return ok(
      'AssumeRole',
      `<Credentials><AccessKeyId>${credentials.accessKeyId}</AccessKeyId><SecretAccessKey>${credentials.secretAccessKey}</SecretAccessKey><SessionToken>${credentials.sessionToken}</SessionToken><Expiration>${credentials.expiration.toISOString()}</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROASTANDIN:${sessionName}</AssumedRoleId><Arn>arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}</Arn></AssumedRoleUser>`,
    );
  }
}

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

function ok(action: string, result: string): { status: number; body: string } {
  return {
    status: 200,
    body: `<${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${randomBytes(8).toString('hex')}</RequestId></ResponseMetadata></${action}Response>`,
  };
}

function errorAnswer(failure: Failure): { status: number; body: string } {
  const type = failure.status >= 500 ? 'Receiver' : 'Sender';
  return {
    status: failure.status,
    body: `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${failure.code}</Code><Message>${failure.message}</Message></Error><RequestId>${randomBytes(8).toString('hex')}</RequestId></ErrorResponse>`,
  };
}
