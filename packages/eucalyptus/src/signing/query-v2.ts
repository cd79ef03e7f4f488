import { createHmac } from 'node:crypto';
import { HttpRequest } from '@smithy/protocol-http';
import { authSchemeWith, dropSigV4Headers } from './common.ts';
import type {
  AwsCredentialIdentity,
  HttpAuthScheme,
  HttpRequest as IHttpRequest,
  HttpSigner,
} from '@smithy/types';

/**
 * RFC 3986 percent-encoding, which AWS query signatures require (encodeURIComponent leaves
 * `!'()*` alone).
 */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Parameters sorted by byte order of their names and joined as the signature v2 spec says. */
export function canonicalQueryV2(params: URLSearchParams): string {
  return [...params.entries()]
    .filter(([name]) => name !== 'Signature')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${rfc3986(name)}=${rfc3986(value)}`)
    .join('&');
}

/**
 * Query signature version 2 (HmacSHA256), the only signature Eucalyptus 2.0–3.2 accept on EC2 and
 * Euare (eucalyptus.md §0.1). The SDK builds and parses the request as usual; this signer only adds
 * the v2 parameters and the signature to its form body, in place of a SigV4 Authorization header.
 */
export class QuerySignatureV2Signer implements HttpSigner {
  constructor(private readonly now: () => Date = () => new Date()) {}

  async sign(request: IHttpRequest, identity: AwsCredentialIdentity): Promise<IHttpRequest> {
    const signed = HttpRequest.clone(request);
    if (typeof signed.body !== 'string') {
      throw new Error('query signature v2 needs a form-encoded request body');
    }
    const params = new URLSearchParams(signed.body);
    params.delete('Signature');
    params.set('AWSAccessKeyId', identity.accessKeyId);
    params.set('SignatureMethod', 'HmacSHA256');
    params.set('SignatureVersion', '2');
    params.delete('Expires');
    params.set(
      'Timestamp',
      this.now()
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z'),
    );

    // The Host header as sent, port included when it is not the scheme's default.
    const host = (signed.headers.host ?? hostOf(signed)).toLowerCase();
    const stringToSign = [
      signed.method.toUpperCase(),
      host,
      signed.path || '/',
      canonicalQueryV2(params),
    ].join('\n');
    const signature = createHmac('sha256', identity.secretAccessKey)
      .update(stringToSign, 'utf8')
      .digest('base64');
    const body = `${canonicalQueryV2(params)}&Signature=${rfc3986(signature)}`;
    signed.body = body;
    signed.headers['content-length'] = String(Buffer.byteLength(body));
    dropSigV4Headers(signed.headers, [/^x-amz-content-sha256$/]);
    return signed;
  }
}

function hostOf(request: HttpRequest): string {
  const defaultPort = request.protocol === 'https:' ? 443 : 80;
  return request.port && request.port !== defaultPort
    ? `${request.hostname}:${request.port}`
    : request.hostname;
}

/**
 * The SDK's `httpAuthSchemes` entry that replaces SigV4 with query signature v2 for a Query
 * protocol client (EC2, IAM): same scheme id, same credentials, another signer.
 */
export function querySignatureV2AuthScheme(signer = new QuerySignatureV2Signer()): HttpAuthScheme {
  return authSchemeWith(signer);
}
