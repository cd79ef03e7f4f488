import {
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createVerify,
  privateDecrypt,
  constants,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startSimulator,
  type RunningSimulator,
  type SimImage,
  type SimUser,
} from '../src/index.ts';
import { at, parseXml, s3v2 } from './helpers.ts';

const IMAGE_SIZE = 300 * 1024 + 17;
const PART_SIZE = 64 * 1024;
const ASSEMBLY_MS = 400;

function user(sim: RunningSimulator, name: string): SimUser {
  const u = sim.scenario.users.find((x) => x.name === name);
  if (!u) throw new Error(`no user ${name}`);
  return u;
}

/**
 * RSA PKCS#1 v1.5 decryption. Node 20 refuses RSA_PKCS1_PADDING in privateDecrypt (CVE-2023-46809), so
 * decrypt raw and strip the `00 02 <non-zero padding> 00` block by hand, as a client has to.
 */
function pkcs1v15Decrypt(key: KeyObject, data: Buffer): Buffer {
  const raw = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, data);
  if (raw[0] !== 0 || raw[1] !== 2) throw new Error('bad PKCS#1 v1.5 block');
  const sep = raw.indexOf(0, 2);
  if (sep < 10) throw new Error('bad PKCS#1 v1.5 padding');
  return raw.subarray(sep + 1);
}

/** Download a bundle over Walrus and unbundle it the way euca-unbundle does, with cloud-pk.pem. */
async function unbundle(
  sim: RunningSimulator,
  img: SimImage,
): Promise<{ sha256: string; size: number; name: string }> {
  const manifestRes = await s3v2(sim.urls.s3, `/${img.bucket}/${img.manifestKey}`, sim.admin);
  expect(manifestRes.status).toBe(200);
  const manifestText = await manifestRes.text();
  const m = parseXml(manifestText);
  const image = at(m, 'manifest', 'image') as Record<string, unknown>;
  const pk = createPrivateKey(await readFile(sim.files.cloudPk, 'utf8'));
  const dec = (hex: string): Buffer =>
    Buffer.from(pkcs1v15Decrypt(pk, Buffer.from(hex, 'hex')).toString('utf8'), 'hex');
  const key = dec(String(at(image, 'ec2_encrypted_key', '#text')));
  const iv = dec(String(at(image, 'ec2_encrypted_iv')));
  // The signature covers machine_configuration + image, verifiable with the cloud certificate.
  const signed = /(<machine_configuration>.*<\/image>)/s.exec(manifestText)?.[1] ?? '';
  // The owner bundled the image: its certificate (issued by the cloud) verifies the manifest signature,
  // and its private key opens user_encrypted_key/iv as well.
  const owner = sim.scenario.users.find((u) => u.name === img.owner);
  const cloudCert = new X509Certificate(await readFile(sim.files.cloudCert, 'utf8'));
  const cert = new X509Certificate(owner?.x509?.certificatePem ?? '');
  expect(cert.verify(cloudCert.publicKey)).toBe(true);
  const userKey = createPrivateKey(owner?.x509?.privateKeyPem ?? '');
  const userDec = (hex: string): Buffer =>
    Buffer.from(pkcs1v15Decrypt(userKey, Buffer.from(hex, 'hex')).toString('utf8'), 'hex');
  expect(userDec(String(at(image, 'user_encrypted_key', '#text'))).equals(key)).toBe(true);
  expect(userDec(String(at(image, 'user_encrypted_iv'))).equals(iv)).toBe(true);
  expect(
    createVerify('RSA-SHA1')
      .update(signed)
      .verify(cert.publicKey, String(at(m, 'manifest', 'signature')), 'hex'),
  ).toBe(true);
  const partsNode = at(image, 'parts', 'part');
  const parts = (Array.isArray(partsNode) ? partsNode : [partsNode]) as Record<string, unknown>[];
  expect(Number(at(image, 'parts', '@_count'))).toBe(parts.length);
  const encrypted: Buffer[] = [];
  for (const p of parts) {
    const res = await s3v2(sim.urls.s3, `/${img.bucket}/${String(p['filename'])}`, sim.admin);
    expect(res.status).toBe(200);
    const buf = Buffer.from(await res.arrayBuffer());
    expect(createHash('sha1').update(buf).digest('hex')).toBe(at(p, 'digest', '#text'));
    encrypted.push(buf);
  }
  const all = Buffer.concat(encrypted);
  expect(all.length).toBe(Number(image['bundled_size']));
  const decipher = createDecipheriv('aes-128-cbc', key, iv);
  const gz = Buffer.concat([decipher.update(all), decipher.final()]);
  const tarball = gunzipSync(gz);
  expect(createHash('sha1').update(tarball).digest('hex')).toBe(at(image, 'digest', '#text'));
  const extract = tar.extract();
  const result = { sha256: '', size: 0, name: '' };
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const h = createHash('sha256');
      result.name = header.name;
      stream.on('data', (c: unknown) => {
        if (!Buffer.isBuffer(c)) return;
        h.update(c);
        result.size += c.length;
      });
      stream.on('end', () => {
        result.sha256 = h.digest('hex');
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(tarball);
  await done;
  return result;
}

describe('Walrus', () => {
  let sim: RunningSimulator;
  let machine: SimImage;

  beforeAll(async () => {
    sim = await startSimulator({
      port: 0,
      eucaVersion: '2.0',
      seed: 'T',
      imageSize: IMAGE_SIZE,
      partSize: PART_SIZE,
      assemblyMs: ASSEMBLY_MS,
    });
    const img = sim.scenario.images.find((i) => i.owner === 'alice' && i.kind === 'machine');
    if (!img) throw new Error('no image');
    machine = img;
  });
  afterAll(async () => {
    await sim.close();
  });

  it('stores each image as a real bundle that decrypts with cloud-pk.pem to the recorded SHA-256', async () => {
    const r = await unbundle(sim, machine);
    expect(r).toEqual({ sha256: machine.sha256, size: IMAGE_SIZE, name: machine.fileName });
    const kernel = sim.scenario.images.find((i) => i.kind === 'kernel');
    if (!kernel) throw new Error('no kernel');
    expect((await unbundle(sim, kernel)).sha256).toBe(kernel.sha256);
  });

  it("lists only the caller's buckets, and a bucket's manifest and parts", async () => {
    const mine = parseXml(await (await s3v2(sim.urls.s3, '/', user(sim, 'alice'))).text());
    const names = (
      at(mine, 'ListAllMyBucketsResult', 'Buckets', 'Bucket') as Record<string, unknown>[]
    ).map((b) => b['Name']);
    expect(names).toEqual(['alice-bundles']);
    const list = parseXml(
      await (await s3v2(sim.urls.s3, `/${machine.bucket}`, user(sim, 'alice'))).text(),
    );
    const keys = (at(list, 'ListBucketResult', 'Contents') as Record<string, unknown>[]).map(
      (c) => c['Key'],
    );
    expect(keys).toContain(machine.manifestKey);
    expect(keys).toContain(`${machine.fileName}.part.00`);
    expect(keys.length).toBe(1 + Math.ceil((IMAGE_SIZE + 2048) / PART_SIZE));
    const paged = parseXml(
      await (await s3v2(sim.urls.s3, `/${machine.bucket}?max-keys=2`, user(sim, 'alice'))).text(),
    );
    expect(at(paged, 'ListBucketResult', 'IsTruncated')).toBe('true');
    const denied = await s3v2(sim.urls.s3, `/${machine.bucket}`, user(sim, 'bob'));
    expect(denied.status).toBe(403);
    expect(at(parseXml(await denied.text()), 'Error', 'Code')).toBe('AccessDenied');
  });

  it('serves byte ranges of objects, and HEAD', async () => {
    const key = `/${machine.bucket}/${machine.fileName}.part.01`;
    const whole = Buffer.from(await (await s3v2(sim.urls.s3, key, sim.admin)).arrayBuffer());
    const part = await s3v2(sim.urls.s3, key, sim.admin, { range: 'bytes=100-1099' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-1099/${whole.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(whole.subarray(100, 1100))).toBe(true);
    const tail = await s3v2(sim.urls.s3, key, sim.admin, { range: 'bytes=-10' });
    expect(Buffer.from(await tail.arrayBuffer()).equals(whole.subarray(whole.length - 10))).toBe(
      true,
    );
    const head = await s3v2(sim.urls.s3, key, sim.admin, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(whole.length));
    expect(head.headers.get('etag')).toBe(`"${createHash('md5').update(whole).digest('hex')}"`);
    const bad = await s3v2(sim.urls.s3, key, sim.admin, { range: `bytes=${whole.length + 5}-` });
    expect(bad.status).toBe(416);
  });

  it('GetDecryptedImage blocks while assembling the first time, then streams the raw image', async () => {
    sim.flushImageCache();
    const path = `/${machine.bucket}/${machine.manifestKey}`;
    const t0 = Date.now();
    const [a, b] = await Promise.all([
      s3v2(sim.urls.s3, path, sim.admin, { EucaOperation: 'GetDecryptedImage' }),
      s3v2(sim.urls.s3, path, user(sim, 'alice'), { EucaOperation: 'GetDecryptedImage' }),
    ]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(ASSEMBLY_MS - 20);
    for (const res of [a, b]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(IMAGE_SIZE));
      expect(
        createHash('sha256')
          .update(Buffer.from(await res.arrayBuffer()))
          .digest('hex'),
      ).toBe(machine.sha256);
    }
    const t1 = Date.now();
    const again = await s3v2(sim.urls.s3, path, sim.admin, {
      EucaOperation: 'GetDecryptedImage',
      range: 'bytes=1000-1999',
    });
    expect(Date.now() - t1).toBeLessThan(ASSEMBLY_MS);
    expect(again.status).toBe(206);
    expect((await again.arrayBuffer()).byteLength).toBe(1000);
    const denied = await s3v2(sim.urls.s3, path, user(sim, 'carol'), {
      EucaOperation: 'GetDecryptedImage',
    });
    expect(denied.status).toBe(403);
  });

  it('GetDecryptedImage with IsCompressed=true sends the raw image gzipped', async () => {
    const res = await s3v2(
      sim.urls.s3,
      `/${machine.bucket}/${machine.manifestKey}?IsCompressed=true`,
      sim.admin,
      { EucaOperation: 'GetDecryptedImage' },
    );
    expect(res.status).toBe(200);
    const raw = gunzipSync(Buffer.from(await res.arrayBuffer()));
    expect(createHash('sha256').update(raw).digest('hex')).toBe(machine.sha256);
  });

  it('accepts S3 v2 query-string authentication (a presigned GET) until it expires', async () => {
    const u = new URL(sim.urls.s3);
    const resource = `${u.pathname}/${machine.bucket}/${machine.manifestKey}`;
    const url = (expires: number): string => {
      const sig = createHmac('sha1', sim.admin.secretKey)
        .update(`GET\n\n\n${String(expires)}\n${resource}`)
        .digest('base64');
      return `${u.origin}${resource}?${new URLSearchParams({ AWSAccessKeyId: sim.admin.accessKey, Expires: String(expires), Signature: sig }).toString()}`;
    };
    const ok = await fetch(url(Math.floor(Date.now() / 1000) + 300));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('<manifest>');
    expect((await fetch(url(Math.floor(Date.now() / 1000) - 10))).status).toBe(403);
  });

  it('rejects bad S3 v2 signatures, SigV4, and unknown buckets or keys', async () => {
    const wrong = await s3v2(sim.urls.s3, '/', {
      accessKey: sim.admin.accessKey,
      secretKey: 'nope',
    });
    expect(wrong.status).toBe(403);
    expect(at(parseXml(await wrong.text()), 'Error', 'Code')).toBe('SignatureDoesNotMatch');
    const anonymous = await fetch(`${sim.urls.s3}/kernels`);
    expect(anonymous.status).toBe(403);
    const s3 = new S3Client({
      endpoint: sim.urls.s3,
      forcePathStyle: true,
      region: 'eucalyptus',
      credentials: { accessKeyId: sim.admin.accessKey, secretAccessKey: sim.admin.secretKey },
      maxAttempts: 1,
    });
    await expect(
      s3.send(new GetObjectCommand({ Bucket: machine.bucket, Key: machine.manifestKey })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    expect((await s3v2(sim.urls.s3, '/no-such-bucket/x', sim.admin)).status).toBe(404);
    const noKey = await s3v2(sim.urls.s3, `/${machine.bucket}/nope`, sim.admin);
    expect(at(parseXml(await noKey.text()), 'Error', 'Code')).toBe('NoSuchKey');
  });
});

describe('bundles built before listening', () => {
  it('writes every image bundle at start when asked, so no request pays for it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-prebuild-'));
    const sim = await startSimulator({
      port: 0,
      eucaVersion: '2.0',
      scenario: 'demo',
      seed: 'prebuild',
      imageSize: 64 * 1024,
      dir,
      controllerDb: 'none',
      prebuildBundles: true,
    });
    try {
      const files = await readdir(join(dir, 'bukkits'), { recursive: true });
      const manifests = files.filter((f) => f.endsWith('.manifest.xml'));
      expect(manifests).toHaveLength(sim.scenario.images.length);
    } finally {
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
