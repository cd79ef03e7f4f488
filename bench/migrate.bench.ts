// End-to-end benchmark of `euca2nova migrate` (issue 6): a simulated Eucalyptus 2.0 `scale:1000`
// cloud with 100 images of 64 MiB (6.4 GiB), into an empty Bexar database and image store.
// Run: npm run bench:migrate -w @euca2nova/bench   (prints figures; never part of npm test)
//
// The simulator and the migration each run in their own process; the migration's wall time and
// peak RSS come from /usr/bin/time. The reference for the image bytes is a bare Node GET of every
// image from the same simulator, 4 at a time (the physical limit of this machine for those bytes),
// measured in the same run.
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent, get } from 'node:http';
import { cpus, totalmem, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signS3V2 } from '@euca2nova/euca-sim';
import { startSimProcess, type SimProcess } from './sim-process.ts';
import { ReportSchema } from '@euca2nova/model';
import { initNovaSchema } from '@euca2nova/nova';
import { ensureDatabase, startEmbeddedPostgres } from '@euca2nova/state';

const MiB = 1024 * 1024;
const USERS = Number(process.env.BENCH_USERS ?? 1000);
const IMAGES = Number(process.env.BENCH_IMAGES ?? 100);
const IMAGE_SIZE = Number(process.env.BENCH_IMAGE_MIB ?? 64) * MiB;
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

function startSim(dir: string): Promise<SimProcess> {
  return startSimProcess(
    [
      '--euca-version',
      '2.0',
      '--scenario',
      `scale:${String(USERS)}`,
      '--image-count',
      String(IMAGES),
      '--image-size',
      String(IMAGE_SIZE),
      '--assembly-ms',
      '0',
      // A real Walrus stores bundles; the simulator makes them on demand unless asked now.
      '--prebuild-bundles',
      '--seed',
      'bench',
      '--dir',
      dir,
    ],
    (env) => env.EC2_SECRET_KEY !== undefined && env.S3_URL !== undefined,
  );
}

/** Bare GETs of every image through Walrus' GetDecryptedImage, `parallel` at a time. */
async function rawCopy(
  env: Record<string, string>,
  locations: readonly string[],
  parallel: number,
): Promise<{ bytes: number; seconds: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: parallel });
  const s3 = new URL(env.S3_URL ?? '');
  let bytes = 0;
  const one = (location: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const path = `${s3.pathname.replace(/\/$/, '')}/${location}`;
      const date = new Date().toUTCString();
      const headers: Record<string, string> = { date, EucaOperation: 'GetDecryptedImage' };
      headers.authorization = signS3V2(
        'GET',
        path,
        headers,
        env.EC2_ACCESS_KEY ?? '',
        env.EC2_SECRET_KEY ?? '',
      );
      get({ host: s3.hostname, port: s3.port, path, headers, agent }, (res) => {
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', resolve);
        res.on('error', reject);
      }).on('error', reject);
    });
  const t0 = performance.now();
  const queue = [...locations];
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let l = queue.shift(); l !== undefined; l = queue.shift()) await one(l);
    }),
  );
  agent.destroy();
  return { bytes, seconds: (performance.now() - t0) / 1000 };
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'bench-migrate-'));
  // As root, the embedded PostgreSQL runs as "postgres", which must be able to enter this folder.
  await chmod(work, 0o755);
  const pgDir = join(work, 'pg');
  const simDir = join(work, 'sim');
  const images = join(work, 'images');
  await mkdir(images);
  const pgServer = await startEmbeddedPostgres({ dataDir: pgDir });
  let sim: SimProcess['child'] | undefined;
  try {
    await ensureDatabase(pgServer.adminUrl, 'state');
    await ensureDatabase(pgServer.adminUrl, 'nova');
    const stateUrl = pgServer.urlFor('state');
    const novaUrl = pgServer.urlFor('nova');
    await initNovaSchema(novaUrl);
    process.stderr.write(
      `starting the simulator: scale:${String(USERS)}, ${String(IMAGES)} images of ${String(IMAGE_SIZE / MiB)} MiB (hashing them the first time takes a while)…\n`,
    );
    const started = await startSim(simDir);
    sim = started.child;

    const args = [
      '-f',
      '%M %e %U %S',
      process.execPath,
      // BENCH_CPU_PROF=DIR writes a V8 CPU profile of the migrate process there.
      ...(process.env.BENCH_CPU_PROF === undefined
        ? []
        : ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]),
      join(root, 'apps/cli/bin/euca2nova.js'),
      'migrate',
      '--eucarc',
      join(simDir, 'eucarc'),
      '--euca-conf',
      join(simDir, 'eucalyptus.conf'),
      '--nova-db',
      novaUrl,
      '--images-path',
      images,
      '--state-db',
      stateUrl,
      '--data-dir',
      join(work, 'data'),
      '--report',
      join(work, 'report.json'),
      '--concurrency',
      '4',
      '--yes',
    ];
    const t0 = performance.now();
    const run = spawn('/usr/bin/time', args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    run.stdout.on('data', () => undefined);
    run.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => run.on('close', resolve));
    const wall = (performance.now() - t0) / 1000;
    if (code !== 0) throw new Error(`migrate exited with ${String(code)}:\n${stderr.slice(-3000)}`);
    const [rssKiB, , user, sys] = (stderr.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
    const report = ReportSchema.parse(
      JSON.parse(await readFile(join(work, 'report.json'), 'utf8')),
    );
    const bytes = report.images.reduce((n, i) => n + i.bytes, 0);
    const imagesPhase = report.timings.find((t) => t.phase === 'images');

    const scenario = JSON.parse(await readFile(join(simDir, 'scenario.json'), 'utf8')) as {
      images: { id: string; location: string }[];
    };
    const locationOf = new Map(scenario.images.map((i) => [i.id, i.location]));
    const locations = report.images.map((i) => locationOf.get(i.sourceImageId) ?? '');
    const raw = await rawCopy(
      started.env,
      locations.filter((l) => l !== ''),
      4,
    );

    const mbs = (b: number, s: number): string => `${(b / MiB / s).toFixed(1)} MiB/s`;
    const lines = [
      `# euca2nova migrate, end to end (${new Date().toISOString()})`,
      `machine: ${String(cpus().length)} cores, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
      `cloud: Eucalyptus 2.0 scale:${String(USERS)}, ${String(report.images.length)} images, ${(bytes / 1024 ** 3).toFixed(2)} GiB; ${String(report.idMap.length)} items`,
      `verification: ${report.verification.result}`,
      `wall time: ${wall.toFixed(1)} s (goal: under 90 s)  ${wall < 90 ? 'MET' : 'MISSED'}`,
      `peak RSS of the migrate process: ${((rssKiB ?? 0) / 1024).toFixed(0)} MiB; CPU user ${String(user)} s, system ${String(sys)} s`,
      `images phase: ${((imagesPhase?.durationMs ?? 0) / 1000).toFixed(1)} s, ${mbs(bytes, (imagesPhase?.durationMs ?? 1) / 1000)}`,
      `raw GET of the same bytes, 4 at a time: ${raw.seconds.toFixed(1)} s, ${mbs(raw.bytes, raw.seconds)}`,
      `images phase against the raw copy: ${((raw.seconds / ((imagesPhase?.durationMs ?? 1) / 1000)) * 100).toFixed(0)}%`,
      'steps of the command (its own timings):',
      ...stderr
        .split('\n')
        .filter((l) => /\bin \d+\.\d s\b/.test(l))
        .map((l) => `  ${l}`),
      'phases:',
      ...report.timings.map((t) => `  ${t.phase.padEnd(16)} ${(t.durationMs / 1000).toFixed(1)} s`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    sim?.kill('SIGTERM');
    await pgServer.stop();
    if (process.env.BENCH_KEEP === undefined) await rm(work, { recursive: true, force: true });
  }
}

await main();
