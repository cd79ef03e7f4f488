import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { HttpRequest } from '@smithy/protocol-http';
import type { Readable } from 'node:stream';
import type { Network, NetworkMode } from '@euca2nova/model';
import { parseEucalyptusConf } from './config-files.ts';
import { SourceError, classifyError, errCode } from './errors.ts';
import { GuardedHttpHandler, dig, items, rawQuery, text, type RawQueryResult } from './http.ts';
import { querySignatureV2AuthScheme } from './signing/query-v2.ts';
import { s3SignatureV2AuthScheme } from './signing/s3-v2.ts';

// Every SDK client built in a Node 20 process prints a NodeVersionSupportWarning on stderr (SDK
// releases after January 2027 need Node 22). This project pins Node 20 and the SDK version in its
// lockfile, so the warning is noise in every command's output. The SDK's documented switch for it
// is this variable (aws/aws-sdk-js-v3#7983), read when a client is built; the operator's own
// setting, if any, wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface ConnectInput {
  /** `http://clc:8773/services/Eucalyptus`. */
  ec2Url: string;
  /** Walrus, default `<origin>/services/Walrus`. */
  s3Url?: string | undefined;
  /** Euare (3.x), default `<origin>/services/Euare`. */
  euareUrl?: string | undefined;
  accessKey: string;
  secretKey: string;
  /** 3.x cloud controller PostgreSQL (read-only use): secrets and key-pair public keys. */
  controllerDbUrl?: string | undefined;
  /** `cloud-pk.pem`, to decrypt bundles here instead of asking Walrus. */
  cloudPkPem?: string | undefined;
  /** The text of `eucalyptus.conf`. */
  eucalyptusConf?: string | undefined;
  /** A network mode chosen by hand when no `eucalyptus.conf` is given. */
  networkMode?: NetworkMode | undefined;
  /** SDK attempts per call (throttling and 5xx are retried with backoff and jitter). Default 6. */
  maxAttempts?: number | undefined;
  maxResponseBytes?: number | undefined;
}

export interface SourceEndpoints {
  ec2: string;
  s3: string;
  euare?: string;
  accounts: string;
  properties: string;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * A checked connection to a Eucalyptus cloud: what was detected, plus (privately) the credentials
 * and clients discovery and image reads use. `JSON.stringify` shows no secret.
 */
export class SourceConnection {
  readonly version: string;
  readonly majorVersion: 2 | 3;
  readonly apiVersion = '2016-11-15';
  readonly endpoints: SourceEndpoints;
  readonly signer: { api: 'query-v2' | 'sigv4'; s3: 's3-v2' };
  readonly admin: { userName: string; accessKeyId: string; accountNumber?: string };
  /** 2.0: users; 3.x: accounts other than system accounts. */
  readonly userCount: number;
  readonly network?: Network;
  readonly hasControllerDb: boolean;
  readonly hasCloudPk: boolean;
  readonly #creds: Credentials;
  readonly #input: ConnectInput;
  readonly #handler: GuardedHttpHandler;
  readonly #streamHandler: GuardedHttpHandler;
  readonly #ec2: EC2Client | undefined;
  #s3: S3Client | undefined;
  #iam: IAMClient | undefined;

  constructor(init: {
    version: string;
    majorVersion: 2 | 3;
    endpoints: SourceEndpoints;
    signer: 'query-v2' | 'sigv4';
    admin: { userName: string; accountNumber?: string };
    userCount: number;
    network?: Network;
    input: ConnectInput;
    handler: GuardedHttpHandler;
  }) {
    this.version = init.version;
    this.majorVersion = init.majorVersion;
    this.endpoints = init.endpoints;
    this.signer = { api: init.signer, s3: 's3-v2' };
    this.admin = { ...init.admin, accessKeyId: init.input.accessKey };
    this.userCount = init.userCount;
    if (init.network) this.network = init.network;
    this.hasControllerDb = init.input.controllerDbUrl !== undefined;
    this.hasCloudPk = init.input.cloudPkPem !== undefined;
    this.#creds = { accessKeyId: init.input.accessKey, secretAccessKey: init.input.secretKey };
    this.#input = init.input;
    this.#handler = init.handler;
    this.#streamHandler = new GuardedHttpHandler({
      inspectXml: false,
      maxResponseBytes: Number.MAX_SAFE_INTEGER,
      socketTimeoutMs: 30 * 60_000,
    });
    this.#ec2 = this.ec2();
  }

  get credentials(): Credentials {
    return this.#creds;
  }
  get controllerDbUrl(): string | undefined {
    return this.#input.controllerDbUrl;
  }
  get cloudPkPem(): string | undefined {
    return this.#input.cloudPkPem;
  }
  get handler(): GuardedHttpHandler {
    return this.#handler;
  }

  /** An EC2 client for the admin, or for another user's keys (2.0 key pairs, per-user volumes). */
  ec2(creds: Credentials = this.#creds): EC2Client {
    if (creds === this.#creds && this.#ec2 !== undefined) return this.#ec2;
    return new EC2Client({
      endpoint: this.endpoints.ec2,
      region: 'eucalyptus',
      credentials: creds,
      maxAttempts: this.#input.maxAttempts ?? 6,
      retryMode: 'standard',
      requestHandler: this.#handler,
      ...(this.signer.api === 'query-v2'
        ? { httpAuthSchemes: [querySignatureV2AuthScheme()] }
        : {}),
    });
  }

  iam(): IAMClient {
    if (this.endpoints.euare === undefined)
      throw new SourceError('unsupported', 'This cloud has no Euare service (Eucalyptus 2.0).');
    this.#iam ??= new IAMClient({
      endpoint: this.endpoints.euare,
      region: 'eucalyptus',
      credentials: this.#creds,
      maxAttempts: this.#input.maxAttempts ?? 6,
      retryMode: 'standard',
      requestHandler: this.#handler,
      ...(this.signer.api === 'query-v2'
        ? { httpAuthSchemes: [querySignatureV2AuthScheme()] }
        : {}),
    });
    return this.#iam;
  }

  /** Walrus through the SDK with S3 signature v2; bodies are streamed, not buffered. */
  s3(): S3Client {
    // One client for every manifest and part: a new one per call repeats its configuration work.
    this.#s3 ??= new S3Client({
      endpoint: this.endpoints.s3,
      region: 'eucalyptus',
      forcePathStyle: true,
      credentials: this.#creds,
      maxAttempts: this.#input.maxAttempts ?? 6,
      retryMode: 'standard',
      requestHandler: this.#streamHandler,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      httpAuthSchemes: [s3SignatureV2AuthScheme()],
    });
    return this.#s3;
  }

  /**
   * A query-v2 call: Eucalyptus-only actions, and the thousands of small per-user and per-account
   * calls of a discovery, where the SDK's per-call cost (client set-up, middleware, schema serde)
   * would be most of the client's time. Every Eucalyptus release accepts query signature v2.
   */
  raw(
    endpoint: string,
    params: Record<string, string>,
    signal?: AbortSignal,
    credentials: Credentials = this.#creds,
  ): Promise<RawQueryResult> {
    return rawQuery({
      handler: this.#handler,
      endpoint,
      credentials,
      params,
      signal,
    });
  }

  close(): void {
    this.#handler.destroy();
    this.#streamHandler.destroy();
  }
}

function checkUrl(value: string, what: string): URL {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new SourceError('bad-input', `${what} "${value.slice(0, 200)}" is not a URL.`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new SourceError('bad-input', `${what} must be an http:// or https:// URL.`);
  if (u.username || u.password)
    throw new SourceError('bad-input', `${what} must not carry a user name or password.`);
  return u;
}

/** A plain unsigned GET, to see whether a service path exists (404 = no such service). */
async function probe(
  handler: GuardedHttpHandler,
  url: string,
  signal?: AbortSignal,
): Promise<number> {
  const u = new URL(url);
  const { response } = await handler.handle(
    new HttpRequest({
      protocol: u.protocol,
      hostname: u.hostname,
      ...(u.port ? { port: Number(u.port) } : {}),
      method: 'GET',
      path: u.pathname,
      headers: { host: u.host },
    }),
    signal ? { abortSignal: signal } : {},
  );
  (response.body as Readable | undefined)?.resume();
  return response.statusCode;
}

/**
 * Connect to a Eucalyptus cloud with real round trips: probe the service paths to tell 2.0 from
 * 3.x (eucalyptus.md §8), pick the signer, prove the keys and that they are a cloud
 * administrator's. Throws a `SourceError` whose message says what to do.
 */
export async function connect(
  input: ConnectInput,
  options: { signal?: AbortSignal } = {},
): Promise<SourceConnection> {
  const { signal } = options;
  const ec2Url = checkUrl(input.ec2Url, 'The EC2 URL');
  if (!input.accessKey || !input.secretKey)
    throw new SourceError('bad-input', 'Both the access key and the secret key are needed.');
  const origin = ec2Url.origin;
  const endpoints: SourceEndpoints = {
    ec2: ec2Url.href.replace(/\/$/, ''),
    s3: input.s3Url
      ? checkUrl(input.s3Url, 'The S3 URL').href.replace(/\/$/, '')
      : `${origin}/services/Walrus`,
    accounts: `${origin}/services/Accounts`,
    properties: `${origin}/services/Properties`,
  };
  let network: Network | undefined;
  if (input.eucalyptusConf !== undefined) {
    try {
      network = parseEucalyptusConf(input.eucalyptusConf);
    } catch (e) {
      throw new SourceError('bad-input', e instanceof Error ? e.message : String(e));
    }
  } else if (input.networkMode !== undefined) {
    network = { mode: input.networkMode, source: 'manual', vnet: {} };
  }
  const handler = new GuardedHttpHandler({
    ...(input.maxResponseBytes !== undefined ? { maxResponseBytes: input.maxResponseBytes } : {}),
  });
  try {
    let ec2Status: number;
    try {
      ec2Status = await probe(handler, endpoints.ec2, signal);
    } catch (e) {
      throw classifyError(e, endpoints.ec2);
    }
    if (ec2Status === 404)
      throw new SourceError(
        'not-eucalyptus',
        `${endpoints.ec2} answers 404: there is no EC2 service at this path. A Eucalyptus 2.0/3.x EC2 URL looks like http://<clc>:8773/services/Eucalyptus.`,
      );
    const euareUrl = input.euareUrl
      ? checkUrl(input.euareUrl, 'The Euare URL').href.replace(/\/$/, '')
      : `${origin}/services/Euare`;
    const [euareStatus, computeStatus] = await Promise.all([
      probe(handler, euareUrl, signal).catch(() => 404),
      probe(handler, `${origin}/services/compute`, signal).catch(() => 404),
    ]);
    if (computeStatus !== 404)
      throw new SourceError(
        'unsupported',
        'This looks like Eucalyptus 4.x (/services/compute answers). Only 2.0 and 3.x are supported for now.',
      );
    const major: 2 | 3 = euareStatus !== 404 ? 3 : 2;
    if (major === 3) endpoints.euare = euareUrl;

    // 3.3+ takes SigV4; 2.0-3.2 only query signature v2 (eucalyptus.md §0.1).
    const candidates: ('sigv4' | 'query-v2')[] = major === 3 ? ['sigv4', 'query-v2'] : ['query-v2'];
    let chosen: 'sigv4' | 'query-v2' | undefined;
    let lastError: SourceError | undefined;
    for (const signer of candidates) {
      const client = new EC2Client({
        endpoint: endpoints.ec2,
        region: 'eucalyptus',
        credentials: { accessKeyId: input.accessKey, secretAccessKey: input.secretKey },
        maxAttempts: input.maxAttempts ?? 6,
        requestHandler: handler,
        ...(signer === 'query-v2' ? { httpAuthSchemes: [querySignatureV2AuthScheme()] } : {}),
      });
      try {
        await client.send(new DescribeRegionsCommand({}), signal ? { abortSignal: signal } : {});
        chosen = signer;
        break;
      } catch (e) {
        lastError = classifyError(e, endpoints.ec2);
        if (lastError.code === 'malformed') {
          throw new SourceError(
            'not-eucalyptus',
            `${endpoints.ec2} does not answer like a Eucalyptus EC2 service (its reply is not EC2 XML). Check the URL.`,
            { cause: e },
          );
        }
        if (lastError.code !== 'auth') throw lastError;
      }
    }
    if (chosen === undefined) {
      throw new SourceError(
        'auth',
        `The cloud rejected access key ${input.accessKey.slice(0, 24)} (${errCode(lastError?.cause) ?? 'AuthFailure'}). Check the access key and secret key: copy them again from the admin's eucarc.`,
        { cause: lastError },
      );
    }

    const creds = { accessKeyId: input.accessKey, secretAccessKey: input.secretKey };
    let admin: { userName: string; accountNumber?: string };
    let userCount: number;
    if (major === 2) {
      const res = await rawQuery({
        handler,
        endpoint: endpoints.accounts,
        credentials: creds,
        params: { Action: 'DescribeUsers', Version: 'eucalyptus' },
        signal,
      }).catch((e: unknown) => {
        throw classifyError(e, endpoints.accounts);
      });
      if (res.status === 403)
        throw new SourceError(
          'not-admin',
          `Access key ${input.accessKey.slice(0, 24)} works but is not a cloud administrator's (/services/Accounts refuses it). Use the keys from the admin's credentials (eucarc of the "admin" user).`,
        );
      if (res.status !== 200 || !res.xml)
        throw new SourceError(
          'not-eucalyptus',
          `${endpoints.accounts} answered ${res.status}; expected Eucalyptus 2.0's DescribeUsers.`,
        );
      const users = items(dig(res.xml, 'DescribeUsersResponse', 'users'));
      const me = users.find((u) => text(u['accessKey']) === input.accessKey);
      admin = { userName: text(me?.['userName']) ?? 'admin' };
      userCount = users.length;
    } else {
      const iam = new IAMClient({
        endpoint: euareUrl,
        region: 'eucalyptus',
        credentials: creds,
        maxAttempts: input.maxAttempts ?? 6,
        requestHandler: handler,
        ...(chosen === 'query-v2' ? { httpAuthSchemes: [querySignatureV2AuthScheme()] } : {}),
      });
      let arn: string;
      let userName: string;
      try {
        const me = await iam.send(new GetUserCommand({}), signal ? { abortSignal: signal } : {});
        arn = me.User?.Arn ?? '';
        userName = me.User?.UserName ?? 'admin';
      } catch (e) {
        throw classifyError(e, euareUrl);
      }
      const accountNumber = /^arn:aws:iam::(\d{12}):/.exec(arn)?.[1];
      const res = await rawQuery({
        handler,
        endpoint: euareUrl,
        credentials: creds,
        params: { Action: 'ListAccounts', Version: '2010-05-08' },
        signal,
      });
      const accounts = items(
        dig(res.xml, 'ListAccountsResponse', 'ListAccountsResult', 'Accounts'),
        'member',
      );
      const mine = accounts.find((a) => text(a['AccountId']) === accountNumber);
      if (res.status !== 200 || text(mine?.['AccountName']) !== 'eucalyptus')
        throw new SourceError(
          'not-admin',
          `Access key ${input.accessKey.slice(0, 24)} belongs to user ${userName} of account ${text(mine?.['AccountName']) ?? accountNumber ?? '?'}, not to the "eucalyptus" account, so it cannot see every account's resources. Use the cloud administrator's keys (eucalyptus account's admin).`,
        );
      admin = { userName, ...(accountNumber ? { accountNumber } : {}) };
      userCount = accounts.filter(
        (a) => !(text(a['AccountName']) ?? '').startsWith('(eucalyptus)'),
      ).length;
    }
    return new SourceConnection({
      version: String(major),
      majorVersion: major,
      endpoints,
      signer: chosen,
      admin,
      userCount,
      ...(network ? { network } : {}),
      input,
      handler,
    });
  } catch (e) {
    handler.destroy();
    throw e instanceof SourceError ? e : classifyError(e, endpoints.ec2);
  }
}
