// The crash drill (issue 9): `euca2nova migrate` of a Eucalyptus 2.0 scale:200 cloud SIGKILLed at 20
// random moments and resumed each time with `migrate --resume <job>`; the Nova database and image
// store it ends with must be exactly those of the same job run once without interruption.
//
// Knobs: DRILL_SCALE (200), DRILL_KILLS (20), DRILL_SEED (random, printed: set it to replay the
// same kill moments), DRILL_IMAGES (8, at least 5), DRILL_IMAGE_MIB (8), DRILL_ASSEMBLY_MS (1500).
//
// Two jobs are made from one discovery and one plan: "clean" and "crashed", each with a Nova
// database and image store of its own. The clean one runs first, uninterrupted, and tells how long
// the job works (from its process's first event to its end). Half the kill moments are then drawn
// one in each of equal slices of that time (stratified), so they spread over the run in proportion
// to where it spends its time, the image copies above all (a copy announces one event a second);
// the other half one in each of equal slices of its events, so the row phases, which pass in a
// second, are hit too. The crashed job's working time is summed over its processes.
import { join } from 'node:path';
import pg from 'pg';
import type { SimProcess } from '../sim-process.ts';
import { emitSection, plain, verdictOf, versus, type Figure } from '../lib/results.ts';
import {
  compareTargets,
  createJob,
  describeDifferences,
  discoverAndPlan,
  envNumber,
  itemEvents,
  jobProgress,
  keptItems,
  openWorkspace,
  readReport,
  resumeArgs,
  seeded,
  simControl,
  spawnCli,
  whereIs,
  type CliRun,
  startSim,
  comparisonFigures,
  drillBroke,
} from './lib.ts';

const MiB = 1024 * 1024;
const SCALE = envNumber('DRILL_SCALE', 200);
const KILLS = envNumber('DRILL_KILLS', 20);
const SEED = envNumber('DRILL_SEED', Math.floor(Math.random() * 1_000_000));
const IMAGES = envNumber('DRILL_IMAGES', 8);
const IMAGE_MIB = envNumber('DRILL_IMAGE_MIB', 8);
const ASSEMBLY_MS = envNumber('DRILL_ASSEMBLY_MS', 1500);

const say = (s: string): void => {
  process.stderr.write(`crash-drill: ${s}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Watch a `migrate --resume` process: its working time runs from the first event it adds to the
 * job, and `timeline` samples (working ms, last event number) as it goes. When `killAt` (an event
 * number) is reached, SIGKILL it (after one event of its own at least) and tell the job's phase.
 */
async function watch(
  run: CliRun,
  jobId: string,
  client: pg.Client,
  killAt: number | undefined,
): Promise<{ timeline: [number, number][]; killedIn?: string }> {
  const start = (await jobProgress(client, jobId)).lastSeq;
  const target = killAt === undefined ? undefined : Math.max(killAt, start + 1);
  const timeline: [number, number][] = [];
  let since: number | undefined;
  for (;;) {
    await sleep(25);
    const now = performance.now();
    if (run.child.exitCode !== null || run.child.signalCode !== null) return { timeline };
    const p = await jobProgress(client, jobId);
    if (since === undefined && p.lastSeq > start) since = now;
    if (since !== undefined) timeline.push([now - since, p.lastSeq]);
    if (target !== undefined && p.lastSeq >= target) {
      run.child.kill('SIGKILL');
      return { timeline, killedIn: await whereIs(client, jobId, p.phase) };
    }
  }
}

async function main(): Promise<void> {
  say(`seed ${String(SEED)} (DRILL_SEED=${String(SEED)} replays these kill moments)`);
  const ws = await openWorkspace('drill-crash-');
  const client = new pg.Client({ connectionString: ws.state.url });
  await client.connect();
  const notes: string[] = [];
  const figures: Figure[] = [];
  let sim: SimProcess | undefined;
  try {
    sim = await startSim(join(ws.work, 'sim'), {
      scale: SCALE,
      seed: 'crash-drill',
      images: IMAGES,
      imageBytes: IMAGE_MIB * MiB,
      assemblyMs: ASSEMBLY_MS,
    });
    const crashedT = await ws.target('crashed');
    const cleanT = await ws.target('clean');
    const d = await discoverAndPlan(sim, crashedT);
    const crashedJob = await createJob(ws.state, d, crashedT);
    const cleanJob = await createJob(ws.state, d, cleanT);
    say(
      `plan: ${String(keptItems(d.plan))} items; jobs ${crashedJob} (crashed), ${cleanJob} (clean)`,
    );

    // The uninterrupted run first, from a cold assembly cache (as the crashed run will start).
    await simControl(sim, 'DELETE', '/image-cache');
    const cleanRun = spawnCli(resumeArgs(ws, cleanJob, join(ws.work, 'clean.json')));
    const cleanWatch = watch(cleanRun, cleanJob, client, undefined);
    const clean = await cleanRun.done;
    const { timeline } = await cleanWatch;
    const cleanActiveMs = timeline.at(-1)?.[0] ?? 0;
    if (clean.code !== 0)
      throw new Error(
        `the uninterrupted run ended with ${String(clean.code)}: ${clean.stderr.slice(-2000)}`,
      );
    const cleanReport = await readReport(join(ws.work, 'clean.json'));
    const events = (await jobProgress(client, cleanJob)).lastSeq;
    say(
      `uninterrupted: ${clean.seconds.toFixed(1)} s (${(cleanActiveMs / 1000).toFixed(1)} s from its first event), ${String(events)} events`,
    );

    // Half the kill moments by time, half by progress. By time: one in each of equal slices of the
    // job's working time (from its process's first event on: a process starting up has not touched
    // the job yet), so kills fall where the run spends its time, mostly the image copies. By
    // progress: one in each of equal slices of its events, so the row phases (users, groups,
    // instances, addresses), which pass in a second, are hit too. The last 3% (report) is left out,
    // as a run that ends before its moment cannot be killed. A moment by time becomes the event
    // number the uninterrupted run had reached then, so that every moment means the same point of
    // the work in the crashed job, whose processes redo and skip different amounts of it.
    const random = seeded(SEED);
    const span = cleanActiveMs * 0.97;
    const byTime = Math.ceil(KILLS / 2);
    const byEvents = KILLS - byTime;
    const drawn = [
      ...Array.from({ length: byTime }, (_, i) => {
        const ms = Math.round(((i + random()) * span) / byTime);
        const event = timeline.find(([t]) => t >= ms)?.[1] ?? events;
        return { event, why: `${String(ms)} ms` };
      }),
      ...Array.from({ length: byEvents }, (_, i) => ({
        event: Math.max(1, Math.round(((i + random()) * events * 0.97) / byEvents)),
        why: 'by events',
      })),
    ].sort((a, b) => a.event - b.event);
    const targets = drawn.map((d) => d.event);
    say(`kill moments: ${drawn.map((d) => `event ${String(d.event)} (${d.why})`).join(', ')}`);

    await simControl(sim, 'DELETE', '/image-cache');
    const killedIn: string[] = [];
    const runs: number[] = [];
    let crashedSeconds = 0;
    let finished = false;
    let unexpected: string | undefined;
    for (
      let attempt = 0;
      attempt < KILLS + 10 && !finished && unexpected === undefined;
      attempt++
    ) {
      const target = targets[killedIn.length];
      const run = spawnCli(resumeArgs(ws, crashedJob, join(ws.work, 'crashed.json')));
      const watched = watch(run, crashedJob, client, target);
      const result = await run.done;
      const { killedIn: phase } = await watched;
      crashedSeconds += result.seconds;
      runs.push(result.seconds);
      if (result.code === 0) finished = true;
      else if (result.code === null && phase !== undefined) {
        killedIn.push(phase);
        say(`kill ${String(killedIn.length)} at event ${String(target)} in ${phase}`);
      } else
        unexpected = `run ${String(attempt + 1)} ended with ${String(result.code)}: ${result.stderr.slice(-1500)}`;
    }
    if (unexpected !== undefined) notes.push(`the crashed job stopped unexpectedly: ${unexpected}`);
    if (!finished) notes.push('the crashed job never finished');
    const kills = killedIn.length;
    // Kills during image copies count once as "images", whatever later phase ran beside them.
    const phases = [...new Set(killedIn.map((k) => k.replace(/ \(.*$/, '')))];
    notes.push(`kills landed in (in order): ${killedIn.join(', ') || 'none'}`);
    notes.push(
      `kill moments drawn (event numbers of ${String(events)}; ${String(byTime)} from a time of the uninterrupted run's ${String(Math.round(cleanActiveMs))} ms of work, ${String(byEvents)} by events): ${drawn.map((d) => `${String(d.event)} (${d.why})`).join(', ')}`,
    );

    const cmp = finished ? await compareTargets(crashedT, cleanT, ['crashed', 'clean']) : undefined;
    const items = await itemEvents(ws.state, crashedJob);
    const report = finished ? await readReport(join(ws.work, 'crashed.json')) : undefined;
    const verification = report?.verification.result ?? 'not reached';
    const verificationDiffs =
      report?.verification.users.reduce((n, u) => n + u.differences.length, 0) ?? 0;

    figures.push(
      plain(
        'kills',
        'SIGKILLs made (each followed by migrate --resume)',
        { value: kills, unit: 'count' },
        {
          text: `= ${String(KILLS)}`,
          pass: kills === KILLS,
        },
      ),
      plain('kills.phases', 'phases the kills landed in (listed in the notes)', {
        value: phases.length,
        unit: 'count',
      }),
      ...comparisonFigures(cmp, 'the uninterrupted run'),
      plain(
        'items.repeated',
        `item-done events announced more than once (${String(items.done)} items announced of ${String(keptItems(d.plan))})`,
        { value: items.repeated, unit: 'count' },
        {
          text: `0, and every item once`,
          pass: items.repeated === 0 && items.done === keptItems(d.plan),
        },
      ),
      versus(
        'time.crashed-vs-clean',
        `total time of the crashed job, ${String(runs.length)} processes (> 1: slower)`,
        { value: crashedSeconds, unit: 's' },
        { value: clean.seconds, unit: 's', label: 'the same job run once, uninterrupted' },
      ),
      plain(
        'verification',
        "the crashed job's report: verification differences (result in the unit)",
        { value: verificationDiffs, unit: `(${verification})` },
        { text: 'matching', pass: verification === 'matching' },
      ),
      plain(
        'verification.clean',
        "the uninterrupted run's report: verification differences",
        {
          value: cleanReport.verification.users.reduce((n, u) => n + u.differences.length, 0),
          unit: `(${cleanReport.verification.result})`,
        },
        { text: 'matching', pass: cleanReport.verification.result === 'matching' },
      ),
    );
    if (cmp !== undefined && cmp.differences.length > 0)
      notes.push(...describeDifferences(cmp.differences));
    notes.push(
      `the crashed job's processes took ${runs.map((s) => s.toFixed(1)).join(', ')} s; each resume pays a process start and re-reads the job`,
    );
  } catch (e) {
    figures.push(drillBroke(e, notes));
  } finally {
    await client.end();
    sim?.child.kill('SIGTERM');
    await ws.close();
  }
  await emitSection({
    name: 'crash-drill',
    kind: 'drill',
    title: `Crash drill: SIGKILL at ${String(KILLS)} random moments of a scale:${String(SCALE)} migration, resumed each time`,
    setup: {
      eucalyptus: '2.0 (simulator in its own process)',
      scale: SCALE,
      images: `${String(IMAGES)} × ${String(IMAGE_MIB)} MiB, assembly ${String(ASSEMBLY_MS)} ms, read through GetDecryptedImage`,
      kills: KILLS,
      seed: `${String(SEED)} (DRILL_SEED)`,
      concurrency: 2,
    },
    figures,
    notes,
    verdict: verdictOf(figures),
  });
}

await main();
