// End-to-end benchmark of `euca2nova migrate` (issues 6 and 9): a simulated Eucalyptus 2.0
// `scale:1000` cloud with 100 images of 64 MiB (6.4 GiB), into an empty Bexar database and image
// store. Run: npm run bench:migrate -w @euca2nova/bench   (never part of npm test)
// Knobs: BENCH_USERS (1000), BENCH_IMAGES (100), BENCH_IMAGE_MIB (64), BENCH_CONCURRENCY (4),
// BENCH_CPU_PROF=DIR (a V8 CPU profile of the migrate process), BENCH_KEEP (keep the work dir).
//
// The simulator and the migration each run in their own process; the migration's wall time, peak
// RSS and CPU come from /usr/bin/time (lib/migrate-run.ts). The references for the image bytes are
// measured after the migration, in the same run, from the same simulator, as many at a time as the
// migration copies:
//  - a raw copy: a bare Node GET (GetDecryptedImage) of every migrated image into a file, fsynced,
//    the physical limit of this machine for landing those bytes with the image store's durability;
//  - the same GET thrown away (context: what the disk costs);
//  - `rclone copy` of the same images' bundles (lib/rclone.ts): the general tool an operator would
//    otherwise use (it moves encrypted parts, unbundles nothing, and does not fsync).
// The simulator assembles in 0 ms (--assembly-ms 0) and stores every bundle before it listens
// (--prebuild-bundles), so the migration, which reads each image first, pays no assembly the
// references do not.
import { cpus, totalmem } from 'node:os';
import { Agent, get, type IncomingMessage } from 'node:http';
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import { signS3V2 } from '@euca2nova/euca-sim';
import {
  freshTarget,
  imageLocations,
  runMigrate,
  startCloud,
  startWorkspace,
  stopCloud,
  type StartedCloud,
} from './lib/migrate-run.ts';
import { rcloneCopyBundles, rcloneVersion, type RcloneCopy } from './lib/rclone.ts';
import { emitSection, MiB, plain, verdictOf, versus, type Figure } from './lib/results.ts';

const USERS = Number(process.env.BENCH_USERS ?? 1000);
const IMAGES = Number(process.env.BENCH_IMAGES ?? 100);
const IMAGE_MIB = Number(process.env.BENCH_IMAGE_MIB ?? 64);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const GOAL_WALL_S = 90;

/**
 * Bare GETs of every image through Walrus' GetDecryptedImage, `parallel` at a time; with `sinkDir`,
 * each body is written to a file there and fsynced before the next starts (a raw copy with the
 * same durability the image store gives each image), else it is thrown away.
 */
async function rawCopy(
  env: Readonly<Record<string, string>>,
  locations: readonly string[],
  parallel: number,
  sinkDir?: string,
): Promise<{ bytes: number; seconds: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: parallel });
  const s3 = new URL(env.S3_URL ?? '');
  let bytes = 0;
  let n = 0;
  const one = async (location: string): Promise<void> => {
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
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      get({ host: s3.hostname, port: s3.port, path, headers, agent }, resolve).on('error', reject);
    });
    if (res.statusCode !== 200) {
      res.resume();
      throw new Error(`GET ${location}: ${String(res.statusCode)}`);
    }
    res.on('data', (c: Buffer) => (bytes += c.length));
    if (sinkDir === undefined) {
      res.resume();
      await finished(res);
      return;
    }
    const file = join(sinkDir, `image-${String(n++)}`);
    await pipeline(res, createWriteStream(file));
    // fsync works on the file, not the descriptor: a second one flushes what the stream wrote.
    const fh = await open(file, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  };
  const t0 = performance.now();
  const queue = [...locations];
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let l = queue.shift(); l !== undefined; l = queue.shift()) await one(l);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  if (sinkDir !== undefined) await rm(sinkDir, { recursive: true, force: true });
  return { bytes, seconds };
}

async function main(): Promise<void> {
  const ws = await startWorkspace('bench-migrate-');
  let cloud: StartedCloud | undefined;
  try {
    const target = await freshTarget(ws, 'migrate');
    process.stderr.write(
      `starting the simulator: scale:${String(USERS)}, ${String(IMAGES)} images of ${String(IMAGE_MIB)} MiB (building the bundles takes a while)…\n`,
    );
    cloud = await startCloud(`${ws.dir}/sim`, {
      users: USERS,
      images: IMAGES,
      imageBytes: IMAGE_MIB * MiB,
    });
    process.stderr.write('migrating…\n');
    const run = await runMigrate(cloud, target, {
      concurrency: CONCURRENCY,
      ...(process.env.BENCH_CPU_PROF === undefined
        ? {}
        : { cpuProfDir: process.env.BENCH_CPU_PROF }),
    });
    const { report } = run;
    const bytes = report.images.reduce((n, i) => n + i.bytes, 0);
    const imagesSeconds =
      (report.timings.find((t) => t.phase === 'images')?.durationMs ?? Number.NaN) / 1000;
    const locations = await imageLocations(cloud, report);
    if (locations.length !== report.images.length)
      throw new Error(
        `${String(report.images.length - locations.length)} migrated image(s) not in scenario.json`,
      );

    process.stderr.write(
      'the references: a raw copy of the same images to disk, a raw GET, rclone…\n',
    );
    const raw = await rawCopy(
      cloud.env,
      locations,
      CONCURRENCY,
      await mkdtemp(join(ws.dir, 'raw-')),
    );
    const rawGet = await rawCopy(cloud.env, locations, CONCURRENCY);
    for (const r of [raw, rawGet])
      if (r.bytes !== bytes)
        throw new Error(`a raw GET read ${String(r.bytes)} bytes, the migration ${String(bytes)}`);
    let rclone: RcloneCopy | Error;
    let rcloneLine = '';
    try {
      rcloneLine = await rcloneVersion();
      rclone = await rcloneCopyBundles(
        {
          s3Url: cloud.env.S3_URL ?? '',
          accessKey: cloud.env.EC2_ACCESS_KEY ?? '',
          secretKey: cloud.env.EC2_SECRET_KEY ?? '',
        },
        locations,
        { transfers: CONCURRENCY, scratch: ws.dir },
      );
    } catch (e) {
      rclone = e instanceof Error ? e : new Error(String(e));
    }

    const rate = (b: number, s: number): number => b / MiB / s;
    const imagesRate = { value: rate(bytes, imagesSeconds), unit: 'MiB/s' };
    const differences = report.verification.users.reduce((n, u) => n + u.differences.length, 0);
    const figures: Figure[] = [
      versus(
        'e2e.wall',
        `end-to-end wall time (${String(report.idMap.length)} items, ${String(report.images.length)} images)`,
        { value: run.wallSeconds, unit: 's' },
        {
          value: raw.seconds,
          unit: 's',
          label: `raw copy of the same ${(bytes / MiB).toFixed(0)} MiB to disk, ${String(CONCURRENCY)} at a time`,
        },
        () => ({
          text: `under ${String(GOAL_WALL_S)} s (set for scale:1000)`,
          pass: run.wallSeconds < GOAL_WALL_S,
        }),
      ),
      versus(
        'images.throughput.vs-raw',
        'images phase throughput',
        imagesRate,
        {
          value: rate(raw.bytes, raw.seconds),
          unit: 'MiB/s',
          label: 'raw copy of the same bytes to files, each fsynced',
        },
        (r) => ({ text: '≥ 0.9 of the raw copy', pass: r >= 0.9 }),
      ),
      versus(
        'images.throughput.vs-raw-get',
        'images phase throughput, against bytes read and thrown away (context, no goal)',
        imagesRate,
        {
          value: rate(rawGet.bytes, rawGet.seconds),
          unit: 'MiB/s',
          label: 'raw GET of the same bytes to nowhere',
        },
      ),
      rclone instanceof Error
        ? plain('images.throughput.vs-rclone', 'images phase throughput vs rclone', imagesRate, {
            text: `ahead of rclone: not measured (${rclone.message})`,
            pass: false,
          })
        : versus(
            'images.throughput.vs-rclone',
            'images phase throughput (same image bytes for both)',
            imagesRate,
            {
              value: rate(bytes, rclone.seconds),
              unit: 'MiB/s',
              label: `rclone copy of the same bundles, --transfers ${String(CONCURRENCY)}, ${rclone.seconds.toFixed(1)} s`,
            },
            (r) => ({ text: '> 1: ahead of rclone', pass: r > 1 }),
          ),
      plain('migrate.rss', 'peak RSS of the migrate process', {
        value: run.peakRssMiB,
        unit: 'MiB',
      }),
      plain('migrate.cpu', 'CPU of the migrate process (user + system)', {
        value: run.cpuUserSeconds + run.cpuSystemSeconds,
        unit: 's',
      }),
      plain(
        'verification',
        `verification: ${report.verification.result}`,
        { value: differences, unit: 'differences' },
        { text: '"matching"', pass: report.verification.result === 'matching' },
      ),
    ];
    const phases = report.timings
      .map((t) => `${t.phase} ${(t.durationMs / 1000).toFixed(1)} s`)
      .join(', ');
    const notes = [
      'The physical limit is a raw copy: a bare Node GET of each image written to a file and fsynced, as many at a time as the migration copies, which is what the image store must do with the same bytes (it also hashes them, writes info.json and renames the folder into place). The GET to nowhere is beside it to show what the disk costs.',
      `The references were measured after the migration, on the same simulator. It assembles in 0 ms (--assembly-ms 0) and built every bundle before listening (--prebuild-bundles): the migration read each image first and paid no assembly the raw GET and rclone did not.`,
      'The simulator generates GetDecryptedImage bytes as it serves them (an AES-CTR keystream); the bundle parts rclone copies are files it stored before listening.',
      `Images phase ${imagesSeconds.toFixed(1)} s of ${run.wallSeconds.toFixed(1)} s end to end; the rest is discovery, planning, the rows, verification and Node's start.`,
      rclone instanceof Error
        ? `rclone: ${rclone.message}`
        : `rclone (${rcloneLine}) moved ${String(rclone.files)} files, ${(rclone.bytes / MiB).toFixed(0)} MiB of encrypted bundle parts and manifests (${rate(rclone.bytes, rclone.seconds).toFixed(1)} MiB/s of its own bytes), and unbundled nothing; the ratio compares the time each took for the same images.`,
      `CPU ${run.cpuUserSeconds.toFixed(1)} s user, ${run.cpuSystemSeconds.toFixed(1)} s system = ${((run.cpuUserSeconds + run.cpuSystemSeconds) / run.wallSeconds).toFixed(2)} cores on average; the simulator and PostgreSQL shared the same ${String(cpus().length)} cores.`,
      `Phases: ${phases}.`,
      ...(run.stepLines.length > 0
        ? [`Steps (the command's own timings): ${run.stepLines.map((l) => l.trim()).join('; ')}.`]
        : []),
    ];
    await emitSection({
      name: 'migrate',
      kind: 'benchmark',
      title: `euca2nova migrate end to end, Eucalyptus 2.0 scale:${String(USERS)}`,
      setup: {
        cloud: `Eucalyptus 2.0 scale:${String(USERS)}`,
        images: `${String(report.images.length)} (machine images of ${String(IMAGE_MIB)} MiB, a kernel and a ramdisk): ${(bytes / MiB).toFixed(0)} MiB`,
        items: report.idMap.length,
        concurrency: CONCURRENCY,
        machine: `${String(cpus().length)} cores, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
      },
      figures,
      notes,
      verdict: verdictOf(figures),
    });
  } finally {
    await stopCloud(cloud);
    await ws.close();
  }
}

await main();
