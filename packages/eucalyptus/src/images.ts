import {
  createDecipheriv,
  createHash,
  createPrivateKey,
  constants,
  privateDecrypt,
} from 'node:crypto';
import { PassThrough, Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Image } from '@euca2nova/model';
import pRetry, { AbortError } from 'p-retry';
import tar from 'tar-stream';
import type { SourceConnection } from './connect.ts';
import { fetchManifest } from './discover.ts';
import { SourceError, classifyError } from './errors.ts';
import { dig, text } from './http.ts';

export interface OpenImageOptions {
  signal?: AbortSignal;
  /** Start at this byte of the raw image (resuming a copy). */
  offset?: number;
  /**
   * `decrypted`: Walrus' `EucaOperation: GetDecryptedImage` (2.0/3.x); `bundle`: download the parts
   * and decrypt here with cloud-pk.pem. Default: `bundle` when cloud-pk.pem was given.
   */
  path?: 'decrypted' | 'bundle';
  /** Retries of a broken or refused transfer. Default 6. */
  retries?: number;
}

export interface ImageStream {
  stream: Readable;
  /** Bytes of the raw image from `offset` on. */
  size: number;
  path: 'decrypted' | 'bundle';
}

function splitLocation(location: string): { bucket: string; key: string } {
  const slash = location.indexOf('/');
  if (slash <= 0 || location.split('/').some((s) => s === '..' || s === '.' || s === ''))
    throw new SourceError(
      'malformed',
      `Image location "${location.slice(0, 80)}" is not bucket/key.`,
    );
  return { bucket: location.slice(0, slash), key: location.slice(slash + 1) };
}

/**
 * Open an image's raw bytes as a stream. Either path retries with backoff and jitter; a broken
 * GetDecryptedImage transfer resumes with a Range request from the byte it reached.
 */
export async function openImage(
  conn: SourceConnection,
  image: Pick<Image, 'imageId' | 'imageLocation' | 'sizeBytes'>,
  options: OpenImageOptions = {},
): Promise<ImageStream> {
  if (image.imageLocation === undefined)
    throw new SourceError('not-found', `${image.imageId} has no bundle (EBS-backed image).`);
  const path = options.path ?? (conn.cloudPkPem !== undefined ? 'bundle' : 'decrypted');
  if (path === 'bundle') return openBundle(conn, image.imageLocation, options);
  return openDecrypted(conn, image.imageLocation, options);
}

function addHeader(name: string, value: string) {
  return (
      next: (a: { request: { headers: Record<string, string> } }) => unknown,
    ): ((args: { request: { headers: Record<string, string> } }) => unknown) =>
    (args) => {
      args.request.headers[name] = value;
      return next(args);
    };
}

async function getDecrypted(
  conn: SourceConnection,
  location: string,
  start: number,
  o: OpenImageOptions,
): Promise<{ body: Readable; total: number }> {
  const { bucket, key } = splitLocation(location);
  const s3 = conn.s3();
  return pRetry(
    async () => {
      const cmd = new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(start > 0 ? { Range: `bytes=${start}-` } : {}),
      });
      (
        cmd.middlewareStack as unknown as {
          add: (mw: unknown, opt: { step: string; name: string }) => void;
        }
      ).add(addHeader('EucaOperation', 'GetDecryptedImage'), {
        step: 'build',
        name: 'eucaOperation',
      });
      try {
        const out = await s3.send(cmd, o.signal ? { abortSignal: o.signal } : {});
        const range = /\/(\d+)$/.exec(out.ContentRange ?? '');
        const total = range ? Number(range[1]) : start + (out.ContentLength ?? 0);
        return { body: out.Body as Readable, total };
      } catch (e) {
        const err = classifyError(e, `GetDecryptedImage ${location}`);
        const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        // 404 NoSuchEntity "caching failure" and 408 are what a timed-out assembly answers: retry.
        if (status === 404 || status === 408 || err.code === 'unreachable' || err.code === 'server')
          throw err;
        throw new AbortError(err);
      }
    },
    {
      retries: o.retries ?? 6,
      minTimeout: 200,
      maxTimeout: 10_000,
      randomize: true,
      ...(o.signal ? { signal: o.signal } : {}),
    },
  );
}

async function openDecrypted(
  conn: SourceConnection,
  location: string,
  o: OpenImageOptions,
): Promise<ImageStream> {
  const offset = o.offset ?? 0;
  const first = await getDecrypted(conn, location, offset, o);
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  let position = offset;
  const total = first.total;
  void (async () => {
    let body: Readable = first.body;
    let attempts = 0;
    for (;;) {
      try {
        for await (const chunk of body) {
          const b = chunk as Buffer;
          position += b.length;
          if (!out.write(b)) await new Promise((r) => out.once('drain', r));
        }
        if (position < total) throw new Error('ECONNRESET: body ended early');
        out.end();
        return;
      } catch (e) {
        if (o.signal?.aborted || attempts++ >= (o.retries ?? 6)) {
          out.destroy(classifyError(e, `GetDecryptedImage ${location}`));
          return;
        }
        try {
          // Resume from the byte reached, not from the start.
          body = (await getDecrypted(conn, location, position, o)).body;
        } catch (e2) {
          out.destroy(classifyError(e2, `GetDecryptedImage ${location}`));
          return;
        }
      }
    }
  })();
  return { stream: out, size: total - offset, path: 'decrypted' };
}

/** RSA PKCS#1 v1.5 decryption by hand: Node 20 refuses the padding mode (CVE-2023-46809). */
function rsaPkcs1Decrypt(pem: string, data: Buffer): Buffer {
  const raw = privateDecrypt(
    { key: createPrivateKey(pem), padding: constants.RSA_NO_PADDING },
    data,
  );
  if (raw[0] !== 0 || raw[1] !== 2) throw new SourceError('malformed', 'bad PKCS#1 v1.5 block');
  const sep = raw.indexOf(0, 2);
  if (sep < 10) throw new SourceError('malformed', 'bad PKCS#1 v1.5 padding');
  return raw.subarray(sep + 1);
}

class SkipBytes extends Transform {
  constructor(private left: number) {
    super();
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, done: TransformCallback): void {
    if (this.left >= chunk.length) {
      this.left -= chunk.length;
      done();
      return;
    }
    const rest = chunk.subarray(this.left);
    this.left = 0;
    done(null, rest);
  }
}

/** Bundle parts downloaded (and hashed) ahead of the one being decrypted. */
const PARTS_AHEAD = 4;

interface Downloaded {
  chunks: Buffer[];
  /** Hex SHA-1 of the part. */
  sha1: string;
}

async function openBundle(
  conn: SourceConnection,
  location: string,
  o: OpenImageOptions,
): Promise<ImageStream> {
  const pem = conn.cloudPkPem;
  if (pem === undefined)
    throw new SourceError(
      'bad-input',
      'Decrypting bundles here needs the cloud private key (cloud-pk.pem).',
    );
  const { bucket } = splitLocation(location);
  const manifest = await fetchManifest(conn, location, o.signal);
  const image = dig(manifest, 'manifest', 'image');
  const size = Number(text(dig(image, 'size')));
  const hexOf = (v: unknown): Buffer =>
    Buffer.from(rsaPkcs1Decrypt(pem, Buffer.from(text(v) ?? '', 'hex')).toString('utf8'), 'hex');
  const key = hexOf(dig(image, 'ec2_encrypted_key'));
  const iv = hexOf(dig(image, 'ec2_encrypted_iv'));
  const rawParts = dig(image, 'parts', 'part');
  const parts = (Array.isArray(rawParts) ? rawParts : [rawParts]).map((p) => ({
    filename: text(dig(p, 'filename')) ?? '',
    digest: (text(dig(p, 'digest')) ?? '').toLowerCase(),
  }));
  for (const p of parts)
    if (!/^[A-Za-z0-9._-]+$/.test(p.filename) || p.filename.startsWith('.'))
      throw new SourceError(
        'malformed',
        `Bundle part name "${p.filename.slice(0, 80)}" is not a plain file name.`,
      );
  if (!Number.isSafeInteger(size) || key.length !== 16 || iv.length !== 16)
    throw new SourceError(
      'malformed',
      `The manifest of ${location} has no usable size, key or IV.`,
    );
  const s3 = conn.s3();
  // A part is hashed while it arrives (its digest is known the moment its last byte is), kept as
  // the chunks the socket delivered (no copy into one buffer), and a transfer cut midway resumes
  // with a Range request from the byte it reached.
  const fetchPart = (name: string): Promise<Downloaded> => {
    const chunks: Buffer[] = [];
    let got = 0;
    let sha1 = createHash('sha1');
    return pRetry(
      async () => {
        const out = await s3.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: name,
            ...(got > 0 ? { Range: `bytes=${got}-` } : {}),
          }),
          o.signal ? { abortSignal: o.signal } : {},
        );
        if (got > 0 && !/^bytes \d+-/.test(out.ContentRange ?? '')) {
          // The server ignored the Range: take the whole part again.
          chunks.length = 0;
          got = 0;
          sha1 = createHash('sha1');
        }
        const start = got;
        const body = out.Body as Readable | undefined;
        if (body) {
          for await (const c of body) {
            const b = c as Buffer;
            sha1.update(b);
            chunks.push(b);
            got += b.length;
          }
        }
        const total = /\/(\d+)$/.exec(out.ContentRange ?? '')?.[1];
        const want =
          total !== undefined
            ? Number(total)
            : out.ContentLength !== undefined
              ? start + out.ContentLength
              : undefined;
        if (want !== undefined && got < want) throw new Error('ECONNRESET: part ended early');
        return { chunks, sha1: sha1.digest('hex') };
      },
      {
        retries: o.retries ?? 6,
        minTimeout: 200,
        maxTimeout: 10_000,
        randomize: true,
        ...(o.signal ? { signal: o.signal } : {}),
      },
    );
  };
  // Parts download PARTS_AHEAD at a time ahead of the decryption, so the network, the main thread
  // (SHA-1, AES) and zlib's thread pool (gunzip) work at once. Memory is bounded by that many parts
  // (10 MiB each with euca2ools' default). No byte of a part goes on before its digest matched.
  async function* plain(): AsyncGenerator<Buffer> {
    const ahead: Promise<Downloaded>[] = [];
    let next = 0;
    const fill = (): void => {
      while (ahead.length < PARTS_AHEAD && next < parts.length) {
        const p = parts[next++];
        if (p) {
          const pending = fetchPart(p.filename);
          pending.catch(() => undefined);
          ahead.push(pending);
        }
      }
    };
    fill();
    const decipher = createDecipheriv('aes-128-cbc', key, iv);
    for (let i = 0; i < parts.length; i++) {
      const { chunks, sha1 } = await (ahead.shift() ?? Promise.reject(new Error('no part')));
      fill();
      const want = parts[i]?.digest ?? '';
      if (want && sha1 !== want)
        throw new SourceError(
          'malformed',
          `Bundle part ${parts[i]?.filename ?? i} of ${location} fails its SHA-1 digest.`,
        );
      // Chunk by chunk as the socket delivered them: joining them first would add one more copy
      // of every byte, and copies of image bytes are what the garbage collector pays for here.
      for (const chunk of chunks) {
        const clear = decipher.update(chunk);
        if (clear.length > 0) yield clear;
      }
    }
    const last = decipher.final();
    if (last.length > 0) yield last;
  }
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const extract = tar.extract();
  let found = false;
  extract.on('entry', (header, stream, next) => {
    if (found || header.type !== 'file') {
      stream.on('end', next);
      stream.resume();
      return;
    }
    found = true;
    const skip = o.offset ?? 0;
    pipeline(stream, new SkipBytes(skip), out, { end: true }).then(
      () => {
        next();
      },
      (e: unknown) => {
        out.destroy(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
  pipeline(
    Readable.from(plain()),
    // zlib's default 16 KiB output chunks cap gunzip near 180 MB/s here; 1 MiB ones reach ~800.
    createGunzip({ chunkSize: 1 << 20 }),
    extract,
  )
    .then(() => {
      if (!found)
        out.destroy(new SourceError('malformed', `The bundle of ${location} holds no file.`));
    })
    .catch((e: unknown) => {
      out.destroy(classifyError(e, `bundle ${location}`));
    });
  return { stream: out, size: size - (o.offset ?? 0), path: 'bundle' };
}
