// How `euca2nova migrate` grows with the cloud (issue 9): the same command end to end on Eucalyptus
// 2.0 at scale:100, scale:1000 and scale:5000, each into a fresh Nova database and image store, with
// the simulator's smallest image set (5 images, machine images of 8 MiB) at every scale so that the
// rows, not the image bytes, set the pace. Time and peak memory at each scale are compared with the
// smallest one: "linear or better" means time(N)/time(small) ≤ 1.15 × items(N)/items(small), and
// the same for peak RSS.
// Run: npm run bench:scale -w @euca2nova/bench   (never part of npm test)
// Knobs: BENCH_SCALES ("100,1000,5000"), BENCH_CURVE_IMAGE_MIB (8), BENCH_CONCURRENCY (4),
// BENCH_KEEP (keep the work dir).
//
// One embedded PostgreSQL serves every scale (fresh state and Nova databases for each); each scale
// has a simulator of its own, started before the clock and stopped after. Wall time and peak RSS
// of the migrate process come from /usr/bin/time (lib/migrate-run.ts, as in migrate.bench.ts).
import { cpus, totalmem } from 'node:os';
import {
  freshTarget,
  runMigrate,
  startCloud,
  startWorkspace,
  stopCloud,
  type MigrateRun,
  type StartedCloud,
} from './lib/migrate-run.ts';
import { emitSection, MiB, plain, verdictOf, versus, type Figure } from './lib/results.ts';

const SCALES = (process.env.BENCH_SCALES ?? '100,1000,5000')
  .split(',')
  .map((s) => Number(s.trim()))
  .sort((a, b) => a - b);
if (SCALES.length < 2 || SCALES.some((s) => !Number.isInteger(s) || s < 1))
  throw new Error(`BENCH_SCALES needs two or more whole numbers, got ${String(SCALES)}`);
const IMAGE_MIB = Number(process.env.BENCH_CURVE_IMAGE_MIB ?? 8);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
/** The simulator's minimum: a kernel, a ramdisk, three machine images. */
const IMAGES = 5;
/** How far above proportional a figure may grow and still count as linear. */
const SLACK = 1.15;
// MANAGED has a VLAN per user: 5,000 users need more than the 4,095 there are. Every scale uses the
// same mode so that the curve compares like with like.
const NETWORK_MODE = 'MANAGED-NOVLAN';

interface Point {
  readonly scale: number;
  readonly items: number;
  readonly run: MigrateRun;
}

async function main(): Promise<void> {
  const ws = await startWorkspace('bench-scale-curve-');
  const points: Point[] = [];
  let cloud: StartedCloud | undefined;
  try {
    for (const scale of SCALES) {
      const target = await freshTarget(ws, `s${String(scale)}`);
      process.stderr.write(`scale:${String(scale)}: starting the simulator…\n`);
      cloud = await startCloud(`${ws.dir}/sim-${String(scale)}`, {
        users: scale,
        images: IMAGES,
        imageBytes: IMAGE_MIB * MiB,
        networkMode: NETWORK_MODE,
      });
      process.stderr.write(`scale:${String(scale)}: migrating…\n`);
      const run = await runMigrate(cloud, target, { concurrency: CONCURRENCY });
      await stopCloud(cloud);
      cloud = undefined;
      points.push({ scale, items: run.report.idMap.length, run });
      process.stderr.write(
        `scale:${String(scale)}: ${String(run.report.idMap.length)} items in ${run.wallSeconds.toFixed(1)} s, peak RSS ${run.peakRssMiB.toFixed(0)} MiB\n`,
      );
    }

    const [small] = points as [Point, ...Point[]];
    const smallRef = `scale:${String(small.scale)}`;
    const figures: Figure[] = [];
    for (const p of points) {
      const s = `scale:${String(p.scale)}`;
      const differences = p.run.report.verification.users.reduce(
        (n, u) => n + u.differences.length,
        0,
      );
      figures.push(
        plain(`scale.${String(p.scale)}.items`, `${s}: items moved (the report's id map)`, {
          value: p.items,
          unit: 'items',
        }),
        plain(`scale.${String(p.scale)}.wall`, `${s}: wall time`, {
          value: p.run.wallSeconds,
          unit: 's',
        }),
        plain(`scale.${String(p.scale)}.per-1000`, `${s}: time per 1000 items`, {
          value: (p.run.wallSeconds / p.items) * 1000,
          unit: 's',
        }),
        plain(`scale.${String(p.scale)}.rss`, `${s}: peak RSS of the migrate process`, {
          value: p.run.peakRssMiB,
          unit: 'MiB',
        }),
        plain(
          `scale.${String(p.scale)}.verification`,
          `${s}: verification ${p.run.report.verification.result}`,
          { value: differences, unit: 'differences' },
          { text: '"matching"', pass: p.run.report.verification.result === 'matching' },
        ),
      );
    }
    for (const p of points.slice(1)) {
      const s = `scale:${String(p.scale)}`;
      const itemRatio = p.items / small.items;
      const linear = (r: number): { text: string; pass: boolean } => ({
        text: `linear or better: ≤ ${String(SLACK)} × the item ratio ×${itemRatio.toFixed(2)} = ×${(SLACK * itemRatio).toFixed(2)}`,
        pass: r <= SLACK * itemRatio,
      });
      figures.push(
        versus(
          `scale.${String(p.scale)}.time-ratio`,
          `${s} wall time against ${smallRef} (items ×${itemRatio.toFixed(2)})`,
          { value: p.run.wallSeconds, unit: 's' },
          { value: small.run.wallSeconds, unit: 's', label: smallRef },
          linear,
        ),
        versus(
          `scale.${String(p.scale)}.rss-ratio`,
          `${s} peak RSS against ${smallRef} (items ×${itemRatio.toFixed(2)})`,
          { value: p.run.peakRssMiB, unit: 'MiB' },
          { value: small.run.peakRssMiB, unit: 'MiB', label: smallRef },
          linear,
        ),
      );
    }
    // Fixed costs (Node's start, discovery's round trips, the images) flatter the ratios against
    // the smallest scale; the cost of each further item between the two largest scales, against
    // that between the two smallest, shows a superlinear part they would hide.
    if (points.length >= 3) {
      const [a, b] = points as [Point, Point];
      const [y, z] = points.slice(-2) as [Point, Point];
      const marginal = (p: Point, q: Point): number =>
        ((q.run.wallSeconds - p.run.wallSeconds) / (q.items - p.items)) * 1000;
      figures.push(
        versus(
          'scale.marginal-time',
          `time per 1000 further items, scale:${String(y.scale)} → scale:${String(z.scale)}`,
          { value: marginal(y, z), unit: 's' },
          {
            value: marginal(a, b),
            unit: 's',
            label: `scale:${String(a.scale)} → scale:${String(b.scale)}`,
          },
        ),
      );
    }
    const notes = [
      `Every scale migrates the same ${String(IMAGES)} images (machine images of ${String(IMAGE_MIB)} MiB, a kernel and a ramdisk) so that rows dominate: images phase ${points.map((p) => `${((p.run.report.timings.find((t) => t.phase === 'images')?.durationMs ?? 0) / 1000).toFixed(1)} s of ${p.run.wallSeconds.toFixed(1)} s at scale:${String(p.scale)}`).join(', ')}.`,
      `Network mode ${NETWORK_MODE} at every scale (MANAGED has a VLAN per user and tops out at 4,095 users).`,
      `The ratios against ${smallRef} include its fixed costs (Node's start, discovery's round trips, the images); the marginal figure, when three scales ran, compares the cost of further items without them.`,
      `Fixed costs at every scale: the 5 images, and Nova's flat network of at least 65,536 fixed IPs (a /16 block of the simulator's /8; a larger block once the instances' addresses spread past it).`,
    ];
    await emitSection({
      name: 'scale-curve',
      kind: 'benchmark',
      title: `euca2nova migrate from scale:${String(SCALES[0])} to scale:${String(SCALES.at(-1))}`,
      setup: {
        cloud: `Eucalyptus 2.0, ${NETWORK_MODE}`,
        scales: SCALES.join(', '),
        images: `${String(IMAGES)} at every scale, machine images of ${String(IMAGE_MIB)} MiB`,
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
