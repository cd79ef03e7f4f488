/**
 * Benchmark of the Nova writers (packages/nova), each figure against a reference measured in the
 * same run. Never part of `npm test`.
 *
 *   npm run bench -- --only nova-write       under the harness (bench/run.ts)
 *   npx tsx bench/nova-write.ts [N]          alone: prints the same section (N overrides BENCH_SCALE)
 *
 * Knobs: BENCH_SCALE (default 1000: the inventory is scale:N), NOVA_BENCH_IMAGE_MIB (default 256:
 * the image written), NOVA_BENCH_ADMIN_URL (a superuser URL; else an embedded PostgreSQL of its
 * own), PSQL (default /usr/bin/psql).
 *
 * 1. Rows: scale:N written by the idempotent writers into an empty Bexar database, against COPY
 *    through psql: one psql process fed exactly the same rows (dumped from the writers' database)
 *    as one `COPY … FROM STDIN` data block per table, into another empty Bexar database, timed from
 *    spawn to exit. That is what an operator would call the fastest way to load those rows. Beside
 *    it, without a goal, COPY over one connection of this process (pg-copy-streams): the same load
 *    without psql's start-up. Then the writers again on their own database: a rerun inserts nothing.
 * 2. Images: writeImage (hash, temp dir, fsync, rename) against a raw copy of the same file
 *    (copyFile, then fsync), and a streamed copy (read and write streams, then fsync).
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { access, chmod, copyFile, mkdir, mkdtemp, open, rm } from 'node:fs/promises';
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
import { emitSection, plain, verdictOf, versus, type Figure } from './lib/results.ts';

/** A positive whole number, or the default when absent. */
function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
}

const ROW_ROUNDS = 3;
const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const N = positive('N', process.argv[2] ?? process.env.BENCH_SCALE, 1000);
const IMAGE_MIB = positive('NOVA_BENCH_IMAGE_MIB', process.env.NOVA_BENCH_IMAGE_MIB, 256);
const PSQL = process.env.PSQL ?? '/usr/bin/psql';
const PSQL_HINT = 'apt-get install -y postgresql-client';

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

interface TableDump {
  readonly table: string;
  /** COPY text format, as COPY … TO STDOUT wrote it. */
  readonly data: Buffer;
}

/**
 * Load the dumps with one psql process, timed from spawn to exit, in milliseconds. The connection
 * goes through PG* variables, not argv, so the password is not on a command line; psql's own error
 * (which never holds it) is kept when it fails.
 */
async function copyThroughPsql(url: string, dumps: readonly TableDump[]): Promise<number> {
  const u = new URL(url);
  // One COPY per table, each its own transaction: the writers also commit once per kind of row.
  const script = Buffer.concat(
    dumps.flatMap((d) => [
      Buffer.from(`COPY "${d.table}" FROM STDIN;\n`),
      d.data,
      Buffer.from('\\.\n'),
    ]),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PGHOST: u.hostname.replace(/^\[|\]$/g, ''),
    PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: decodeURIComponent(u.pathname.slice(1)),
    PGSSLMODE: 'disable',
  };
  const t = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(PSQL, ['-X', '-q', '-v', 'ON_ERROR_STOP=1'], {
      env,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`psql ended with ${String(code)}: ${err.slice(-500)}`));
    });
    child.stdin.on('error', reject);
    child.stdin.end(script);
  });
  return performance.now() - t;
}

/** Rows per table, to check that a reference loaded exactly what the writers wrote. */
async function rowCounts(url: string, tables: readonly string[]): Promise<Map<string, number>> {
  return withPg(url, async (c) => {
    const out = new Map<string, number>();
    for (const table of tables) {
      const r = await c.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`);
      out.set(table, Number(r.rows[0]?.n ?? 0));
    }
    return out;
  });
}

async function psqlMissing(): Promise<boolean> {
  try {
    await access(PSQL, constants.X_OK);
    return false;
  } catch {
    return true;
  }
}

async function main(): Promise<void> {
  const figures: Figure[] = [];
  const notes: string[] = [];
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
  const setup: Record<string, string | number> = {
    scale: `scale:${String(N)} (scaleInventory, demo mappings, MANAGED-NOVLAN)`,
    'image size': `${String(IMAGE_MIB)} MiB`,
    postgres:
      process.env.NOVA_BENCH_ADMIN_URL === undefined ? 'embedded, its own' : 'NOVA_BENCH_ADMIN_URL',
  };
  const suffix = randomBytes(4).toString('hex');
  const databases: string[] = [];
  /** An empty Bexar database, as `nova init-db` leaves it (ids widened as a migration would). */
  const freshNova = async (kind: string): Promise<string> => {
    const name = `nova_bench_${kind}_${suffix}`;
    databases.push(name);
    await ensureDatabase(adminUrl, name);
    const url = withDatabase(adminUrl, name);
    await initNovaSchema(url);
    await widenIdColumns(url, planIdWidening(), { confirmed: true });
    return url;
  };
  try {
    const inventory = scaleInventory(N);
    const input = prepareWriteInput(inventory, demoMappings({}, 'MANAGED-NOVLAN'), DEMO_HOSTS);
    const wUrl = await freshNova('w0');
    let t = performance.now();
    const results = await writeAllRows(wUrl, input);
    const writerRounds = [performance.now() - t];
    const rows = Object.values(results).reduce((n, r) => n + r.inserted, 0);
    t = performance.now();
    const again = await writeAllRows(wUrl, input);
    const secondMs = performance.now() - t;
    const secondInserted = Object.values(again).reduce((n, r) => n + r.inserted, 0);

    // The same rows, dumped from the writers' database (untimed), to be loaded with COPY.
    const dumps: TableDump[] = [];
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
    const tables = dumps.map((d) => d.table);
    const expected = await rowCounts(wUrl, tables);
    const sameRows = async (url: string, who: string): Promise<void> => {
      const got = await rowCounts(url, tables);
      for (const [table, n] of expected)
        if (got.get(table) !== n)
          throw new Error(
            `${who} loaded ${String(got.get(table))} rows into ${table}, the writers ${String(n)}`,
          );
    };
    const byTable = [...expected]
      .sort((a, b) => b[1] - a[1])
      .map(([table, n]) => `${table} ${String(n)}`)
      .join(', ');
    setup['rows by table'] = byTable;
    const dumpMiB = dumps.reduce((n, d) => n + d.data.length, 0) / (1024 * 1024);

    let writersMs = writerRounds[0] ?? Number.NaN;
    let writers = { value: writersMs, unit: 'ms' };
    const rowsPerSecond = (ms: number) => ({ value: rows / (ms / 1000), unit: 'rows/s' });
    const rowsLabel = `the writers, scale:${String(N)} (${String(rows)} rows) into an empty Bexar database`;
    const within2x = (r: number) => ({ text: 'within 2x of COPY (ratio ≤ 2)', pass: r <= 2 });
    if (await psqlMissing()) {
      figures.push(
        plain('rows.vs-psql-copy', rowsLabel, writers, {
          text: `within 2x of COPY through psql: not measured, ${PSQL} is missing (${PSQL_HINT})`,
          pass: false,
        }),
      );
      notes.push(`COPY through psql not measured: ${PSQL} is missing; ${PSQL_HINT}.`);
    } else {
      // ROW_ROUNDS rounds, each into fresh databases, the two sides taking turns to go first (the
      // first writes after a database is made pay for cold caches and checkpoints); medians.
      const psqlRounds: number[] = [];
      for (let r = 0; r < ROW_ROUNDS; r++) {
        const pUrl = await freshNova(`p${String(r)}`);
        const writersAgain = async (): Promise<void> => {
          if (r === 0) return; // the writers' first round is the one measured above
          const url = await freshNova(`w${String(r)}`);
          const s0 = performance.now();
          await writeAllRows(url, input);
          writerRounds.push(performance.now() - s0);
        };
        if (r % 2 === 1) await writersAgain();
        psqlRounds.push(await copyThroughPsql(pUrl, dumps));
        await sameRows(pUrl, 'psql');
        if (r % 2 === 0) await writersAgain();
      }
      writersMs = median(writerRounds);
      writers = { value: writersMs, unit: 'ms' };
      const psqlMs = median(psqlRounds);
      setup['row rounds'] =
        `${String(ROW_ROUNDS)}, medians (writers ${writerRounds.map((m) => m.toFixed(0)).join(' / ')} ms; psql ${psqlRounds.map((m) => m.toFixed(0)).join(' / ')} ms)`;
      const psqlLabel = `COPY through one psql process, same rows, ${String(dumps.length)} tables, spawn to exit`;
      figures.push(
        versus(
          'rows.vs-psql-copy',
          rowsLabel,
          writers,
          { value: psqlMs, unit: 'ms', label: psqlLabel },
          within2x,
        ),
        versus('rows.rate', 'rows written per second by the writers', rowsPerSecond(writersMs), {
          ...rowsPerSecond(psqlMs),
          label: 'COPY through psql',
        }),
      );
    }

    const cUrl = await freshNova('c');
    t = performance.now();
    await withPg(cUrl, async (c) => {
      for (const d of dumps) {
        await pipeline(Readable.from([d.data]), c.query(copyFrom(`COPY "${d.table}" FROM STDIN`)));
      }
    });
    const copyMs = performance.now() - t;
    await sameRows(cUrl, 'COPY in process');
    figures.push(
      versus('rows.vs-copy-in-process', 'the writers (for reference, no goal)', writers, {
        value: copyMs,
        unit: 'ms',
        label: 'COPY over one connection of this process (pg-copy-streams), no process start',
      }),
      plain(
        'rows.rerun',
        'the writers again on their own database (idempotent rerun)',
        { value: secondMs, unit: 'ms' },
        {
          text: `inserts nothing (inserted ${String(secondInserted)})`,
          pass: secondInserted === 0,
        },
      ),
    );
    notes.push(
      `The COPY references load the writers' own rows (${dumpMiB.toFixed(1)} MiB of COPY text, dumped untimed) and are checked to leave the same row count in every table. The writers also check the target, plan ids and upsert; COPY only appends.`,
    );

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
    const rate = (ms: number) => ({ value: mib / (ms / 1000), unit: 'MiB/s' });
    figures.push(
      versus(
        'images.vs-raw-copy',
        'writeImage (SHA-256, temp dir, fsync, rename)',
        rate(imageMs),
        { ...rate(rawCopyMs), label: 'a raw copy of the same file (copyFile, then fsync)' },
        (r) => ({ text: '≥ 0.9 of the raw copy', pass: r >= 0.9 }),
      ),
      versus('images.vs-stream-copy', 'writeImage (for reference, no goal)', rate(imageMs), {
        ...rate(rawStreamMs),
        label: 'a streamed copy (1 MiB reads and writes, then fsync)',
      }),
    );
    notes.push(
      `Images: ${String(rounds)} rounds of a ${String(IMAGE_MIB)} MiB file each way, alternating which goes first; throughput is the total over the total time. The source file is in the page cache for both. Beyond the raw copy's one fsync, writeImage writes and fsyncs info.json and fsyncs its directory and the store after the rename, a fixed cost per image that weighs more the smaller the image.`,
    );
  } finally {
    // Best effort: a failed run must still stop the server and remove the folder.
    await withPg(adminUrl, async (c) => {
      for (const d of databases) await c.query(`DROP DATABASE IF EXISTS ${d} WITH (FORCE)`);
    }).catch(() => undefined);
    await stop();
    await rm(work, { recursive: true, force: true });
  }

  await emitSection({
    name: 'nova-write',
    kind: 'benchmark',
    title: 'Nova writers (packages/nova) against COPY through psql and a raw file copy',
    setup,
    figures,
    notes,
    verdict: verdictOf(figures),
  });
}

await main();
