// The CPU half of openImage()'s bundle path, in a worker thread: SHA-1 of every part, AES-128-CBC,
// gunzip and untar. Done on the caller's thread, this allocated ~3 bytes of short-lived Buffers per
// image byte in a heap that also holds the caller's data (an inventory, a plan), and V8's full
// collections of that heap cost more than the cryptography. Here the heap is small and only image
// bytes pass through it. The caller moves the encrypted bytes in (transferred, not copied) and gets
// the raw image back in 1 MiB transferred blocks, at most WINDOW bytes ahead of its consumer.
import { createDecipheriv, createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parentPort, type MessagePort } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';

export interface BundleJob {
  key: Uint8Array;
  iv: Uint8Array;
  /** Lower-case hex SHA-1 of each part, '' where the manifest gives none. */
  digests: string[];
  /** For error messages only. */
  names: string[];
  location: string;
  /** Bytes of the raw image to skip (resuming a copy). */
  offset: number;
}

/** What starts one image: the job, and the channel all its other messages go through. */
export interface JobMessage {
  job: BundleJob;
  port: MessagePort;
}

export type ToWorker =
  | { t: 'data'; part: number; chunk: Uint8Array }
  /** The server ignored a Range request: the part starts again from its first byte. */
  | { t: 'reset'; part: number }
  | { t: 'end'; part: number }
  /** The caller's consumer took this many more bytes. */
  | { t: 'ack'; bytes: number };

export type FromWorker =
  | { t: 'data'; chunk: Uint8Array }
  /** The part's bytes are decrypted and released: the caller may fetch another. */
  | { t: 'consumed'; part: number }
  | { t: 'done' }
  | { t: 'error'; malformed: boolean; message: string };

/** Raw-image bytes per message to the caller. */
export const BLOCK = 1 << 20;
/** Raw-image bytes sent and not yet taken by the caller's consumer. */
const WINDOW = 4 * BLOCK;

class Malformed extends Error {}

interface Part {
  chunks: Buffer[];
  sha1: Hash;
  ended: boolean;
}

function run(port: MessagePort, job: BundleJob): void {
  const post = (m: FromWorker, transfer?: ArrayBuffer[]): void => {
    port.postMessage(m, transfer);
  };
  const parts = new Map<number, Part>();
  const fresh = (): Part => ({ chunks: [], sha1: createHash('sha1'), ended: false });
  let partEnded: (() => void) | undefined;
  let credit = WINDOW;
  let credited: (() => void) | undefined;
  port.on('message', (m: ToWorker) => {
    switch (m.t) {
      case 'data': {
        let p = parts.get(m.part);
        if (!p) parts.set(m.part, (p = fresh()));
        // Hashed as it arrives, so the digest is known the moment the part's last byte is.
        const b = Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength);
        p.sha1.update(b);
        p.chunks.push(b);
        break;
      }
      case 'reset':
        parts.set(m.part, fresh());
        break;
      case 'end': {
        let p = parts.get(m.part);
        if (!p) parts.set(m.part, (p = fresh()));
        p.ended = true;
        partEnded?.();
        break;
      }
      case 'ack':
        credit += m.bytes;
        credited?.();
        break;
    }
  });

  async function* plain(): AsyncGenerator<Buffer> {
    const decipher = createDecipheriv('aes-128-cbc', job.key, job.iv);
    for (let i = 0; i < job.digests.length; i++) {
      let p = parts.get(i);
      while (!p?.ended) {
        await new Promise<void>((r) => (partEnded = r));
        p = parts.get(i);
      }
      parts.delete(i);
      const want = job.digests[i] ?? '';
      // No byte of a part goes on before its digest matched.
      if (want && p.sha1.digest('hex') !== want)
        throw new Malformed(
          `Bundle part ${job.names[i] ?? i} of ${job.location} fails its SHA-1 digest.`,
        );
      for (const chunk of p.chunks) {
        const clear = decipher.update(chunk);
        if (clear.length > 0) yield clear;
      }
      p.chunks.length = 0;
      post({ t: 'consumed', part: i });
    }
    const last = decipher.final();
    if (last.length > 0) yield last;
  }

  const send = async (block: Uint8Array): Promise<void> => {
    while (credit <= 0) await new Promise<void>((r) => (credited = r));
    credit -= block.byteLength;
    post({ t: 'data', chunk: block }, [block.buffer as ArrayBuffer]);
  };
  // Copied into blocks this thread owns: gunzip's output chunks share larger buffers, and posting a
  // view of one would clone all of it.
  async function forward(entry: AsyncIterable<unknown>): Promise<void> {
    let skip = job.offset;
    let block = new Uint8Array(BLOCK);
    let fill = 0;
    for await (const c of entry) {
      let b = c as Buffer;
      if (skip >= b.length) {
        skip -= b.length;
        continue;
      }
      b = b.subarray(skip);
      skip = 0;
      while (b.length > 0) {
        const n = Math.min(b.length, BLOCK - fill);
        block.set(b.subarray(0, n), fill);
        fill += n;
        b = b.subarray(n);
        if (fill === BLOCK) {
          await send(block);
          block = new Uint8Array(BLOCK);
          fill = 0;
        }
      }
    }
    if (fill > 0) await send(block.subarray(0, fill));
  }

  const extract = tar.extract();
  let found = false;
  let failed = false;
  const fail = (e: unknown): void => {
    if (failed) return;
    failed = true;
    post({
      t: 'error',
      malformed: e instanceof Malformed,
      message: e instanceof Error ? e.message : String(e),
    });
    port.close();
  };
  extract.on('entry', (header, stream, next) => {
    if (found || header.type !== 'file') {
      stream.on('end', next);
      stream.resume();
      return;
    }
    found = true;
    forward(stream).then(() => {
      next();
    }, fail);
  });
  pipeline(
    Readable.from(plain()),
    // zlib's default 16 KiB output chunks cap gunzip near 180 MB/s here; 1 MiB ones reach ~800.
    createGunzip({ chunkSize: 1 << 20 }),
    extract,
  ).then(() => {
    if (failed) return;
    if (!found) fail(new Malformed(`The bundle of ${job.location} holds no file.`));
    else {
      post({ t: 'done' });
      port.close();
    }
  }, fail);
}

// One image at a time per worker; the caller reuses a worker whose image ended cleanly.
parentPort?.on('message', (m: JobMessage) => {
  run(m.port, m.job);
});
