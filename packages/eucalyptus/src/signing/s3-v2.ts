import { createHmac } from 'node:crypto';
import { HttpRequest } from '@smithy/protocol-http';
import { authSchemeWith, dropSigV4Headers } from './common.ts';
import type {
  AwsCredentialIdentity,
  HttpAuthScheme,
  HttpRequest as IHttpRequest,
  HttpSigner,
} from '@smithy/types';

/** Sub-resources that belong to the canonical resource of an S3 signature v2. */
const SUBRESOURCES = new Set([
  'acl',
  'delete',
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
 * S3 signature version 2 (`Authorization: AWS key:signature`), the only signature Walrus accepts
 * before Eucalyptus 4.4 (eucalyptus.md §0.1). The canonical resource is the full path as sent,
 * `/services/Walrus/bucket/key`, as boto signs it for Walrus.
 */
export class S3SignatureV2Signer implements HttpSigner {
  constructor(private readonly now: () => Date = () => new Date()) {}

  async sign(request: IHttpRequest, identity: AwsCredentialIdentity): Promise<IHttpRequest> {
    const signed = HttpRequest.clone(request);
    dropSigV4Headers(signed.headers);
    signed.headers.date = this.now().toUTCString();
    const header = (name: string): string =>
      Object.entries(signed.headers).find(([k]) => k.toLowerCase() === name)?.[1] ?? '';
    const amzHeaders = Object.entries(signed.headers)
      .map(([k, v]) => [k.toLowerCase(), v.trim()] as const)
      .filter(([k]) => k.startsWith('x-amz-'))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}:${v}\n`)
      .join('');
    const sub = Object.entries(signed.query)
      .filter(([k]) => SUBRESOURCES.has(k))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => (v === null || v === '' ? k : `${k}=${String(v)}`));
    const resource = (signed.path || '/') + (sub.length ? `?${sub.join('&')}` : '');
    const stringToSign = [
      signed.method.toUpperCase(),
      header('content-md5'),
      header('content-type'),
      signed.headers.date,
      amzHeaders + resource,
    ].join('\n');
    const signature = createHmac('sha1', identity.secretAccessKey)
      .update(stringToSign, 'utf8')
      .digest('base64');
    signed.headers.authorization = `AWS ${identity.accessKeyId}:${signature}`;
    return signed;
  }
}

/** The S3 client's `httpAuthSchemes` entry that signs with S3 signature v2 instead of SigV4. */
export function s3SignatureV2AuthScheme(signer = new S3SignatureV2Signer()): HttpAuthScheme {
  return authSchemeWith(signer);
}
