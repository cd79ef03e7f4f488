import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  QuerySignatureV2Signer,
  canonicalQueryV2,
  querySignatureV2AuthScheme,
  rfc3986,
} from '../src/signing/query-v2.ts';

// A DescribeRegions answer in Eucalyptus 2.0's style: the request's namespace around old elements.
const REGIONS = `<?xml version="1.0" encoding="UTF-8"?>
<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>6b3e1d3a-0c1f-4f6e-9a36-3c1e5f0d2a11</requestId><regionInfo><item><regionName>Eucalyptus</regionName><regionEndpoint>http://10.1.1.10:8773/services/Eucalyptus</regionEndpoint></item><item><regionName>Walrus</regionName><regionEndpoint>http://10.1.1.10:8773/services/Walrus</regionEndpoint></item></regionInfo></DescribeRegionsResponse>`;

describe('query signature v2 through the AWS SDK v3', () => {
  let captured: { headers: IncomingMessage['headers']; body: string; url: string } | undefined;
  let endpoint = '';
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      captured = { headers: req.headers, body, url: req.url ?? '' };
      res.writeHead(200, { 'content-type': 'text/xml' }).end(REGIONS);
    });
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/Eucalyptus`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  );

  it('signs the form body with HmacSHA256 v2 and leaves no SigV4 header', async () => {
    const client = new EC2Client({
      endpoint,
      region: 'eucalyptus',
      credentials: {
        accessKeyId: 'WKy3rMzOWPouVOxK1p3Ar1C2uRBwa2FBXnCw',
        secretAccessKey: 's3cr3t/+key',
      },
      httpAuthSchemes: [querySignatureV2AuthScheme()],
    });
    const out = await client.send(new DescribeRegionsCommand({}));
    expect(out.Regions?.map((r) => r.RegionName)).toEqual(['Eucalyptus', 'Walrus']);

    expect(captured?.headers.authorization).toBeUndefined();
    expect(captured?.headers['x-amz-date']).toBeUndefined();
    const params = new URLSearchParams(captured?.body);
    expect(params.get('Action')).toBe('DescribeRegions');
    expect(params.get('AWSAccessKeyId')).toBe('WKy3rMzOWPouVOxK1p3Ar1C2uRBwa2FBXnCw');
    expect(params.get('SignatureVersion')).toBe('2');
    expect(params.get('SignatureMethod')).toBe('HmacSHA256');
    expect(params.get('Timestamp')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    // What a server recomputes from what it received: method, Host header, path, sorted params.
    const stringToSign = `POST\n${captured?.headers.host ?? ''}\n${captured?.url ?? ''}\n${canonicalQueryV2(params)}`;
    expect(params.get('Signature')).toBe(
      createHmac('sha256', 's3cr3t/+key').update(stringToSign).digest('base64'),
    );
    client.destroy();
  });

  it('encodes parameters the RFC 3986 way and sorts them by byte order', () => {
    expect(rfc3986("a b*c!'()~")).toBe('a%20b%2Ac%21%27%28%29~');
    const params = new URLSearchParams({ b: '2', B: '1', 'a.1': 'x y', Signature: 'dropped' });
    expect(canonicalQueryV2(params)).toBe('B=1&a.1=x%20y&b=2');
  });

  it('signs a fixed request to a fixed signature', async () => {
    const signer = new QuerySignatureV2Signer(() => new Date('2011-10-03T15:19:30.000Z'));
    const { HttpRequest } = await import('@smithy/protocol-http');
    const request = new HttpRequest({
      method: 'POST',
      protocol: 'http:',
      hostname: 'clc.example',
      port: 8773,
      path: '/services/Eucalyptus',
      headers: { host: 'clc.example:8773' },
      body: 'Action=DescribeImages&Version=2009-11-30&ImageId.1=emi-2BB65342',
    });
    const signed = await signer.sign(request, { accessKeyId: 'AKID', secretAccessKey: 'SECRET' });
    const params = new URLSearchParams(signed.body as string);
    const expected = createHmac('sha256', 'SECRET')
      .update(
        'POST\nclc.example:8773\n/services/Eucalyptus\n' +
          'AWSAccessKeyId=AKID&Action=DescribeImages&ImageId.1=emi-2BB65342&SignatureMethod=HmacSHA256' +
          '&SignatureVersion=2&Timestamp=2011-10-03T15%3A19%3A30Z&Version=2009-11-30',
      )
      .digest('base64');
    expect(params.get('Signature')).toBe(expected);
    expect(signed.headers['content-length']).toBe(String(Buffer.byteLength(signed.body as string)));
  });
});
