// The one place where a command's clients are built, side by side (source, destination, lease table): each
// side's credential provider is made once from its CredentialSource and shared by all of that side's clients (and
// by another side with the same credentials and region, as the lease table has the source's by default), and the
// startup check resolves each before any table is touched.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Logger } from 'pino';
import { DEFAULT_CREDENTIALS, type SideName } from '../config/credential-source.js';
import type { Location } from '../config/replication-config.js';
import { checkCredentials } from '../credentials/credential-check.js';
import { errorMessage } from '../errors/replicator-error.js';
import { sideCredentials, type SideCredentials } from '../credentials/side-credentials.js';
import { createDynamoClient, createStreamsClient, type ClientOptions } from './aws-clients.js';

export interface SideLocations {
  readonly source?: Location | undefined;
  readonly destination?: Location | undefined;
  readonly lease?: Location | undefined;
  /** Where the source's stream is read; the source endpoint when undefined. */
  readonly sourceStreamsEndpoint?: string | undefined;
}

export class SideClients {
  readonly #locations: SideLocations;
  readonly #logger: Logger;
  readonly #sessionName: string;
  readonly #credentials = new Map<string, SideCredentials>();

  constructor(locations: SideLocations, deps: { readonly logger: Logger; readonly sessionName: string }) {
    this.#locations = locations;
    this.#logger = deps.logger;
    this.#sessionName = deps.sessionName;
  }

  dynamo(side: SideName, options: ClientOptions): DynamoDBClient {
    const location = this.#location(side);
    return createDynamoClient(location, options, this.#credentialsOf(side).provider);
  }

  /** A client of another table of the same kind as `side`'s (a fan-out's further destination). */
  dynamoAt(side: SideName, location: Location, options: ClientOptions): DynamoDBClient {
    return createDynamoClient(location, options, this.#credentialsAt(side, location).provider);
  }

  /** A client of the source's DynamoDB Streams API. */
  streams(options: ClientOptions): DynamoDBStreamsClient {
    const source = this.#location('source');
    const location = {
      region: source.region,
      endpoint: this.#locations.sourceStreamsEndpoint ?? source.endpoint,
    };
    return createStreamsClient(location, options, this.#credentialsOf('source').provider);
  }

  /**
   * Resolves the credentials of these sides, and of `more` locations of a side (a fan-out's further destinations),
   * each distinct provider once; a failure is one ConfigError.
   */
  async checkCredentials(
    sides: readonly SideName[],
    more: readonly { readonly side: SideName; readonly location: Location }[] = [],
  ): Promise<void> {
    const checked = new Set<SideCredentials>();
    const all = [...sides.map((side) => ({ side, location: this.#location(side) })), ...more];
    for (const { side, location } of all) {
      const credentials = this.#credentialsAt(side, location);
      if (checked.has(credentials)) continue;
      checked.add(credentials);
      await checkCredentials({
        side,
        source: location.credentials ?? DEFAULT_CREDENTIALS,
        ...credentials,
      });
    }
  }

  /**
   * Who this side's base credentials (its profile or the default chain, before any role: a role's account is in
   * its ARN, and it may not be assumable yet) are, by STS GetCallerIdentity in the side's region, its endpoint by
   * the SDK's own settings (AWS_ENDPOINT_URL_STS). Undefined when there are no credentials, STS refuses or does not
   * answer, or `signal` aborts first: for `policy`, which prints placeholders instead and must not wait on an
   * instance metadata lookup that will never answer.
   */
  async callerIdentity(
    side: SideName,
    signal?: AbortSignal,
  ): Promise<{ readonly account: string; readonly arn: string } | undefined> {
    if (signal?.aborted === true) return undefined;
    const client = new STSClient({
      region: this.#location(side).region,
      credentials: this.#credentialsOf(side).base,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({
        connectionTimeout: 3_000,
        requestTimeout: 5_000,
        throwOnRequestTimeout: true,
      }),
    });
    let onAbort: (() => void) | undefined;
    // Resolving the credentials is not abortable (the SDK's providers take no signal): the race ends the wait.
    const aborted = new Promise<undefined>((resolve) => {
      onAbort = () => resolve(undefined);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const out = await Promise.race([
        client.send(new GetCallerIdentityCommand({}), { abortSignal: signal }),
        aborted,
      ]);
      if (out?.Account === undefined || out.Arn === undefined) return undefined;
      return { account: out.Account, arn: out.Arn };
    } catch (err) {
      this.#logger.debug({ side, err: errorMessage(err) }, 'GetCallerIdentity failed');
      return undefined;
    } finally {
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
      client.destroy();
    }
  }

  #location(side: SideName): Location {
    const location = this.#locations[side];
    if (location === undefined) throw new Error(`no ${side} side in this command`);
    return location;
  }

  #credentialsOf(side: SideName): SideCredentials {
    return this.#credentialsAt(side, this.#location(side));
  }

  #credentialsAt(side: SideName, location: Location): SideCredentials {
    const source = location.credentials ?? DEFAULT_CREDENTIALS;
    const key = JSON.stringify([source.profile, source.roleArn, source.externalId, location.region]);
    let credentials = this.#credentials.get(key);
    if (credentials === undefined) {
      credentials = sideCredentials({
        side,
        source,
        region: location.region,
        sessionName: this.#sessionName,
        logger: this.#logger,
      });
      this.#credentials.set(key, credentials);
    }
    return credentials;
  }
}
