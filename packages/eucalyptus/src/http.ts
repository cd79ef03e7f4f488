import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpRequest, type HttpResponse } from '@smithy/protocol-http';
import type { HttpHandlerOptions } from '@smithy/types';
import { XMLParser } from 'fast-xml-parser';
import pRetry, { AbortError } from 'p-retry';
import { SourceError, classifyError } from './errors.ts';
import { QuerySignatureV2Signer } from './signing/query-v2.ts';

/** API answers larger than this are refused before they are buffered (10,000 instances is ~15 MB). */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface GuardOptions {
  /** Largest body accepted, in bytes. */
  maxResponseBytes?: number;
  /**
   * Buffer the body (up to the cap) and refuse XML that declares a DOCTYPE, so no parser ever sees
   * entity declarations. Off for object bodies (image bytes), which are streamed.
   */
  inspectXml?: boolean;
  /** Idle socket timeout in ms (a GetDecryptedImage that blocks while assembling needs minutes). */
  socketTimeoutMs?: number;
  /**
   * Longest time an API answer's body may take to arrive, in ms: an idle timeout alone never ends
   * an answer trickled a byte at a time (slow-loris). Default EUCA2NOVA_SOURCE_RESPONSE_TIMEOUT_MS,
   * else 5 minutes (a 10,000-instance answer is ~15 MB).
   */
  responseTimeoutMs?: number;
  maxSockets?: number;
}

function defaultResponseTimeoutMs(): number {
  const v = Number(process.env.EUCA2NOVA_SOURCE_RESPONSE_TIMEOUT_MS);
  return Number.isSafeInteger(v) && v > 0 ? v : 5 * 60_000;
}

async function readCapped(
  body: Readable,
  max: number,
  where: string,
  timeoutMs = defaultResponseTimeoutMs(),
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  // An object, not a `let`: the timer's callback sets it, which flow analysis cannot see.
  const deadline = { passed: false };
  const timer = setTimeout(() => {
    deadline.passed = true;
    body.destroy(new Error('response timeout'));
  }, timeoutMs);
  try {
    for await (const c of body) {
      const b = c as Buffer;
      size += b.length;
      if (size > max) {
        body.destroy();
        throw new SourceError(
          'too-large',
          `${where}: the answer is larger than ${max} bytes and was refused. A Eucalyptus cloud does not send bodies this large; check the URL.`,
        );
      }
      chunks.push(b);
    }
  } catch (e) {
    if (!deadline.passed) throw e;
  } finally {
    clearTimeout(timer);
  }
  if (deadline.passed)
    throw new SourceError(
      'unreachable',
      `${where}: the answer did not finish within ${Math.round(timeoutMs / 1000)} s (${size} bytes arrived) and was abandoned. Check the cloud controller's health and the network in between.`,
    );
  return Buffer.concat(chunks);
}

/**
 * The name of an XML document's first element (after the declaration and comments), or undefined
 * when the text does not start like XML at all.
 */
export function rootElement(xml: string): string | undefined {
  return /^\uFEFF?\s*(?:<\?[\s\S]*?\?>\s*|<!--[\s\S]*?-->\s*)*<([A-Za-z_][\w.:-]*)/.exec(xml)?.[1];
}

/** The query action a request asks for (EC2, Euare and Eucalyptus' own services). */
function actionOf(request: HttpRequest): string | undefined {
  const q = request.query['Action'];
  if (typeof q === 'string') return q;
  if (typeof request.body === 'string' && request.body.includes('Action='))
    return new URLSearchParams(request.body).get('Action') ?? undefined;
  return undefined;
}

/** True when an XML document declares a DOCTYPE or entities (never the case for Eucalyptus). */
export function hasDoctype(xml: Buffer | string): boolean {
  const head = typeof xml === 'string' ? xml : xml.toString('latin1');
  return /<!DOCTYPE|<!ENTITY/i.test(head);
}

/**
 * The SDK's Node handler with limits: a response-size cap (checked on content-length and while
 * reading), and for API answers a refusal of any DOCTYPE before the SDK's XML parser runs.
 */
export class GuardedHttpHandler extends NodeHttpHandler {
  private readonly max: number;
  private readonly inspect: boolean;
  private readonly timeoutMs: number;

  constructor(options: GuardOptions = {}) {
    const maxSockets = options.maxSockets ?? 64;
    super({
      connectionTimeout: 10_000,
      socketTimeout: options.socketTimeoutMs ?? 120_000,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
    });
    this.max = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.inspect = options.inspectXml ?? true;
    this.timeoutMs = options.responseTimeoutMs ?? defaultResponseTimeoutMs();
  }

  override async handle(
    request: HttpRequest,
    options?: HttpHandlerOptions,
  ): Promise<{ response: HttpResponse }> {
    const out = await super.handle(request, options);
    const res = out.response;
    const where = `${request.hostname}:${request.port ?? ''}${request.path}`;
    if (res.statusCode >= 300 && res.statusCode < 400) {
      (res.body as Readable | undefined)?.destroy();
      const to = res.headers['location'] ?? res.headers['Location'];
      // Never followed: a cloud that sends its admin's signed requests elsewhere is not trusted.
      throw new SourceError(
        'malformed',
        `${request.hostname}:${request.port ?? ''}${request.path}: answered with a redirect (HTTP ${res.statusCode}${to === undefined ? '' : ` to ${to.slice(0, 200)}`}), which euca2nova does not follow. Give the final URL of the service.`,
      );
    }
    const length = Number(res.headers['content-length'] ?? Number.NaN);
    const body = res.body as Readable | undefined;
    if (Number.isFinite(length) && length > this.max) {
      body?.destroy();
      throw new SourceError(
        'too-large',
        `${where}: the answer announces ${length} bytes, more than the ${this.max} accepted. Check the URL.`,
      );
    }
    if (this.inspect && body) {
      const buf = await readCapped(body, this.max, where, this.timeoutMs);
      if (hasDoctype(buf)) {
        throw new SourceError(
          'malformed',
          `${where}: the answer declares a DOCTYPE (possible XML entity attack); refused. Check that the URL is the Eucalyptus cloud.`,
        );
      }
      // A success must be the action's own answer. The SDK reads any other XML (an HTML page, an
      // error body sent with 200) as an answer with nothing in it: a discovery would then miss
      // every instance without a word.
      const action = actionOf(request);
      if (action !== undefined && res.statusCode >= 200 && res.statusCode < 300) {
        const root = rootElement(buf.toString('utf8', 0, Math.min(buf.length, 64 * 1024)));
        if (root?.replace(/^[\w.-]+:/, '') !== `${action}Response`) {
          throw new SourceError(
            'malformed',
            `${where}: ${action} was answered with ${root === undefined ? 'something that is not XML' : `<${root.slice(0, 60)}>`} instead of <${action}Response> (HTTP ${res.statusCode}); refused. Check that the URL is the Eucalyptus cloud.`,
          );
        }
      }
      res.body = Readable.from([buf]);
    }
    return out;
  }
}

/** fast-xml-parser configured for untrusted input (DOCTYPEs are refused before it runs). */
const xmlParser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  processEntities: true,
  htmlEntities: false,
  trimValues: true,
  isArray: (name) => name === 'item' || name === 'member',
});

export function parseXmlSafe(xml: string, where: string): Record<string, unknown> {
  if (hasDoctype(xml))
    throw new SourceError('malformed', `${where}: the XML declares a DOCTYPE; refused.`);
  try {
    return xmlParser.parse(xml) as Record<string, unknown>;
  } catch (e) {
    throw new SourceError('malformed', `${where}: the answer is not well-formed XML.`, {
      cause: e,
    });
  }
}

export interface RawQueryOptions {
  handler: GuardedHttpHandler;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  params: Record<string, string>;
  signal?: AbortSignal | undefined;
  retries?: number;
}

export interface RawQueryResult {
  status: number;
  body: string;
  xml?: Record<string, unknown>;
}

/**
 * A query-signature-v2 call to a Eucalyptus-only service (2.0 `/services/Accounts`,
 * `/services/Properties`, Euare's `ListAccounts`) that the SDK has no command for; retried with
 * backoff and jitter on throttling, 5xx and connection errors.
 */
export async function rawQuery(o: RawQueryOptions): Promise<RawQueryResult> {
  const url = new URL(o.endpoint);
  const signer = new QuerySignatureV2Signer();
  return pRetry(
    async () => {
      const request = new HttpRequest({
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        method: 'POST',
        path: url.pathname,
        headers: {
          host: url.host,
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        },
        body: new URLSearchParams(o.params).toString(),
      });
      const signed = HttpRequest.clone(await signer.sign(request, o.credentials));
      let response: HttpResponse;
      try {
        ({ response } = await o.handler.handle(signed, {
          ...(o.signal ? { abortSignal: o.signal } : {}),
        }));
      } catch (e) {
        const err = classifyError(e, url.pathname);
        if (err.code === 'unreachable' && !/ECONNREFUSED|ENOTFOUND/.test(err.message)) throw err;
        throw new AbortError(err);
      }
      const body = (
        await readCapped(response.body as Readable, DEFAULT_MAX_RESPONSE_BYTES, url.pathname)
      ).toString('utf8');
      if (response.statusCode >= 500 || /RequestLimitExceeded|Throttling|SlowDown/.test(body)) {
        throw new SourceError(
          response.statusCode >= 500 ? 'server' : 'throttled',
          `${url.pathname}: ${response.statusCode} after retries`,
        );
      }
      const isXml = body.trimStart().startsWith('<');
      return {
        status: response.statusCode,
        body,
        ...(isXml && body.length > 0 ? { xml: parseXmlSafe(body, url.pathname) } : {}),
      };
    },
    {
      retries: o.retries ?? 8,
      minTimeout: 100,
      maxTimeout: 3000,
      randomize: true,
      ...(o.signal ? { signal: o.signal } : {}),
    },
  );
}

/**
 * The error a non-200 query answer stands for, shaped like the SDK's service exceptions (`name` is
 * the server's code, `$metadata.httpStatusCode` the status) so that `classifyError` reads it alike.
 */
export function queryError(res: RawQueryResult, action: string): Error {
  const err =
    dig(res.xml, 'Response', 'Errors', 'Error') ?? dig(res.xml, 'ErrorResponse', 'Error') ?? {};
  const first = Array.isArray(err) ? (err[0] as unknown) : err;
  const code = text(dig(first, 'Code')) ?? `HTTP${res.status}`;
  const message = text(dig(first, 'Message')) ?? '';
  return Object.assign(
    new Error(`${action}: ${code}${message ? ` (${message.slice(0, 200)})` : ''}`),
    {
      name: code,
      $metadata: { httpStatusCode: res.status },
    },
  );
}

/** Walk `a.b.c` through parsed XML. */
export function dig(node: unknown, ...path: string[]): unknown {
  let cur = node;
  for (const p of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/** The `item`/`member` list of a parsed set (empty when the set is `<x/>`). */
export function items(node: unknown, key: 'item' | 'member' = 'item'): Record<string, unknown>[] {
  const list = dig(node, key);
  return Array.isArray(list) ? (list as Record<string, unknown>[]) : [];
}

export function text(node: unknown): string | undefined {
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  return undefined;
}
