import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const CHUNK = 256 * 1024;
const ZEROS = Buffer.alloc(CHUNK);

/**
 * The raw bytes of an image: deterministic pseudo-random data (the AES-128-CTR keystream under a key
 * drawn from the seed and the image id), produced on demand so that a 10 GiB image costs no disk.
 * CTR mode makes any byte range reachable without generating what comes before it.
 */
export function imageKey(seed: string, imageId: string): Buffer {
  return createHash('sha256')
    .update(`image-content\u0000${seed}\u0000${imageId}`)
    .digest()
    .subarray(0, 16);
}

/** A stream of bytes [start, end) of the image of `size` bytes. */
export function imageStream(key: Buffer, size: number, start = 0, end = size): Readable {
  const from = Math.max(0, Math.min(start, size));
  const to = Math.max(from, Math.min(end, size));
  const block = Math.floor(from / 16);
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(block), 8);
  const cipher = createCipheriv('aes-128-ctr', key, iv);
  let pos = block * 16;
  let skip = from - pos;
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      if (pos >= to) {
        this.push(null);
        return;
      }
      const n = Math.min(CHUNK, to - pos);
      let out = cipher.update(n === CHUNK ? ZEROS : ZEROS.subarray(0, n));
      pos += n;
      if (skip > 0) {
        out = out.subarray(skip);
        skip = 0;
      }
      this.push(out);
    },
  });
}

/** SHA-256 (hex) of a whole image, computed by streaming it. */
export async function imageSha256(key: Buffer, size: number): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of imageStream(key, size)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
