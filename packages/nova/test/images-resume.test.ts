import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NovaTargetError,
  buildImageInfo,
  partialImageDir,
  writeImageResumable,
} from '../src/index.ts';
import { demoInventory } from './fixtures/index.ts';

const inventory = demoInventory();
const machine = inventory.images.find((i) => i.imageId === 'emi-AB12CD34');
if (machine === undefined) throw new Error('fixture');
const info = buildImageInfo(machine, inventory, 'keep');
const payload = randomBytes(3 * 1024 * 1024 + 17);
const sha = createHash('sha256').update(payload).digest('hex');

/** The payload from `offset`, in 64 KiB chunks, breaking after `breakAfter` bytes if given. */
function source(offset: number, breakAfter?: number): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    let sent = 0;
    for (let at = offset; at < payload.length; at += 65536) {
      const chunk = payload.subarray(at, Math.min(at + 65536, payload.length));
      if (breakAfter !== undefined && sent + chunk.length > breakAfter)
        throw new Error('connection reset');
      sent += chunk.length;
      yield chunk;
    }
  }
  return Readable.from(gen());
}

describe('resumable image copies', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'nova-resume-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps the bytes of a broken copy and continues from that offset, ending with the whole image', async () => {
    const offsets: number[] = [];
    await expect(
      writeImageResumable(
        root,
        info,
        async (offset) => {
          offsets.push(offset);
          return { stream: source(offset, 1024 * 1024) };
        },
        { expectedBytes: payload.length },
      ),
    ).rejects.toThrow('connection reset');
    const partial = await stat(join(partialImageDir(root, info.imageId), 'image'));
    expect(partial.size).toBe(1024 * 1024);
    expect(await readdir(root)).toEqual([`.${info.imageId}.partial`]);

    const progress: number[] = [];
    const r = await writeImageResumable(
      root,
      info,
      async (offset) => {
        offsets.push(offset);
        return { stream: source(offset) };
      },
      { expectedBytes: payload.length, onProgress: (b) => progress.push(b) },
    );
    expect(offsets).toEqual([0, 1024 * 1024]);
    expect(r).toMatchObject({ action: 'inserted', bytes: payload.length, sha256: sha });
    expect(r.resumedFrom).toBe(1024 * 1024);
    expect(progress[0]).toBe(1024 * 1024);
    expect(progress.at(-1)).toBe(payload.length);
    expect(
      createHash('sha256')
        .update(await readFile(join(root, info.imageId, 'image')))
        .digest('hex'),
    ).toBe(sha);
    expect(await readdir(root)).toEqual([info.imageId]);

    // Done once: a later call (a replayed step) reads nothing from the source.
    const again = await writeImageResumable(root, info, () => {
      throw new Error('must not be opened');
    });
    expect(again.action).toBe('skipped');
  });

  it('discards a partial copy whose result does not match the expected checksum', async () => {
    const other = { ...info, imageId: 'emi-0000BEEF' };
    await expect(
      writeImageResumable(root, other, async (o) => ({ stream: source(o) }), {
        expectedSha256: '0'.repeat(64),
      }),
    ).rejects.toBeInstanceOf(NovaTargetError);
    await expect(stat(partialImageDir(root, other.imageId))).rejects.toThrow();
  });
});
