import { XMLParser } from 'fast-xml-parser';
import { signQueryV2, signS3V2 } from '../src/index.ts';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  isArray: (name) =>
    name === 'item' || name === 'member' || name === 'Contents' || name === 'Bucket',
});

export interface Creds {
  accessKey: string;
  secretKey: string;
}

export function parseXml(text: string): Record<string, unknown> {
  return parser.parse(text) as Record<string, unknown>;
}

/** A signature-v2 query request (POST, form body), as euca2ools 1.x / boto 2 send it. */
export async function queryV2(
  url: string,
  params: Record<string, string>,
  creds: Creds,
  opts: { method?: 'GET' | 'POST'; tamper?: boolean } = {},
): Promise<{ status: number; text: string; xml: Record<string, unknown> }> {
  const u = new URL(url);
  const method = opts.method ?? 'POST';
  const signed = signQueryV2(method, u.host, u.pathname, params, creds.accessKey, creds.secretKey);
  if (opts.tamper === true) {
    // Another first character, whatever the signature starts with (one in 64 starts with A).
    const sig = signed['Signature'] ?? '';
    signed['Signature'] = `${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`;
  }
  const body = new URLSearchParams(signed).toString();
  const res =
    method === 'POST'
      ? await fetch(url, {
          method,
          body,
          headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        })
      : await fetch(`${url}?${body}`);
  const text = await res.text();
  return { status: res.status, text, xml: text.startsWith('<') ? parseXml(text) : {} };
}

/** An S3 signature-v2 GET/HEAD against Walrus. */
export async function s3v2(
  s3Url: string,
  path: string,
  creds: Creds,
  headers: Record<string, string> = {},
  method: 'GET' | 'HEAD' = 'GET',
): Promise<Response> {
  const u = new URL(s3Url);
  const date = new Date().toUTCString();
  const all = { date, ...headers };
  const resource = `${u.pathname}${path}`;
  const authorization = signS3V2(
    method,
    resource.split('?')[0] ?? resource,
    all,
    creds.accessKey,
    creds.secretKey,
  );
  return fetch(`${u.origin}${resource}`, { method, headers: { ...all, authorization } });
}

/** Walk a parsed XML tree by element names. */
export function at(node: unknown, ...path: string[]): unknown {
  let cur = node;
  for (const p of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

export function items(node: unknown, ...path: string[]): Record<string, unknown>[] {
  const v = at(node, ...path, 'item');
  return Array.isArray(v) ? (v as Record<string, unknown>[]) : [];
}
