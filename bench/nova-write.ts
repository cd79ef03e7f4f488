/**
 * Nova writer benchmark (issue 5). Never part of `npm test`.
 *
 *   npm run bench:nova --workspace @euca2nova/bench        (or: npx tsx bench/nova-write.ts [N])
 *
 * 1. Rows: `scale:N` (default 1000) written by the idempotent writers into an empty Bexar
 *    database, against a plain `COPY … FROM STDIN` of exactly the same rows into the same tables
 *    of another empty Bexar database. Goal: writers within 2x of COPY.
 * 2. Images: writeImage (hash, temp dir, fsync, rename) against a raw copy of the same file.
 *    Goal: at least 90% of the raw copy's throughput.
 *
 * PostgreSQL: $NOVA_BENCH_ADMIN_URL (a superuser URL), else an embedded server of its own.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import {
  BEXAR_TABLES,
  buildImageInfo,
  initNovaSchema,
  planIdWidening,
  prepareWriteInput,
  widenIdColumns,
  writeAllRows,
  writeImage,
} from '@euca2nova/nova';
import { DEMO_HOSTS, demoMappings, scaleInventory } from '@euca2nova/nova/testing';
import { ensureDatabase, startEmbeddedPostgres, withDatabase } from '@euca2nova/state';

const N = Number(process.argv[2] ?? 1000);
const IMAGE_MIB = Number(process.env.NOVA_BENCH_IMAGE_MIB ?? 256);

async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r');
  await fh.sync();
  await fh.close();
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'euca2nova-bench-'));
  // As root the embedded server runs as "postgres", which must be able to enter this folder.
  await chmod(work, 0o755);
  let stop: () => Promise<void> = async () => undefined;
  let adminUrl = process.env.NOVA_BENCH_ADMIN_URL;
  if (adminUrl === undefined) {
    const server = await startEmbeddedPostgres({ dataDir: join(work, 'pg') });
    adminUrl = server.adminUrl;
    stop = () => server.stop();
  }
  try {
    const suffix = randomBytes(4).toString('hex');
    const writersDb = `nova_bench_w_${suffix}`;
    const copyDb = `nova_bench_c_${suffix}`;
    await ensureDatabase(adminUrl, writersDb);
    await ensureDatabase(adminUrl, copyDb);
    const wUrl = withDatabase(adminUrl, writersDb);
    const cUrl = withDatabase(adminUrl, copyDb);
    for (const url of [wUrl, cUrl]) {
      await initNovaSchema(url);
      await widenIdColumns(url, planIdWidening(), { confirmed: true });
    }

    const inventory = scaleInventory(N);
    const input = prepareWriteInput(inventory, demoMappings({}, 'MANAGED-NOVLAN'), DEMO_HOSTS);
    let t = performance.now();
    const results = await writeAllRows(wUrl, input);
    const writersMs = performance.now() - t;
    const rows = Object.values(results).reduce((n, r) => n + r.inserted, 0);
    t = performance.now();
    const again = await writeAllRows(wUrl, input);
    const secondMs = performance.now() - t;

    // The same rows, dumped from the writers' database, loaded with plain COPY.
    const dumps: { table: string; data: Buffer }[] = [];
    await withPg(wUrl, async (c) => {
      for (const table of BEXAR_TABLES) {
        if (table === 'migrate_version') continue;
        const chunks: Buffer[] = [];
        const s = c.query(copyTo(`COPY "${table}" TO STDOUT`));
        for await (const chunk of s) chunks.push(chunk as Buffer);
        const data = Buffer.concat(chunks);
        if (data.length > 0) dumps.push({ table, data });
      }
    });
    t = performance.now();
    await withPg(cUrl, async (c) => {
      for (const d of dumps) {
        await pipeline(Readable.from([d.data]), c.query(copyFrom(`COPY "${d.table}" FROM STDIN`)));
      }
    });
    const copyMs = performance.now() - t;

    // Images: one file of IMAGE_MIB MiB, four times each way.
    const src = join(work, 'source.img');
    const block = randomBytes(1024 * 1024);
    const fh = await open(src, 'w');
    for (let i = 0; i < IMAGE_MIB; i++) await fh.write(block);
    await fh.sync();
    await fh.close();
    const sha = createHash('sha256');
    for await (const chunk of createReadStream(src)) sha.update(chunk as Buffer);
    const expectedSha256 = sha.digest('hex');
    const store = join(work, 'images');
    const raw = join(work, 'raw');
    await mkdir(store);
    await mkdir(raw);
    const machine = inventory.images.find((i) => i.imageType === 'machine');
    if (machine === undefined) throw new Error('no machine image in the inventory');
    const rounds = 4;
    let rawCopyMs = 0;
    let rawStreamMs = 0;
    let imageMs = 0;
    // Alternate which side goes first so neither always follows the other's writeback.
    const runImage = async (r: number): Promise<void> => {
      const s = performance.now();
      const info = {
        ...buildImageInfo(machine, inventory, 'keep'),
        imageId: `emi-0000000${String(r + 1)}`,
      };
      await writeImage(store, info, createReadStream(src, { highWaterMark: 1 << 20 }), {
        expectedSha256,
      });
      imageMs += performance.now() - s;
    };
    const runRaw = async (r: number): Promise<void> => {
      let s = performance.now();
      await copyFile(src, join(raw, `copy-${String(r)}`));
      await fsyncFile(join(raw, `copy-${String(r)}`));
      rawCopyMs += performance.now() - s;
      s = performance.now();
      await pipeline(
        createReadStream(src, { highWaterMark: 1 << 20 }),
        createWriteStream(join(raw, `stream-${String(r)}`)),
      );
      await fsyncFile(join(raw, `stream-${String(r)}`));
      rawStreamMs += performance.now() - s;
    };
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        await runImage(r);
        await runRaw(r);
      } else {
        await runRaw(r);
        await runImage(r);
      }
    }
    const mib = IMAGE_MIB * rounds;
    const report = {
      scale: N,
      rows: {
        rowsWritten: rows,
        writersMs: Math.round(writersMs),
        plainCopyMs: Math.round(copyMs),
        ratio: Number((writersMs / copyMs).toFixed(2)),
        goal: 'ratio <= 2',
        secondRunMs: Math.round(secondMs),
        secondRunInserted: Object.values(again).reduce((n, r) => n + r.inserted, 0),
      },
      images: {
        mib,
        writeImageMiBps: Number((mib / (imageMs / 1000)).toFixed(1)),
        rawCopyFileMiBps: Number((mib / (rawCopyMs / 1000)).toFixed(1)),
        rawStreamCopyMiBps: Number((mib / (rawStreamMs / 1000)).toFixed(1)),
        vsCopyFile: Number((rawCopyMs / imageMs).toFixed(2)),
        vsStreamCopy: Number((rawStreamMs / imageMs).toFixed(2)),
        goal: '>= 0.9 of a raw copy',
      },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    await withPg(adminUrl, async (c) => {
      await c.query(`DROP DATABASE ${writersDb} WITH (FORCE)`);
      await c.query(`DROP DATABASE ${copyDb} WITH (FORCE)`);
    });
  } finally {
    await stop();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
