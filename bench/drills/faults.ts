// The faults drill (issue 9): `euca2nova migrate` of a Eucalyptus 2.0 scale:200 cloud whose every
// endpoint answers 10% of requests with 500/503 and throttles another 10%, and whose Walrus cuts 1%
// of object bodies at a random point. The run must complete and verify "matching"; then the same
// cloud (same simulator, faults lifted) is migrated again by a fresh `migrate` into a fresh Nova
// database and image store, and the two must not differ in one row or one byte.
//
// Knobs: DRILL_SCALE (200), DRILL_IMAGES (20), DRILL_IMAGE_MIB (8), DRILL_PART_KIB (256).
//
// Images are read as bundles (cloud-pk.pem given, decrypted here), in parts of DRILL_PART_KIB: at a
// 1% cut rate, GetDecryptedImage's one body per image would give a run of 20 images no cut at all
// most of the time, and a drill whose fault never fired proves nothing. Each kind of fault must have
// been injected at least once (the simulator's own counters, from its control endpoint).
import { join } from 'node:path';
import type { SimProcess } from '../sim-process.ts';
import { emitSection, plain, verdictOf, versus, type Figure } from '../lib/results.ts';
import {
  HOSTS,
  compareTargets,
  describeDifferences,
  discoveredAtOf,
  envNumber,
  itemEvents,
  openWorkspace,
  readReport,
  simControl,
  spawnCli,
  startSim,
  type Workspace,
  comparisonFigures,
  drillBroke,
} from './lib.ts';

const KiB = 1024;
const SCALE = envNumber('DRILL_SCALE', 200);
const IMAGES = envNumber('DRILL_IMAGES', 20);
const IMAGE_MIB = envNumber('DRILL_IMAGE_MIB', 8);
const PART_KIB = envNumber('DRILL_PART_KIB', 256);
const ERROR_RATE = 0.1;
const THROTTLE_RATE = 0.1;
const RESET_RATE = 0.01;

const say = (s: string): void => {
  process.stderr.write(`faults-drill: ${s}\n`);
};

interface Injected {
  error500: number;
  error503: number;
  throttle: number;
  reset: number;
}

/** A whole `euca2nova migrate` (discover, plan, run, verify) into that target. */
async function migrate(
  ws: Workspace,
  sim: SimProcess,
  target: { novaDb: string; imagesPath: string },
  report: string,
): Promise<{ code: number | null; seconds: number; jobId?: string; stderr: string }> {
  const run = await spawnCli([
    'migrate',
    '--eucarc',
    sim.env.EUCARC ?? '',
    '--euca-conf',
    sim.env.EUCALYPTUS_CONF ?? '',
    '--cloud-pk',
    sim.env.EUCALYPTUS_CLOUD_PK ?? '',
    '--nova-db',
    target.novaDb,
    '--images-path',
    target.imagesPath,
    '--compute-host',
    HOSTS.compute,
    '--volume-host',
    HOSTS.volume,
    '--network-host',
    HOSTS.network,
    '--state-db',
    ws.state.url,
    '--data-dir',
    ws.dataDir,
    '--report',
    report,
    '--concurrency',
    '2',
    '--yes',
  ]).done;
  const jobId = /^Job ([0-9a-f-]{36})$/m.exec(run.stdout)?.[1];
  return { code: run.code, seconds: run.seconds, stderr: run.stderr, ...(jobId ? { jobId } : {}) };
}

async function main(): Promise<void> {
  const ws = await openWorkspace('drill-faults-');
  const notes: string[] = [];
  const figures: Figure[] = [];
  let sim: SimProcess | undefined;
  try {
    sim = await startSim(join(ws.work, 'sim'), {
      scale: SCALE,
      seed: 'faults-drill',
      images: IMAGES,
      imageBytes: IMAGE_MIB * KiB * KiB,
      assemblyMs: 0,
      partBytes: PART_KIB * KiB,
      extra: [
        '--error-rate',
        String(ERROR_RATE),
        '--throttle-rate',
        String(THROTTLE_RATE),
        '--reset-rate',
        String(RESET_RATE),
      ],
    });
    const faultedT = await ws.target('faulted');
    const cleanT = await ws.target('clean');

    say('migrating with faults…');
    const faulted = await migrate(ws, sim, faultedT, join(ws.work, 'faulted.json'));
    const { injected } = (await simControl(sim, 'GET', '/faults')) as { injected: Injected };
    say(
      `with faults: exit ${String(faulted.code)} in ${faulted.seconds.toFixed(1)} s; injected ${JSON.stringify(injected)}`,
    );
    // Lift every fault; the counters stay as they were.
    await simControl(sim, 'DELETE', '/faults');
    say('migrating again without faults…');
    const clean = await migrate(ws, sim, cleanT, join(ws.work, 'clean.json'));
    say(`without faults: exit ${String(clean.code)} in ${clean.seconds.toFixed(1)} s`);
    if (faulted.code !== 0)
      notes.push(
        `the run with faults ended with ${String(faulted.code)}: ${faulted.stderr.slice(-1500)}`,
      );
    if (clean.code !== 0)
      notes.push(
        `the run without faults ended with ${String(clean.code)}: ${clean.stderr.slice(-1500)}`,
      );

    const faultedReport =
      faulted.code === 0 ? await readReport(join(ws.work, 'faulted.json')) : undefined;
    const cleanReport =
      clean.code === 0 ? await readReport(join(ws.work, 'clean.json')) : undefined;
    const cmp =
      faulted.code === 0 && clean.code === 0
        ? await compareTargets(
            faultedT,
            cleanT,
            ['faulted', 'clean'],
            [
              await discoveredAtOf(ws.state, faulted.jobId ?? ''),
              await discoveredAtOf(ws.state, clean.jobId ?? ''),
            ],
          )
        : undefined;
    const items =
      faulted.jobId === undefined ? undefined : await itemEvents(ws.state, faulted.jobId);
    const verification = faultedReport?.verification.result ?? 'not reached';

    const fives = injected.error500 + injected.error503;
    figures.push(
      plain(
        'completed',
        'the run with faults completed (exit code 0)',
        { value: faulted.code ?? -1, unit: 'exit code' },
        { text: '0', pass: faulted.code === 0 },
      ),
      plain(
        'faults.5xx',
        `requests answered 500/503 (rate ${String(ERROR_RATE)}; ${String(injected.error500)} × 500, ${String(injected.error503)} × 503)`,
        { value: fives, unit: 'count' },
        { text: '≥ 1 (the fault fired)', pass: fives >= 1 },
      ),
      plain(
        'faults.throttle',
        `requests throttled (RequestLimitExceeded / SlowDown, rate ${String(THROTTLE_RATE)})`,
        { value: injected.throttle, unit: 'count' },
        { text: '≥ 1 (the fault fired)', pass: injected.throttle >= 1 },
      ),
      plain(
        'faults.reset',
        `Walrus bodies cut at a random point (rate ${String(RESET_RATE)})`,
        { value: injected.reset, unit: 'count' },
        { text: '≥ 1 (the fault fired)', pass: injected.reset >= 1 },
      ),
      plain(
        'retries.items',
        'item retries the job announced (item-failed, will retry); requests are retried below that, unannounced',
        { value: items?.retries ?? Number.NaN, unit: 'count' },
      ),
      ...comparisonFigures(cmp, 'the run without faults'),
      plain(
        'verification',
        "the run with faults, its report's verification differences (result in the unit)",
        {
          value:
            faultedReport?.verification.users.reduce((n, u) => n + u.differences.length, 0) ?? 0,
          unit: `(${verification})`,
        },
        { text: 'matching', pass: verification === 'matching' },
      ),
      plain(
        'verification.clean',
        "the run without faults, its report's verification",
        {
          value: cleanReport?.verification.users.reduce((n, u) => n + u.differences.length, 0) ?? 0,
          unit: `(${cleanReport?.verification.result ?? 'not reached'})`,
        },
        { text: 'matching', pass: cleanReport?.verification.result === 'matching' },
      ),
      versus(
        'time.faults-vs-clean',
        'time of the whole migrate with faults (> 1: slower)',
        { value: faulted.seconds, unit: 's' },
        { value: clean.seconds, unit: 's', label: 'the same migrate without faults' },
      ),
    );
    if (cmp !== undefined && cmp.differences.length > 0)
      notes.push(...describeDifferences(cmp.differences));
    notes.push(
      'both runs are whole `euca2nova migrate` runs (discovery and plan included), each a job of its own: discovery under faults must find the same cloud',
      "each job stamps new rows' created_at with its own discovery time; the comparison replaces exactly that timestamp with a token (every other value must be equal)",
    );
  } catch (e) {
    figures.push(drillBroke(e, notes));
  } finally {
    sim?.child.kill('SIGTERM');
    await ws.close();
  }
  await emitSection({
    name: 'faults-drill',
    kind: 'drill',
    title: `Faults drill: a scale:${String(SCALE)} migration through 10% 5xx, 10% throttling and 1% of Walrus bodies cut`,
    setup: {
      eucalyptus: '2.0 (simulator in its own process)',
      scale: SCALE,
      images: `${String(IMAGES)} × ${String(IMAGE_MIB)} MiB, read as bundles in parts of ${String(PART_KIB)} KiB`,
      faults: `--error-rate ${String(ERROR_RATE)} --throttle-rate ${String(THROTTLE_RATE)} --reset-rate ${String(RESET_RATE)} (every endpoint)`,
      concurrency: 2,
    },
    figures,
    notes,
    verdict: verdictOf(figures),
  });
}

await main();
