import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3SignatureV2AuthScheme } from '../src/signing/s3-v2.ts';

describe('S3 signature v2 through the AWS SDK v3 S3 client', () => {
  let captured: IncomingMessage | undefined;
  let endpoint = '';
  const server = createServer((req, res) => {
    captured = req;
    res
      .writeHead(206, {
        'content-type': 'application/octet-stream',
        'content-length': '5',
        'content-range': 'bytes 10-14/100',
      })
      .end('hello');
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/Walrus`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  );

  it('signs a ranged path-style GetObject with the full Walrus path as canonical resource', async () => {
    const client = new S3Client({
      endpoint,
      region: 'eucalyptus',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' },
      httpAuthSchemes: [s3SignatureV2AuthScheme()],
    });
    const out = await client.send(
      new GetObjectCommand({ Bucket: 'images', Key: 'centos.manifest.xml', Range: 'bytes=10-14' }),
    );
    expect(await out.Body?.transformToString()).toBe('hello');

    const req = captured;
    expect(req?.url).toMatch(/^\/services\/Walrus\/images\/centos\.manifest\.xml/);
    const auth = req?.headers.authorization ?? '';
    expect(auth).toMatch(/^AWS AKID:[A-Za-z0-9+/=]+$/);
    const amz = Object.keys(req?.headers ?? {})
      .filter((k) => k.startsWith('x-amz-'))
      .sort()
      .map((k) => `${k}:${String(req?.headers[k]).trim()}\n`)
      .join('');
    const stringToSign = `GET\n\n\n${req?.headers.date ?? ''}\n${amz}${new URL(req?.url ?? '', 'http://x').pathname}`;
    expect(auth.slice('AWS AKID:'.length)).toBe(
      createHmac('sha1', 'SECRET').update(stringToSign).digest('base64'),
    );
    client.destroy();
  });
});
