import { createPrivateKey, constants, privateDecrypt } from 'node:crypto';
import { createRequire } from 'node:module';
import { PassThrough, type Readable } from 'node:stream';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Image } from '@euca2nova/model';
import pRetry, { AbortError } from 'p-retry';
import type { BundleJob, FromWorker, JobMessage, ToWorker } from './bundle-worker.ts';
import type { SourceConnection } from './connect.ts';
import { fetchManifest } from './discover.ts';
import { SourceError, classifyError, errCode } from './errors.ts';
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
        if (position < total)
          throw Object.assign(new Error('the body ended early'), { code: 'ECONNRESET' });
        out.end();
        return;
      } catch (e) {
        if (o.signal?.aborted || attempts++ >= (o.retries ?? 6)) {
          out.destroy(cutShort(e, `GetDecryptedImage ${location}`, attempts, position, total));
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

/**
 * A body that kept breaking off once the server had answered: "cannot reach the server" would
 * send the operator to check host names, so say what happened and where it stopped.
 */
function cutShort(
  e: unknown,
  where: string,
  attempts: number,
  position: number,
  total: number,
): SourceError {
  const classified = classifyError(e, where);
  if (classified.code !== 'unreachable') return classified;
  return new SourceError(
    'unreachable',
    `${where}: the server answered, but the image's bytes broke off ${String(attempts)} time(s) in a row, the last at byte ${String(position)} of ${String(total)} (${errCode(e) ?? 'connection cut'}). Walrus or the network between is dropping the transfer; the bytes copied so far are kept for the next try.`,
    { cause: e },
  );
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

/**
 * Starts the bundle worker. It is a TypeScript module, and Node 20 does not apply an `--import`
 * loader to a worker's own entry module (neither inherited from `npx tsx` nor given in execArgv;
 * Vitest transforms modules without one at all), so a one-line bootstrap loads it through tsx's API.
 */
function startBundleWorker(): Worker {
  const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const api = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./bundle-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`;
  const worker = new Worker(boot, { eval: true });
  // An idle worker must not keep the process alive; a job's MessagePort does while it runs.
  worker.unref();
  // A worker that died while idle would swallow its next job's messages: it leaves the pool.
  worker.once('exit', () => {
    const i = idleWorkers.indexOf(worker);
    if (i >= 0) idleWorkers.splice(i, 1);
  });
  return worker;
}

/**
 * Workers whose last image ended cleanly, kept for the next one: starting a worker and loading
 * the TypeScript loader into it costs ~0.25 s of CPU, a fifth of what a 256 MiB image costs.
 */
const idleWorkers: Worker[] = [];
const MAX_IDLE_WORKERS = 2;

/** Bundle parts downloaded (and hashed) ahead of the one being decrypted. */
const PARTS_AHEAD = 4;

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
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  // Ends the part transfers when the caller gives up on the stream or the image fails.
  const stop = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
  const job: BundleJob = {
    key,
    iv,
    digests: parts.map((p) => p.digest),
    names: parts.map((p) => p.filename),
    location,
    offset: o.offset ?? 0,
  };
  const worker = idleWorkers.pop() ?? startBundleWorker();
  // One channel per image, so a reused worker never sees a message of an earlier image.
  const { port1: port, port2 } = new MessageChannel();
  worker.postMessage({ job, port: port2 } satisfies JobMessage, [port2]);
  let finished = false;
  const onWorkerError = (e: Error): void => {
    finish(classifyError(e, `bundle ${location}`));
  };
  const onWorkerExit = (): void => {
    finish(new SourceError('server', `The decryption of ${location} stopped unexpectedly.`));
  };
  worker.on('error', onWorkerError);
  worker.on('exit', onWorkerExit);
  /** `clean`: the worker finished the image and is ready for another. */
  const finish = (e?: Error, clean = false): void => {
    if (finished) return;
    finished = true;
    stop.abort();
    worker.off('error', onWorkerError);
    worker.off('exit', onWorkerExit);
    port.close();
    // A worker stopped midway may still hold parts and wait for more: it is not reused.
    if (clean && idleWorkers.length < MAX_IDLE_WORKERS) idleWorkers.push(worker);
    else void worker.terminate();
    if (out.destroyed) return;
    if (e) out.destroy(e);
    else out.end();
  };
  out.on('close', () => {
    finish();
  });
  const onAbort = (): void => {
    finish(classifyError(o.signal?.reason ?? new Error('aborted'), `bundle ${location}`));
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  out.on('close', () => o.signal?.removeEventListener('abort', onAbort));
  const toWorker = (m: ToWorker, transfer?: ArrayBuffer[]): void => {
    if (!finished) port.postMessage(m, transfer);
  };

  // A part's bytes go to the worker as the socket delivers them (it hashes them as they arrive),
  // and a transfer cut midway resumes with a Range request from the byte it reached.
  const fetchPart = (index: number, name: string): Promise<void> => {
    let got = 0;
    return pRetry(
      async () => {
        const res = await s3.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: name,
            ...(got > 0 ? { Range: `bytes=${got}-` } : {}),
          }),
          { abortSignal: signal },
        );
        if (got > 0 && !/^bytes \d+-/.test(res.ContentRange ?? '')) {
          // The server ignored the Range: take the whole part again.
          toWorker({ t: 'reset', part: index });
          got = 0;
        }
        const start = got;
        const body = res.Body as Readable | undefined;
        if (body) {
          for await (const c of body) {
            const b = c as Buffer;
            got += b.length;
            // A socket read owns its memory and nothing else reads it after this: hand it over
            // rather than copy it. Anything sharing a larger buffer is copied out.
            const own =
              b.byteOffset === 0 && b.byteLength === b.buffer.byteLength
                ? b
                : Uint8Array.prototype.slice.call(b);
            toWorker({ t: 'data', part: index, chunk: own }, [own.buffer as ArrayBuffer]);
          }
        }
        const total = /\/(\d+)$/.exec(res.ContentRange ?? '')?.[1];
        const want =
          total !== undefined
            ? Number(total)
            : res.ContentLength !== undefined
              ? start + res.ContentLength
              : undefined;
        if (want !== undefined && got < want) throw new Error('ECONNRESET: part ended early');
        toWorker({ t: 'end', part: index });
      },
      {
        retries: o.retries ?? 6,
        minTimeout: 200,
        maxTimeout: 10_000,
        randomize: true,
        signal,
      },
    );
  };
  // PARTS_AHEAD parts are in flight or waiting in the worker, so the network, this thread, the
  // worker (SHA-1, AES) and zlib's thread pool (gunzip) work at once. Memory is bounded by that
  // many parts (10 MiB each with euca2ools' default) plus the worker's output window.
  let next = 0;
  const fill = (inFlight: number): void => {
    for (; inFlight < PARTS_AHEAD && next < parts.length; inFlight++) {
      const index = next++;
      fetchPart(index, parts[index]?.filename ?? '').catch((e: unknown) => {
        finish(classifyError(e, `bundle ${location}`));
      });
    }
  };
  let consumed = 0;
  port.on('message', (m: FromWorker) => {
    if (finished) return;
    switch (m.t) {
      case 'data': {
        const b = Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength);
        if (out.write(b)) toWorker({ t: 'ack', bytes: b.length });
        else
          out.once('drain', () => {
            toWorker({ t: 'ack', bytes: b.length });
          });
        break;
      }
      case 'consumed':
        consumed++;
        fill(next - consumed);
        break;
      case 'done':
        finish(undefined, true);
        break;
      case 'error':
        finish(
          m.malformed
            ? new SourceError('malformed', m.message)
            : classifyError(new Error(m.message), `bundle ${location}`),
        );
        break;
    }
  });
  fill(0);
  return { stream: out, size: size - (o.offset ?? 0), path: 'bundle' };
}
