/** Why a connection to (or a call into) the source cloud failed, for the operator. */
export type SourceErrorCode =
  | 'unreachable'
  | 'tls'
  | 'auth'
  | 'not-admin'
  | 'not-eucalyptus'
  | 'unsupported'
  | 'throttled'
  | 'server'
  | 'malformed'
  | 'too-large'
  | 'not-found'
  | 'aborted'
  | 'bad-input';

/**
 * A typed failure with an operator-facing message that says what to do. Messages never carry a
 * secret: only endpoints, access key ids and server error codes.
 */
export class SourceError extends Error {
  constructor(
    readonly code: SourceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SourceError';
  }
}

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);
const NET_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EPIPE',
  'TimeoutError',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const AUTH_CODES = new Set([
  'AuthFailure',
  'SignatureDoesNotMatch',
  'InvalidClientTokenId',
  'InvalidAccessKeyId',
  'MissingAuthenticationToken',
  'IncompleteSignature',
  'AccessDenied',
]);
const THROTTLE_CODES = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'SlowDown',
]);

/** The server's or the runtime's error code behind an error (`AuthFailure`, `ECONNRESET`, …). */
export function errCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const o = e as { code?: unknown; name?: unknown; Code?: unknown; cause?: unknown };
  if (typeof o.code === 'string') return o.code;
  if (typeof o.Code === 'string') return o.Code;
  if (o.cause !== undefined) {
    const inner = errCode(o.cause);
    if (inner !== undefined) return inner;
  }
  if (typeof o.name === 'string') return o.name;
  return undefined;
}

function httpStatus(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const meta = (e as { $metadata?: { httpStatusCode?: unknown } }).$metadata;
  return typeof meta?.httpStatusCode === 'number' ? meta.httpStatusCode : undefined;
}

/** Turn whatever a call threw into a `SourceError` naming the endpoint and what to do. */
export function classifyError(e: unknown, where: string): SourceError {
  if (e instanceof SourceError) return e;
  const code = errCode(e) ?? '';
  const status = httpStatus(e);
  const raw = e instanceof Error ? e.message : String(e);
  if (code === 'AbortError' || code === 'ABORT_ERR')
    return new SourceError('aborted', `${where}: cancelled.`, { cause: e });
  if (TLS_CODES.has(code) || /certificate|SSL routines|TLS/i.test(raw))
    return new SourceError(
      'tls',
      `${where}: the TLS handshake failed (${code || raw.slice(0, 80)}). Check the URL's scheme (Eucalyptus serves plain http on 8773) or trust the cloud's certificate.`,
      { cause: e },
    );
  // A reset comes from a server that was reached: sending the operator to check host names and
  // ports would be wrong.
  if (code === 'ECONNRESET' || code === 'EPIPE')
    return new SourceError(
      'unreachable',
      `${where}: the connection was cut before the answer was complete (${code}), again after retries. The cloud, a proxy or the network between is dropping it; try again, or look at the cloud controller's and Walrus' logs.`,
      { cause: e },
    );
  if (NET_CODES.has(code))
    return new SourceError(
      'unreachable',
      `${where}: cannot reach the server (${code}). Check the host name, the port (8773) and that the cloud controller is running and reachable from here.`,
      { cause: e },
    );
  if (AUTH_CODES.has(code) || status === 401)
    return new SourceError(
      'auth',
      `${where}: the cloud rejected the credentials (${code || status}). Check the access key and secret key (copy them again from the admin's eucarc).`,
      { cause: e },
    );
  if (THROTTLE_CODES.has(code))
    return new SourceError(
      'throttled',
      `${where}: the cloud is throttling requests (${code}) and kept doing so after retries. Lower the concurrency or try again later.`,
      { cause: e },
    );
  if (status !== undefined && status >= 500)
    return new SourceError(
      'server',
      `${where}: the cloud answered with a server error (${status}${code ? ` ${code}` : ''}) after retries. Check the cloud controller's health and try again.`,
      { cause: e },
    );
  if (/XML parse error|Deserialization error|unexpected content|no root element/i.test(raw))
    return new SourceError(
      'malformed',
      `${where}: the answer is not the XML a Eucalyptus cloud sends. Is this URL a Eucalyptus service?`,
      { cause: e },
    );
  return new SourceError('server', `${where}: ${code ? `${code}: ` : ''}${raw.slice(0, 300)}`, {
    cause: e,
  });
}
