import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { startSimulator, type RequestLogEntry } from '@euca2nova/euca-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceError, connect, openImage, type SourceConnection } from '../src/index.ts';

type Sim = Awaited<ReturnType<typeof startSimulator>>;

async function sha256(stream: Readable): Promise<{ hex: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const c of stream) {
    const b = c as Buffer;
    size += b.length;
    h.update(b);
  }
  return { hex: h.digest('hex'), size };
}

for (const version of ['2.0', '3.4'] as const) {
  describe(`image bytes from the ${version} simulator`, () => {
    let sim: Sim;
    let conn: SourceConnection;
    const log: RequestLogEntry[] = [];
    beforeAll(async () => {
      sim = await startSimulator({
        onRequest: (e) => log.push(e),
        port: 0,
        eucaVersion: version,
        scenario: 'demo',
        seed: 'img',
        imageSize: 300 * 1024,
        partSize: 64 * 1024,
        assemblyMs: 200,
        controllerDb: 'none',
        control: true,
      });
      conn = await connect({
        ec2Url: sim.urls.ec2,
        accessKey: sim.admin.accessKey,
        secretKey: sim.admin.secretKey,
        cloudPkPem: await readFile(sim.files.cloudPk, 'utf8'),
      });
    });
    afterAll(async () => {
      conn.close();
      await sim.close();
    });

    for (const path of ['decrypted', 'bundle'] as const) {
      it(`streams every image by the ${path} path with the recorded SHA-256`, async () => {
        for (const img of sim.scenario.images) {
          const { stream, size } = await openImage(
            conn,
            { imageId: img.id, imageLocation: img.location },
            { path },
          );
          expect(size).toBe(img.size);
          const got = await sha256(stream);
          expect(got.size).toBe(img.size);
          expect(got.hex).toBe(img.sha256);
        }
      });
    }

    it('resumes a transfer cut mid-image with a Range request', async () => {
      const img = sim.scenario.images.find((i) => i.kind === 'machine');
      if (!img) throw new Error('no machine image');
      sim.faults.set({ resetAfterBytes: 100_000, resetCount: 2 });
      const before = sim.faults.injected.reset;
      const { stream } = await openImage(
        conn,
        { imageId: img.id, imageLocation: img.location },
        { path: 'decrypted' },
      );
      const got = await sha256(stream);
      sim.faults.reset();
      expect(sim.faults.injected.reset - before).toBe(2);
      expect(got.hex).toBe(img.sha256);
    });

    it('says where a body that keeps breaking off stopped, instead of "cannot reach"', async () => {
      const img = sim.scenario.images.find((i) => i.kind === 'machine');
      if (!img) throw new Error('no machine image');
      // Every body is cut 50,000 bytes in; one retry resumes at 50,000 and is cut again.
      sim.faults.set({ resetAfterBytes: 50_000 });
      try {
        const { stream } = await openImage(
          conn,
          { imageId: img.id, imageLocation: img.location },
          { path: 'decrypted', retries: 1 },
        );
        const err = await sha256(stream).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(SourceError);
        expect((err as SourceError).message).toMatch(
          new RegExp(
            `broke off 2 time\\(s\\) in a row, the last at byte 100000 of ${String(img.size)}`,
          ),
        );
        expect((err as SourceError).message).not.toMatch(/cannot reach/);
      } finally {
        sim.faults.reset();
      }
    });

    it('resumes a bundle part cut mid-transfer with a Range request', async () => {
      const img = sim.scenario.images.find((i) => i.kind === 'machine');
      if (!img) throw new Error('no machine image');
      // 300 KiB in 64 KiB parts; the first two part transfers are cut after 20 000 bytes.
      sim.faults.set({ resetAfterBytes: 20_000, resetCount: 2 });
      const before = sim.faults.injected.reset;
      log.length = 0;
      const { stream } = await openImage(
        conn,
        { imageId: img.id, imageLocation: img.location },
        { path: 'bundle' },
      );
      const got = await sha256(stream);
      sim.faults.reset();
      // Parts are fetched several at a time, so more transfers may be cut before the count runs out.
      const cuts = sim.faults.injected.reset - before;
      expect(cuts).toBeGreaterThanOrEqual(2);
      expect(got.hex).toBe(img.sha256);
      const parts = log.filter((e) => /\.part\.\d+$/.test(e.path));
      // One resumed transfer (206 Partial Content) per cut, and no part read from its start twice.
      expect(parts.filter((e) => e.status === 206)).toHaveLength(cuts);
      const full = parts.filter((e) => e.status === 200).map((e) => e.path);
      expect(new Set(full).size).toBe(full.length);
    });

    it('refuses a bundle part that fails its digest before any of its bytes go on', async () => {
      const img = sim.scenario.images.find((i) => i.kind === 'machine');
      if (!img) throw new Error('no machine image');
      const bucketDir = join(sim.files.dir, 'bukkits', img.bucket);
      const name = (await readdir(bucketDir)).find((f) => f === `${img.fileName}.part.01`);
      if (!name) throw new Error('no second part');
      const file = join(bucketDir, name);
      const original = await readFile(file);
      const bad = Buffer.from(original);
      bad[100] = (bad[100] ?? 0) ^ 0xff;
      await writeFile(file, bad);
      try {
        const { stream } = await openImage(
          conn,
          { imageId: img.id, imageLocation: img.location },
          { path: 'bundle' },
        );
        let got = 0;
        const err = await (async () => {
          for await (const c of stream) got += (c as Buffer).length;
        })().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(SourceError);
        expect((err as SourceError).code).toBe('malformed');
        expect((err as SourceError).message).toMatch(/digest/);
        // Only what the first (64 KiB) part decrypts to can have gone out.
        expect(got).toBeLessThan(64 * 1024);
      } finally {
        await writeFile(file, original);
      }
    });

    it('stops a bundle read when its signal aborts', async () => {
      const img = sim.scenario.images.find((i) => i.kind === 'machine');
      if (!img) throw new Error('no machine image');
      const ac = new AbortController();
      const { stream } = await openImage(
        conn,
        { imageId: img.id, imageLocation: img.location },
        { path: 'bundle', signal: ac.signal },
      );
      ac.abort();
      const err = await (async () => {
        let got = 0;
        for await (const c of stream) got += (c as Buffer).length;
        return got;
      })().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SourceError);
      expect((err as SourceError).code).toBe('aborted');
    });

    it('retries an assembly that times out', async () => {
      const img = sim.scenario.images.find((i) => i.kind === 'ramdisk');
      if (!img) throw new Error('no ramdisk');
      sim.flushImageCache();
      sim.faults.set({ assemblyFailure: true, assemblyTimeoutMs: 100 });
      setTimeout(() => sim.faults.set({ assemblyFailure: null }), 300);
      const { stream } = await openImage(
        conn,
        { imageId: img.id, imageLocation: img.location },
        { path: 'decrypted' },
      );
      expect((await sha256(stream)).hex).toBe(img.sha256);
      expect(sim.faults.injected.assemblyFailure).toBeGreaterThan(0);
      sim.faults.reset();
    });
  });
}
