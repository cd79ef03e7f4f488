// What the resilience drills (crash.ts, faults.ts) share: a PostgreSQL of their own, the simulator
// in its own process, jobs created from one discovery and plan, `euca2nova migrate` as a child
// process, and a comparison of two Nova databases and image stores that says where they differ.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import {
  acknowledgeFindings,
  createMigrationJob,
  defaultMappings,
  findingKey,
  planMigration,
} from '@euca2nova/engine';
import { connect, discover, resolveSourceInput } from '@euca2nova/eucalyptus';
import { ReportSchema, type Inventory, type Plan, type Report } from '@euca2nova/model';
import { initNovaSchema } from '@euca2nova/nova';
import { dumpImageStore, dumpNova } from '@euca2nova/nova/testing';
import {
  ensureDatabase,
  openStateDatabase,
  startEmbeddedPostgres,
  type OpenState,
  type RunningPostgres,
} from '@euca2nova/state';
import { plain, type Figure } from '../lib/results.ts';
import { startSimProcess, type SimProcess } from '../sim-process.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(here, '..', '..');
const BIN = join(ROOT, 'apps', 'cli', 'bin', 'euca2nova.js');

/** The hosts every drill job names (a single Nova node). */
export const HOSTS = { compute: 'nova-1', volume: 'nova-1', network: 'nova-1' } as const;

export const envNumber = (name: string, fallback: number): number => {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, not ${v}`);
  return n;
};

export interface Workspace {
  readonly work: string;
  readonly pg: RunningPostgres;
  readonly dataDir: string;
  readonly state: OpenState;
  /** A fresh Nova database (Bexar schema) and an empty image store. */
  target(name: string): Promise<{ novaDb: string; imagesPath: string }>;
  close(): Promise<void>;
}

/** A work folder, an embedded PostgreSQL of the drill's own and the state database in it. */
export async function openWorkspace(prefix: string): Promise<Workspace> {
  const work = await mkdtemp(join(tmpdir(), prefix));
  // As root, the embedded PostgreSQL runs as "postgres", which must be able to enter this folder.
  await chmod(work, 0o755);
  const server = await startEmbeddedPostgres({ dataDir: join(work, 'pg') });
  await ensureDatabase(server.adminUrl, 'state');
  const dataDir = join(work, 'data');
  const state = await openStateDatabase({ databaseUrl: server.urlFor('state'), dataDir });
  return {
    work,
    pg: server,
    dataDir,
    state,
    async target(name) {
      await ensureDatabase(server.adminUrl, `nova_${name}`);
      const novaDb = server.urlFor(`nova_${name}`);
      await initNovaSchema(novaDb);
      const imagesPath = join(work, `images-${name}`);
      await mkdir(imagesPath);
      return { novaDb, imagesPath };
    },
    async close() {
      await state.close();
      await server.stop();
      // DRILL_KEEP=1 keeps the databases and image stores for a look after a failure.
      if (process.env.DRILL_KEEP === undefined) await rm(work, { recursive: true, force: true });
      else process.stderr.write(`kept ${work}\n`);
    },
  };
}

export interface SimFlags {
  readonly scale: number;
  readonly seed: string;
  readonly images: number;
  readonly imageBytes: number;
  readonly assemblyMs: number;
  readonly partBytes?: number;
  /** Extra flags (faults). */
  readonly extra?: readonly string[];
}

/** A Eucalyptus 2.0 simulator in its own process, bundles built before it listens, control on. */
export async function startSim(dir: string, f: SimFlags): Promise<SimProcess> {
  return startSimProcess(
    [
      '--euca-version',
      '2.0',
      '--scenario',
      `scale:${String(f.scale)}`,
      '--image-count',
      String(f.images),
      '--image-size',
      String(f.imageBytes),
      '--assembly-ms',
      String(f.assemblyMs),
      ...(f.partBytes === undefined ? [] : ['--part-size', String(f.partBytes)]),
      '--prebuild-bundles',
      '--seed',
      f.seed,
      '--dir',
      dir,
      '--control',
      ...(f.extra ?? []),
    ],
    (env) => env.EUCALYPTUS_CONF !== undefined,
  );
}

/** The simulator's test-only control endpoint (its URL is the EC2 URL's origin + /__sim). */
export async function simControl(
  sim: SimProcess,
  method: 'GET' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<unknown> {
  const origin = new URL(sim.env.EC2_URL ?? '').origin;
  const res = await fetch(`${origin}/__sim${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} /__sim${path}: ${String(res.status)}`);
  return res.json();
}

export interface Discovered {
  readonly source: Awaited<ReturnType<typeof resolveSourceInput>>;
  readonly inventory: Inventory;
  readonly plan: Plan;
}

/** Discover and plan as `euca2nova migrate` does (every kind, warnings accepted). */
export async function discoverAndPlan(
  sim: SimProcess,
  target: { novaDb: string; imagesPath: string },
  options: { cloudPk?: boolean } = {},
): Promise<Discovered> {
  // An empty environment: the drill's own EC2_* variables must not leak into the source.
  const source = await resolveSourceInput(
    {
      eucarc: sim.env.EUCARC ?? '',
      eucaConf: sim.env.EUCALYPTUS_CONF ?? '',
      ...(options.cloudPk === true ? { cloudPk: sim.env.EUCALYPTUS_CLOUD_PK ?? '' } : {}),
    },
    {},
  );
  const conn = await connect(source);
  let inventory: Inventory;
  try {
    inventory = await discover(conn);
  } finally {
    conn.close();
  }
  const planned = await planMigration({
    inventory,
    selection: {},
    mappings: defaultMappings(inventory, { manager: 'auto' }),
    novaDb: target.novaDb,
    imagesPath: target.imagesPath,
    hosts: HOSTS,
  });
  const plan = await acknowledgeFindings(
    planned,
    planned.findings.filter((f) => f.severity === 'warning').map(findingKey),
  );
  return { source, inventory, plan };
}

/** A migration job of that plan into that target (as the CLI or the wizard creates it). */
export async function createJob(
  state: OpenState,
  d: Discovered,
  target: { novaDb: string; imagesPath: string },
): Promise<string> {
  const job = await createMigrationJob(state.store, {
    plan: d.plan,
    confirmedFingerprint: d.plan.fingerprint,
    inventory: d.inventory,
    source: d.source,
    novaDb: target.novaDb,
    spec: { imagesPath: target.imagesPath, hosts: HOSTS, stallAfterSeconds: 30 },
  });
  return job.id;
}

export interface CliRun {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Exit code (null when killed), output and wall time. */
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }>;
}

/** `euca2nova <args>` in a child process. */
export function spawnCli(args: readonly string[]): CliRun {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
    seconds: number;
  }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr, seconds: (performance.now() - t0) / 1000 });
    });
  });
  return { child, done };
}

/** `migrate --resume <job>` against the workspace's state, writing the JSON report to `report`. */
export function resumeArgs(ws: Workspace, jobId: string, report: string): string[] {
  return [
    'migrate',
    '--resume',
    jobId,
    '--state-db',
    ws.state.url,
    '--data-dir',
    ws.dataDir,
    '--report',
    report,
    '--concurrency',
    '2',
  ];
}

export async function readReport(file: string): Promise<Report> {
  return ReportSchema.parse(JSON.parse(await readFile(file, 'utf8')));
}

/** The job's last event number and current phase, straight from the state database. */
export async function jobProgress(
  client: pg.Client,
  jobId: string,
): Promise<{ lastSeq: number; phase: string }> {
  const r = await client.query<{ s: string; p: string | null }>(
    'SELECT last_seq::text AS s, current_phase AS p FROM jobs WHERE id = $1',
    [jobId],
  );
  return { lastSeq: Number(r.rows[0]?.s ?? 0), phase: r.rows[0]?.p ?? '(job start, no phase yet)' };
}

/**
 * Where the job was: image copies run beside the later phases (the job's current phase moves on
 * to instances, volumes, … while they copy), so open image steps count as the images phase. (A
 * step a killed process left open stays "running" until resumed, hence "open", not "copying".)
 */
export async function whereIs(client: pg.Client, jobId: string, phase: string): Promise<string> {
  const r = await client.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM job_steps WHERE job_id = $1 AND phase = 'images' AND status = 'running'`,
    [jobId],
  );
  const copying = Number(r.rows[0]?.n ?? 0);
  return copying > 0 ? `images (${String(copying)} image steps open, job phase ${phase})` : phase;
}

/** Events of the job: item-done announced more than once, item retries, all item-done. */
export async function itemEvents(
  state: OpenState,
  jobId: string,
): Promise<{ repeated: number; done: number; retries: number }> {
  const events = await state.store.listEvents(jobId, 0, 10_000_000);
  const seen = new Set<string>();
  let repeated = 0;
  let retries = 0;
  for (const e of events) {
    if (e.type === 'item-done') {
      const key = `${e.kind}:${e.sourceId}`;
      if (seen.has(key)) repeated++;
      seen.add(key);
    } else if (e.type === 'item-failed' && e.willRetry) retries++;
  }
  return { repeated, done: seen.size, retries };
}

/** Items the plan will write or confirm (what item-done is announced for). */
export const keptItems = (plan: Plan): number =>
  plan.items.filter((i) => i.action === 'create' || i.action === 'skip-identical').length;

export interface Difference {
  readonly table: string;
  readonly key: string;
  /** The column that differs, or why the row does (only on one side). */
  readonly column: string;
}

type Dump = Record<string, string[]>;

function keyed(rows: readonly string[]): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const r of rows) {
    const row = JSON.parse(r) as Record<string, unknown>;
    // Tables without an id (association tables) are keyed by the whole row.
    const id = row.id;
    out.set(id === undefined || id === null ? r : `id=${JSON.stringify(id)}`, row);
  }
  return out;
}

/** Where two dumpNova results differ: every row by its id, every column, every sequence. */
export function novaDifferences(a: Dump, b: Dump, names: [string, string]): Difference[] {
  const out: Difference[] = [];
  for (const table of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (table === 'sequences') {
      const sa = new Map((a[table] ?? []).map((s) => s.split('=') as [string, string]));
      const sb = new Map((b[table] ?? []).map((s) => s.split('=') as [string, string]));
      for (const name of new Set([...sa.keys(), ...sb.keys()]))
        if (sa.get(name) !== sb.get(name))
          out.push({
            table,
            key: name,
            column: `last_value ${sa.get(name) ?? '-'} vs ${sb.get(name) ?? '-'}`,
          });
      continue;
    }
    const ra = keyed(a[table] ?? []);
    const rb = keyed(b[table] ?? []);
    for (const [key, row] of ra) {
      const other = rb.get(key);
      if (other === undefined) {
        out.push({ table, key, column: `(row only in ${names[0]})` });
        continue;
      }
      for (const col of new Set([...Object.keys(row), ...Object.keys(other)]))
        if (JSON.stringify(row[col]) !== JSON.stringify(other[col]))
          out.push({ table, key, column: col });
    }
    for (const key of rb.keys())
      if (!ra.has(key)) out.push({ table, key, column: `(row only in ${names[1]})` });
  }
  return out;
}

/** Where two dumpImageStore results differ (a file on one side only, or other bytes). */
export function storeDifferences(
  a: readonly string[],
  b: readonly string[],
  names: [string, string],
): Difference[] {
  const split = (l: string): [string, string] => {
    const at = l.lastIndexOf(' ');
    return [l.slice(0, at), l.slice(at + 1)];
  };
  const ma = new Map(a.map(split));
  const mb = new Map(b.map(split));
  const out: Difference[] = [];
  for (const [file, sha] of ma) {
    const other = mb.get(file);
    if (other === undefined)
      out.push({ table: 'image store', key: file, column: `(only in ${names[0]})` });
    else if (other !== sha) out.push({ table: 'image store', key: file, column: 'sha256' });
  }
  for (const file of mb.keys())
    if (!ma.has(file))
      out.push({ table: 'image store', key: file, column: `(only in ${names[1]})` });
  return out;
}

export interface Comparison {
  readonly differences: Difference[];
  readonly rows: number;
  readonly files: number;
  /** Whether a deliberate one-row change to the second database was then reported. */
  readonly plantedChangeSeen: boolean;
}

/** A drill that threw before its end: the reason as a note, and a figure that fails the section. */
export function drillBroke(e: unknown, notes: string[]): Figure {
  notes.push(`the drill broke: ${e instanceof Error ? e.message : String(e)}`);
  return plain(
    'drill',
    'the drill ran to its end',
    { value: 0, unit: 'of 1' },
    { text: 'yes', pass: false },
  );
}

/** The two figures every comparing drill reports: the differences found, and the planted one seen. */
export function comparisonFigures(cmp: Comparison | undefined, against: string): Figure[] {
  return [
    plain(
      'differences',
      `differences from ${against} (${String(cmp?.rows ?? 0)} Nova rows, sequences, ${String(cmp?.files ?? 0)} image files)`,
      { value: cmp?.differences.length ?? Number.NaN, unit: 'count' },
      { text: '0', pass: cmp !== undefined && cmp.differences.length === 0 },
    ),
    plain(
      'differences.planted',
      'a deliberate one-cell change to the clean database, then reported',
      { value: cmp?.plantedChangeSeen === true ? 1 : 0, unit: 'of 1' },
      { text: 'reported (the comparison can fail)', pass: cmp?.plantedChangeSeen === true },
    ),
  ];
}

/**
 * Compare two targets, then prove the comparison can fail: change one user's name in the second
 * database (the last use of it) and check that exactly that cell is reported.
 */
export async function compareTargets(
  a: { novaDb: string; imagesPath: string },
  b: { novaDb: string; imagesPath: string },
  names: [string, string],
  stamps?: [string, string],
): Promise<Comparison> {
  let [da, db] = [await dumpNova(a.novaDb), await dumpNova(b.novaDb)];
  if (stamps !== undefined) {
    da = await unstamp(a.novaDb, da, stamps[0]);
    db = await unstamp(b.novaDb, db, stamps[1]);
  }
  const [ia, ib] = [await dumpImageStore(a.imagesPath), await dumpImageStore(b.imagesPath)];
  const differences = [...novaDifferences(da, db, names), ...storeDifferences(ia, ib, names)];
  const c = new pg.Client({ connectionString: b.novaDb });
  await c.connect();
  try {
    await c.query(
      `UPDATE users SET name = name || '-planted' WHERE id = (SELECT min(id) FROM users)`,
    );
  } finally {
    await c.end();
  }
  const after = await dumpNova(b.novaDb);
  const planted = novaDifferences(
    da,
    stamps === undefined ? after : await unstamp(b.novaDb, after, stamps[1]),
    names,
  );
  const plantedChangeSeen =
    planted.length === differences.filter((d) => d.table !== 'image store').length + 1 &&
    planted.some((d) => d.table === 'users' && d.column === 'name');
  const rows = Object.entries(da)
    .filter(([t]) => t !== 'sequences')
    .reduce((n, [, r]) => n + r.length, 0);
  return { differences, rows, files: ia.length, plantedChangeSeen };
}

/**
 * Two jobs discovered at different times stamp new rows' `created_at` with their own discovery time
 * (the engine's choice, so that a resumed job writes the same rows). Replace exactly that
 * timestamp, as PostgreSQL renders it in JSON, with a token: any other difference still shows.
 */
async function unstamp(url: string, dump: Dump, discoveredAt: string): Promise<Dump> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  let text: string;
  try {
    const r = await c.query<{ j: string }>(
      `SELECT to_jsonb(($1::timestamptz AT TIME ZONE 'UTC'))::text AS j`,
      [discoveredAt],
    );
    text = r.rows[0]?.j ?? '';
  } finally {
    await c.end();
  }
  if (text === '') return dump;
  return Object.fromEntries(
    Object.entries(dump).map(([t, rows]) => [
      t,
      rows.map((r) => r.split(text).join('"<discovered-at>"')).sort(),
    ]),
  );
}

/** When the inventory of a job was discovered. */
export async function discoveredAtOf(state: OpenState, jobId: string): Promise<string> {
  const job = await state.store.getJob(jobId);
  const inventory = await state.store.loadInventory(job.inventoryId ?? '');
  return inventory.metadata.discoveredAt;
}

/** The first few differences, one line each, for the notes. */
export const describeDifferences = (ds: readonly Difference[], n = 8): string[] =>
  ds.slice(0, n).map((d) => `difference: ${d.table} ${d.key} ${d.column}`);

/** A seeded stream of floats in [0, 1) (mulberry32), so a drill's random moments can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
