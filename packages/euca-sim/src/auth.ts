import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** What a verifier needs from the request. */
export interface SignedRequest {
  method: string;
  /** The raw (still percent-encoded) path, without the query string. */
  path: string;
  /** The raw query string, without `?`. */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Query parameters merged with an `application/x-www-form-urlencoded` body. */
  params: Map<string, string>;
}

export type SignatureKind = 'v1' | 'v2' | 'v4' | 's3v2';

export type AuthResult =
  | { ok: true; accessKey: string; kind: SignatureKind }
  | { ok: false; code: 'AuthFailure' | 'MissingAuth' | 'UnsupportedSignature'; message: string };

export type SecretLookup = (accessKey: string) => string | undefined;

/** RFC 3986 encoding, as AWS canonical query strings use it. */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Path variants a server accepts for the same signature: as sent, with and without a trailing slash. */
function pathVariants(path: string): string[] {
  const out = new Set([path]);
  if (path.endsWith('/') && path.length > 1) out.add(path.slice(0, -1));
  else out.add(`${path}/`);
  return [...out];
}

/**
 * Query signature versions 1 and 2 (EC2/Euare/Accounts). Version 2 signs
 * `METHOD\nhost\npath\ncanonical-query` with HmacSHA256 or HmacSHA1; version 1 signs the parameters
 * sorted case-insensitively and concatenated (name then value, no encoding) with HmacSHA1.
 */
function verifyQueryV1V2(req: SignedRequest, lookup: SecretLookup): AuthResult {
  const p = req.params;
  const accessKey = p.get('AWSAccessKeyId');
  const signature = p.get('Signature');
  const version = p.get('SignatureVersion');
  if (accessKey === undefined || signature === undefined) {
    return {
      ok: false,
      code: 'MissingAuth',
      message: 'Request is missing authentication parameters',
    };
  }
  const secret = lookup(accessKey);
  if (secret === undefined)
    return { ok: false, code: 'AuthFailure', message: `Unknown access key ${accessKey}` };
  const entries = [...p.entries()].filter(([k]) => k !== 'Signature');
  if (version === '1') {
    const sorted = entries.sort(([a], [b]) => a.toLowerCase().localeCompare(b.toLowerCase()));
    const toSign = sorted.map(([k, v]) => `${k}${v}`).join('');
    const expected = createHmac('sha1', secret).update(toSign).digest('base64');
    return safeEqual(expected, signature)
      ? { ok: true, accessKey, kind: 'v1' }
      : { ok: false, code: 'AuthFailure', message: 'Signature (v1) does not match' };
  }
  if (version !== '2') {
    return {
      ok: false,
      code: 'UnsupportedSignature',
      message: `Unsupported SignatureVersion ${version ?? '(none)'}`,
    };
  }
  const method = p.get('SignatureMethod');
  const algo = method === 'HmacSHA256' ? 'sha256' : method === 'HmacSHA1' ? 'sha1' : undefined;
  if (algo === undefined) {
    return {
      ok: false,
      code: 'UnsupportedSignature',
      message: `Unsupported SignatureMethod ${method ?? '(none)'}`,
    };
  }
  const canonical = entries
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const host = (header(req.headers, 'host') ?? '').toLowerCase();
  const hosts = new Set([host, host.replace(/:(80|443)$/, '')]);
  for (const h of hosts) {
    for (const path of pathVariants(req.path)) {
      const toSign = `${req.method.toUpperCase()}\n${h}\n${path}\n${canonical}`;
      const expected = createHmac(algo, secret).update(toSign).digest('base64');
      if (safeEqual(expected, signature)) return { ok: true, accessKey, kind: 'v2' };
    }
  }
  return { ok: false, code: 'AuthFailure', message: 'Signature (v2) does not match' };
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function canonicalQueryV4(rawQuery: string, drop: string | undefined): string {
  if (rawQuery === '') return '';
  const pairs: [string, string][] = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, '%20'));
    const v = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, '%20'));
    if (k === drop) continue;
    pairs.push([rfc3986(k), rfc3986(v)]);
  }
  pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/**
 * AWS Signature Version 4 (header form, and the presigned query form). As in Eucalyptus' HmacV4 login
 * module, the region and service of the credential scope are not checked, and the canonical path may
 * be the real path or `/`.
 */
function verifyV4(req: SignedRequest, lookup: SecretLookup, s3: boolean): AuthResult {
  const auth = header(req.headers, 'authorization');
  let credential: string;
  let signedHeaders: string;
  let signature: string;
  let amzDate: string;
  let presigned = false;
  if (auth?.startsWith('AWS4-HMAC-SHA256 ') === true) {
    const fields = new Map<string, string>();
    for (const part of auth.slice('AWS4-HMAC-SHA256 '.length).split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    credential = fields.get('Credential') ?? '';
    signedHeaders = fields.get('SignedHeaders') ?? '';
    signature = fields.get('Signature') ?? '';
    amzDate = header(req.headers, 'x-amz-date') ?? '';
  } else {
    presigned = true;
    credential = req.params.get('X-Amz-Credential') ?? '';
    signedHeaders = req.params.get('X-Amz-SignedHeaders') ?? '';
    signature = req.params.get('X-Amz-Signature') ?? '';
    amzDate = req.params.get('X-Amz-Date') ?? '';
  }
  const [accessKey = '', date = '', region = '', service = '', terminator = ''] =
    credential.split('/');
  if (!accessKey || !date || terminator !== 'aws4_request' || !signature || !amzDate) {
    return { ok: false, code: 'AuthFailure', message: 'Malformed AWS4-HMAC-SHA256 authorization' };
  }
  const secret = lookup(accessKey);
  if (secret === undefined)
    return { ok: false, code: 'AuthFailure', message: `Unknown access key ${accessKey}` };
  const names = signedHeaders.split(';').filter((n) => n !== '');
  const canonicalHeaders = names
    .map((n) => `${n}:${(header(req.headers, n) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const payloadHash =
    header(req.headers, 'x-amz-content-sha256') ??
    (presigned && s3 ? 'UNSIGNED-PAYLOAD' : createHash('sha256').update(req.body).digest('hex'));
  const query = canonicalQueryV4(req.rawQuery, presigned ? 'X-Amz-Signature' : undefined);
  const scope = `${date}/${region}/${service}/aws4_request`;
  const kDate = hmac(`AWS4${secret}`, date);
  const kSigning = hmac(hmac(hmac(kDate, region), service), 'aws4_request');
  const paths = new Set([...pathVariants(req.path), '/']);
  for (const path of paths) {
    const canonicalPath = s3
      ? path
      : path
          .split('/')
          .map((seg) => rfc3986(decodeURIComponent(seg)))
          .join('/');
    const canonicalRequest = [
      req.method.toUpperCase(),
      canonicalPath,
      query,
      canonicalHeaders,
      signedHeaders,
      payloadHash,
    ].join('\n');
    const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    const expected = createHmac('sha256', kSigning).update(toSign).digest('hex');
    if (safeEqual(expected, signature)) return { ok: true, accessKey, kind: 'v4' };
  }
  return { ok: false, code: 'AuthFailure', message: 'Signature (v4) does not match' };
}

/** Verify a query-API request (EC2, Euare, Accounts): v1/v2 always, v4 when the version has it. */
export function verifyQueryRequest(
  req: SignedRequest,
  lookup: SecretLookup,
  allowV4: boolean,
): AuthResult {
  const auth = header(req.headers, 'authorization');
  const isV4 = auth?.startsWith('AWS4-HMAC-SHA256') === true || req.params.has('X-Amz-Signature');
  if (isV4) {
    if (!allowV4) {
      return {
        ok: false,
        code: 'AuthFailure',
        message: 'Signature version 4 is not supported by this cloud',
      };
    }
    return verifyV4(req, lookup, false);
  }
  return verifyQueryV1V2(req, lookup);
}

const S3_SUBRESOURCES = new Set([
  'acl',
  'lifecycle',
  'location',
  'logging',
  'notification',
  'partNumber',
  'policy',
  'requestPayment',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
  'response-content-type',
  'response-content-language',
  'response-expires',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
]);

/**
 * S3 signature version 2 (Walrus): header `Authorization: AWS key:signature` or the query form
 * (`AWSAccessKeyId`, `Expires`, `Signature`). The canonical resource is tried with the full path
 * (`/services/Walrus/bucket/key`, what boto signs) and with the service prefix removed.
 */
export function verifyS3Request(
  req: SignedRequest,
  lookup: SecretLookup,
  servicePrefix: string,
): AuthResult {
  const auth = header(req.headers, 'authorization');
  if (auth?.startsWith('AWS4-HMAC-SHA256') === true || req.params.has('X-Amz-Signature')) {
    return {
      ok: false,
      code: 'AuthFailure',
      message: 'Walrus accepts only S3 signature version 2',
    };
  }
  let accessKey: string;
  let signature: string;
  let dateLine: string;
  if (auth?.startsWith('AWS ') === true) {
    const colon = auth.lastIndexOf(':');
    accessKey = auth.slice(4, colon);
    signature = auth.slice(colon + 1);
    dateLine =
      header(req.headers, 'x-amz-date') !== undefined ? '' : (header(req.headers, 'date') ?? '');
  } else if (req.params.has('Signature') && req.params.has('AWSAccessKeyId')) {
    accessKey = req.params.get('AWSAccessKeyId') ?? '';
    signature = req.params.get('Signature') ?? '';
    dateLine = req.params.get('Expires') ?? '';
    const expires = Number(dateLine);
    if (Number.isFinite(expires) && expires * 1000 < Date.now()) {
      return { ok: false, code: 'AuthFailure', message: 'Request has expired' };
    }
  } else {
    return { ok: false, code: 'MissingAuth', message: 'Anonymous access is not allowed' };
  }
  const secret = lookup(accessKey);
  if (secret === undefined)
    return { ok: false, code: 'AuthFailure', message: `Unknown access key ${accessKey}` };
  const amz = Object.keys(req.headers)
    .filter((k) => k.startsWith('x-amz-'))
    .sort()
    .map((k) => `${k}:${(header(req.headers, k) ?? '').trim()}\n`)
    .join('');
  const sub = [...req.params.entries()]
    .filter(([k]) => S3_SUBRESOURCES.has(k))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => (v === '' ? k : `${k}=${v}`));
  const suffix = sub.length > 0 ? `?${sub.join('&')}` : '';
  const resources = new Set([
    req.path,
    req.path.startsWith(servicePrefix) ? req.path.slice(servicePrefix.length) || '/' : req.path,
  ]);
  for (const resource of resources) {
    const toSign = [
      req.method.toUpperCase(),
      header(req.headers, 'content-md5') ?? '',
      header(req.headers, 'content-type') ?? '',
      dateLine,
      `${amz}${resource}${suffix}`,
    ].join('\n');
    const expected = createHmac('sha1', secret).update(toSign).digest('base64');
    if (safeEqual(expected, signature)) return { ok: true, accessKey, kind: 's3v2' };
  }
  return {
    ok: false,
    code: 'AuthFailure',
    message: 'The request signature we calculated does not match the signature you provided',
  };
}

/** Sign a query request with signature v2 (for tests and tools): returns the full parameter set. */
export function signQueryV2(
  method: string,
  host: string,
  path: string,
  params: Record<string, string>,
  accessKey: string,
  secretKey: string,
): Record<string, string> {
  const all: Record<string, string> = {
    ...params,
    AWSAccessKeyId: accessKey,
    SignatureVersion: '2',
    SignatureMethod: 'HmacSHA256',
    Timestamp: params['Timestamp'] ?? new Date().toISOString(),
  };
  const canonical = Object.keys(all)
    .map((k) => [rfc3986(k), rfc3986(all[k] ?? '')] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const signature = createHmac('sha256', secretKey)
    .update(`${method.toUpperCase()}\n${host.toLowerCase()}\n${path}\n${canonical}`)
    .digest('base64');
  return { ...all, Signature: signature };
}

/** Sign an S3 request with signature v2 (header form), for tests and tools. */
export function signS3V2(
  method: string,
  resource: string,
  headers: Record<string, string>,
  accessKey: string,
  secretKey: string,
): string {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const amz = Object.keys(lower)
    .filter((k) => k.startsWith('x-amz-'))
    .sort()
    .map((k) => `${k}:${(lower[k] ?? '').trim()}\n`)
    .join('');
  const toSign = [
    method.toUpperCase(),
    lower['content-md5'] ?? '',
    lower['content-type'] ?? '',
    lower['x-amz-date'] !== undefined ? '' : (lower['date'] ?? ''),
    `${amz}${resource}`,
  ].join('\n');
  return `AWS ${accessKey}:${createHmac('sha1', secretKey).update(toSign).digest('base64')}`;
}
