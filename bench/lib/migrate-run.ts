// What the end-to-end benchmarks (migrate.bench.ts, scale-curve.bench.ts) share: a work folder
// with an embedded PostgreSQL, a simulated Eucalyptus 2.0 cloud in a process of its own, a fresh
// Nova database and image store, and `euca2nova migrate` run under /usr/bin/time, whose report is
// read back. Kept in one place so that the two benchmarks time the same command the same way.
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReportSchema, type Report } from '@euca2nova/model';
import { initNovaSchema } from '@euca2nova/nova';
import { ensureDatabase, startEmbeddedPostgres, type RunningPostgres } from '@euca2nova/state';
import { startSimProcess, type SimProcess } from '../sim-process.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');

export interface Workspace {
  readonly dir: string;
  readonly pg: RunningPostgres;
  /** Stops PostgreSQL and deletes the folder (kept when BENCH_KEEP is set). */
  readonly close: () => Promise<void>;
}

export async function startWorkspace(prefix: string): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  // As root, the embedded PostgreSQL runs as "postgres", which must be able to enter this folder.
  await chmod(dir, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'pg') });
  return {
    dir,
    pg,
    close: async () => {
      await pg.stop();
      if (process.env.BENCH_KEEP === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface SimCloud {
  /** scale:N */
  readonly users: number;
  /** Images in all (the simulator's minimum is 5). */
  readonly images: number;
  readonly imageBytes: number;
  /** MANAGED (the simulator's default) has a VLAN per user: past 4,095 users use MANAGED-NOVLAN. */
  readonly networkMode?: string;
}

export interface StartedCloud extends SimProcess {
  /** Where eucarc, eucalyptus.conf, scenario.json and the bundles are. */
  readonly dir: string;
}

/**
 * A Eucalyptus 2.0 cloud in a process of its own. Assembly takes no time (--assembly-ms 0) and every
 * bundle is built before it listens (--prebuild-bundles, as a real Walrus stores them), so whichever
 * client reads an image first pays nothing the others do not.
 */
export async function startCloud(dir: string, cloud: SimCloud): Promise<StartedCloud> {
  const started = await startSimProcess(
    [
      '--euca-version',
      '2.0',
      '--scenario',
      `scale:${String(cloud.users)}`,
      ...(cloud.networkMode === undefined ? [] : ['--network-mode', cloud.networkMode]),
      '--image-count',
      String(cloud.images),
      '--image-size',
      String(cloud.imageBytes),
      '--assembly-ms',
      '0',
      '--prebuild-bundles',
      '--seed',
      'bench',
      '--dir',
      dir,
    ],
    (env) => env.EC2_SECRET_KEY !== undefined && env.S3_URL !== undefined,
  );
  return { ...started, dir };
}

/** Stops the simulator and waits for it to be gone (its port and memory with it). */
export async function stopCloud(cloud: StartedCloud | undefined): Promise<void> {
  if (cloud === undefined || cloud.child.exitCode !== null || cloud.child.signalCode !== null)
    return;
  const gone = new Promise((resolve) => cloud.child.once('exit', resolve));
  cloud.child.kill('SIGTERM');
  await gone;
}

export interface Target {
  readonly stateUrl: string;
  readonly novaUrl: string;
  readonly imagesPath: string;
  readonly dataDir: string;
  readonly reportPath: string;
}

/** Fresh state and Nova databases (`state_<name>`, `nova_<name>`) and an empty image store. */
export async function freshTarget(ws: Workspace, name: string): Promise<Target> {
  const state = `state_${name}`;
  const nova = `nova_${name}`;
  await ensureDatabase(ws.pg.adminUrl, state);
  await ensureDatabase(ws.pg.adminUrl, nova);
  const novaUrl = ws.pg.urlFor(nova);
  await initNovaSchema(novaUrl);
  const base = join(ws.dir, name);
  await mkdir(join(base, 'images'), { recursive: true });
  return {
    stateUrl: ws.pg.urlFor(state),
    novaUrl,
    imagesPath: join(base, 'images'),
    dataDir: join(base, 'data'),
    reportPath: join(base, 'report.json'),
  };
}

export interface MigrateRun {
  /** 0 done and verified, 5 verified with differences (a report either way). */
  readonly exitCode: number;
  /** From spawn to exit, Node's start included. */
  readonly wallSeconds: number;
  /** The migrate process's peak resident set (/usr/bin/time %M). */
  readonly peakRssMiB: number;
  readonly cpuUserSeconds: number;
  readonly cpuSystemSeconds: number;
  readonly report: Report;
  /** The command's own step timings ("… in 1.2 s"), as it printed them. */
  readonly stepLines: readonly string[];
}

/**
 * `euca2nova migrate --yes` from the cloud into the target, timed by /usr/bin/time. Throws when it
 * ends without a report (any exit code other than 0 or 5), with the end of its output.
 */
export async function runMigrate(
  cloud: StartedCloud,
  target: Target,
  options: { concurrency: number; cpuProfDir?: string },
): Promise<MigrateRun> {
  const args = [
    '-f',
    '%M %e %U %S',
    process.execPath,
    ...(options.cpuProfDir === undefined
      ? []
      : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`]),
    join(root, 'apps/cli/bin/euca2nova.js'),
    'migrate',
    '--eucarc',
    join(cloud.dir, 'eucarc'),
    '--euca-conf',
    join(cloud.dir, 'eucalyptus.conf'),
    '--nova-db',
    target.novaUrl,
    '--images-path',
    target.imagesPath,
    '--state-db',
    target.stateUrl,
    '--data-dir',
    target.dataDir,
    '--report',
    target.reportPath,
    '--concurrency',
    String(options.concurrency),
    '--yes',
  ];
  const t0 = performance.now();
  const run = spawn('/usr/bin/time', args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  run.stdout.on('data', () => undefined);
  run.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => run.on('close', resolve));
  const wallSeconds = (performance.now() - t0) / 1000;
  if (code !== 0 && code !== 5)
    throw new Error(`migrate exited with ${String(code)}:\n${stderr.slice(-3000)}`);
  // /usr/bin/time writes its line last, after whatever the command wrote to stderr.
  const [rssKiB, , user, sys] = (stderr.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  const report = ReportSchema.parse(JSON.parse(await readFile(target.reportPath, 'utf8')));
  return {
    exitCode: code,
    wallSeconds,
    peakRssMiB: (rssKiB ?? Number.NaN) / 1024,
    cpuUserSeconds: user ?? Number.NaN,
    cpuSystemSeconds: sys ?? Number.NaN,
    report,
    stepLines: stderr.split('\n').filter((l) => /\bin \d+\.\d s\b/.test(l)),
  };
}

/** Walrus locations (`bucket/name.manifest.xml`) of the report's images, from scenario.json. */
export async function imageLocations(cloud: StartedCloud, report: Report): Promise<string[]> {
  const scenario = JSON.parse(await readFile(join(cloud.dir, 'scenario.json'), 'utf8')) as {
    images: { id: string; location: string }[];
  };
  const locationOf = new Map(scenario.images.map((i) => [i.id, i.location]));
  return report.images
    .map((i) => locationOf.get(i.sourceImageId))
    .filter((l): l is string => l !== undefined);
}
