import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NovaTargetError, buildImageInfo, readImageStore, writeImage } from '../src/index.ts';
import { demoInventory } from './fixtures/index.ts';

const inventory = demoInventory();
const machine = inventory.images.find((i) => i.imageId === 'emi-AB12CD34');
if (machine === undefined) throw new Error('fixture');
const payload = Buffer.alloc(256 * 1024, 7);
const sha = createHash('sha256').update(payload).digest('hex');

/** A 1 MiB tmpfs to fill up, when this process may mount (root in a container); else skipped. */
function mountSmallTmpfs(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('the objectstore image layout', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'nova-images-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes <id>/image and <id>/info.json, then skips an identical rewrite and reports a different one', async () => {
    const info = buildImageInfo(machine, inventory, 'keep');
    const r = await writeImage(root, info, Readable.from([payload]), { expectedSha256: sha });
    expect(r).toMatchObject({
      action: 'inserted',
      imageId: 'emi-AB12CD34',
      bytes: payload.length,
      sha256: sha,
    });
    expect(await readFile(join(root, 'emi-AB12CD34', 'image'))).toEqual(payload);
    const stored = JSON.parse(
      await readFile(join(root, 'emi-AB12CD34', 'info.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(stored).toEqual({
      imageId: 'emi-AB12CD34',
      imageLocation: 'alice-images/ubuntu-9.04.img.manifest.xml',
      imageOwnerId: 'alice',
      isPublic: false,
      architecture: 'x86_64',
      imageType: 'machine',
      imageState: 'available',
      kernelId: 'eki-11112222',
      ramdiskId: 'eri-33334444',
    });
    expect(
      (await writeImage(root, info, Readable.from([payload]), { expectedSha256: sha })).action,
    ).toBe('skipped');
    const other = await writeImage(root, { ...info, isPublic: true }, Readable.from([payload]), {
      expectedSha256: sha,
    });
    expect(other).toMatchObject({ action: 'conflict', fields: ['info.json'] });
    expect((await readImageStore(root)).map((i) => i.isPublic)).toEqual([false]);
  });

  it('rewrites emi/eki/eri to ami/aki/ari with the same hex when asked', () => {
    const info = buildImageInfo(machine, inventory, 'rewrite');
    expect([info.imageId, info.kernelId, info.ramdiskId]).toEqual([
      'ami-AB12CD34',
      'aki-11112222',
      'ari-33334444',
    ]);
  });

  it('leaves nothing behind on a checksum mismatch', async () => {
    const info = { ...buildImageInfo(machine, inventory, 'keep'), imageId: 'emi-00000001' };
    await expect(
      writeImage(root, info, Readable.from([payload]), { expectedSha256: '0'.repeat(64) }),
    ).rejects.toThrow(/does not match/);
    expect((await readdir(root)).sort()).toEqual(['emi-AB12CD34']);
  });

  it('refuses an id that could escape the image store before touching the disk', async () => {
    const info = { ...buildImageInfo(machine, inventory, 'keep'), imageId: 'emi-../../etc' };
    await expect(writeImage(root, info, Readable.from([payload]))).rejects.toThrow(
      /FORBIDDEN_CHARACTER/,
    );
    expect(await readdir(root)).toEqual(['emi-AB12CD34']);
  });

  it('refuses up front when the free space is known to be too small', async () => {
    const info = { ...buildImageInfo(machine, inventory, 'keep'), imageId: 'emi-00000002' };
    await expect(
      writeImage(root, info, Readable.from([payload]), { expectedBytes: Number.MAX_SAFE_INTEGER }),
    ).rejects.toBeInstanceOf(NovaTargetError);
    expect(await readdir(root)).toEqual(['emi-AB12CD34']);
  });

  it('stops on abort and leaves nothing behind', async () => {
    const c = new AbortController();
    const info = { ...buildImageInfo(machine, inventory, 'keep'), imageId: 'emi-00000004' };
    async function* slow(): AsyncGenerator<Buffer> {
      yield payload;
      c.abort(new Error('cancelled'));
      yield payload;
    }
    await expect(writeImage(root, info, slow(), { signal: c.signal })).rejects.toThrow('cancelled');
    expect(await readdir(root)).toEqual(['emi-AB12CD34']);
  });

  it('reports a full disk clearly and leaves nothing half written', async (ctx) => {
    const small = join(root, 'small');
    await mkdir(small);
    if (!mountSmallTmpfs(small)) {
      ctx.skip();
      return;
    }
    try {
      const info = { ...buildImageInfo(machine, inventory, 'keep'), imageId: 'emi-00000003' };
      const big = Array.from({ length: 8 }, () => payload); // 2 MiB into 1 MiB
      const err = await writeImage(small, info, Readable.from(big)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NovaTargetError);
      expect((err as NovaTargetError).code).toBe('disk-full');
      expect(await readdir(small)).toEqual([]);
    } finally {
      execFileSync('umount', [small]);
    }
  });
});
