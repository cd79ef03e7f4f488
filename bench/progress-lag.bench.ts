// Live progress under load (issue 7): the delivery lag of job events to CLIENTS concurrent
// socket.io clients during a `scale:SCALE` migration (goal: p99 under 250 ms), and the CPU the
// server adds to deliver them.
// Run: npm run bench:progress -w @euca2nova/bench   (prints figures; never part of npm test)
// Quick run: SCALE=50 IMAGES=10 IMAGE_MB=4 CLIENTS=10 npm run bench:progress -w @euca2nova/bench
// Knobs: SCALE (1000), CLIENTS (100), IMAGES (100), IMAGE_MB (64), BENCH_KEEP (keep the work dir),
// BENCH_CPU_PROF=DIR (a V8 CPU profile of the server process, written there when it stops).
//
// The roles run in processes of their own, so that CPU can be attributed: the real server
// (apps/server/src/main.ts, against an external state database); the migration runs as
// `euca2nova migrate` against the same state database, its events reaching the server through
// LISTEN/NOTIFY; the CLIENTS sockets live in this process; notify-clock.ts LISTENs to time each
// commit; sentinel-client.ts is one more socket, subscribed last and alone in its process. The
// simulator and PostgreSQL are processes of their own too. The server is not only a progress
// server: its JobHost's transfer workers take image copies off the queue beside the migrate
// process's (42-68 of the 100 in earlier runs), so its CPU holds those copies too; the figures
// say how many it made.
//
// Lag of one event = the client's Date.now() on receipt − the event's `at`. The store sets `at` to
// now() in the appending transaction, i.e. the transaction's start (not clock_timestamp()), so the
// lag also holds the writer's transaction up to its commit; it is split here into event.at → commit
// (from the notification's arrival at notify-clock.ts) and commit → client, the server's part
// (notification, reading the table, the coalescer's ≤10 emissions/s per client, socket.io).
// Every client decodes each batch with decodeJobEventsBatch, as the wizard does, before taking its
// receipt time. Only live events count: those with a seq above the `replayedTo` of the client's
// subscribe ack. Every client must get every item event (item-done/-failed/-skipped, as many as the
// store holds) in increasing seq order; the exit code is 1 when one does not, or when the
// sentinel's p99 misses its goal.
// Also printed: the characters of socket.io packets each client received; the server's event-loop
// delay over the run (its /metrics gauges, reset by a scrape at the start); and the machine's CPU
// budget from /proc: the cores each role used and "other work", the machine's busy time minus ours
// (this VM is shared with other engineers' builds and browser tests).
//
// The section it emits (lib/results.ts) holds the headline figures: p99 of event.at → client for the
// sentinel (goal < 250 ms) beside the bare LISTEN client's event.at → notification p99 (the floor:
// nobody sees an event before its commit is notified), commit → client p99 of the sentinel and of
// the clients, the server's CPU, and whether every client got every item event in order. The
// figures of earlier rounds and what bounded them are in this file's git history (before the
// section); the section's notes say it in short.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, hostname, totalmem, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import {
  decodeJobEventsBatch,
  type ClientToServerEvents,
  type JobSubscribeAck,
  type ServerToClientEvents,
} from '@euca2nova/model';
import { initNovaSchema } from '@euca2nova/nova';
import { ensureDatabase, startEmbeddedPostgres } from '@euca2nova/state';
import { startSimProcess, type SimProcess } from './sim-process.ts';
import { emitSection, plain, verdictOf, versus, type Figure } from './lib/results.ts';

const MiB = 1024 * 1024;
const SCALE = Number(process.env.SCALE ?? 1000);
const CLIENTS = Number(process.env.CLIENTS ?? 100);
const IMAGES = Number(process.env.IMAGES ?? 100);
const IMAGE_SIZE = Number(process.env.IMAGE_MB ?? 64) * MiB;
const GOAL_P99_MS = 250;
const PASSWORD = 'bench progress lag password';
const ITEM_EVENTS = ['item-done', 'item-failed', 'item-skipped'] as const;
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What one client saw. */
interface Follower {
  readonly client: Client;
  /** Per received event, in arrival order. */
  readonly seqs: number[];
  /** Date.now() on receipt. */
  readonly received: number[];
  /** The event's `at`, in ms. */
  readonly at: number[];
  readonly types: string[];
  replayedTo: number;
  maxSeq: number;
  batches: number;
  /** Characters of the socket.io packets received (what the server wrote, what the client parsed). */
  wireChars: number;
}

// ---- processes

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** User + system CPU seconds a live process has used so far. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${String(pid)}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Busy CPU seconds of the whole machine so far (every core; idle and iowait left out). */
async function machineBusySeconds(): Promise<number> {
  const cpu = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal
  const f = cpu.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return (total - (f[3] ?? 0) - (f[4] ?? 0)) / CLK_TCK;
}

interface Proc {
  pid: number;
  ppid: number;
  comm: string;
  /** Its own CPU seconds and those of its children it has reaped. */
  cpu: number;
}

/** Every live process, from /proc. */
async function processes(): Promise<Proc[]> {
  const out: Proc[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const close = stat.lastIndexOf(')');
    if (close < 0) continue;
    const f = stat.slice(close + 2).split(' ');
    out.push({
      pid: Number(name),
      ppid: Number(f[1]),
      comm: stat.slice(stat.indexOf('(') + 1, close),
      cpu: (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLK_TCK,
    });
  }
  return out;
}

/**
 * CPU seconds used so far by the processes `isRoot` picks and everything below them, the exited
 * ones too (a parent's reaped children are in its count; a live process is in nobody's).
 */
function treeCpu(procs: readonly Proc[], isRoot: (p: Proc) => boolean): number {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  let sum = 0;
  for (const p of procs)
    for (let q: Proc | undefined = p; q !== undefined; q = byPid.get(q.ppid))
      if (isRoot(q)) {
        sum += p.cpu;
        break;
      }
  return sum;
}

/** Peak resident set of a live process, in MiB. */
async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${String(pid)}/status`, 'utf8');
  const kib = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  return Number(kib ?? 0) / 1024;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      s.close(() => {
        resolve(port);
      });
    });
  });
}

/** Keeps the last `max` characters a stream wrote (for an error message). */
function tail(max = 4000): { push: (c: Buffer) => void; text: () => string } {
  let text = '';
  return {
    push: (c) => {
      text = (text + c.toString('utf8')).slice(-max);
    },
    text: () => text,
  };
}

/** Stops a child started `detached` (its own process group), with whatever it started. */
function stopGroup(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** The notify-clock.ts process: commit times of the job's event batches, away from the clients. */
async function startNotifyClock(
  stateUrl: string,
): Promise<{ child: ChildProcess; stop: () => Promise<string> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, 'notify-clock.ts'), stateUrl],
    {
      cwd: here,
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => {
      reject(new Error(`notify-clock exited with ${String(code)}`));
    });
    child.stdout.on('data', (c: Buffer) => {
      chunks.push(c);
      if (Buffer.concat(chunks).toString('utf8').includes('listening\n')) resolve();
    });
  });
  return {
    child,
    stop: async () => {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(5000)]);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

/**
 * For each seq, when it became visible: the time of the first notification whose batch reaches it
 * (one writer at a time holds the job's row lock, so batches commit in seq order).
 */
function commitTimes(
  clock: string,
  jobId: string,
): { of: (seq: number) => number; marks: readonly (readonly [number, number])[] } {
  const marks: [number, number][] = [];
  for (const line of clock.split('\n')) {
    const m = /^(.+):(\d+) (\d+)$/.exec(line);
    if (m?.[1] === jobId) marks.push([Number(m[2]), Number(m[3])]);
  }
  marks.sort((a, b) => a[0] - b[0]);
  const of = (seq: number): number => {
    let lo = 0;
    let hi = marks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((marks[mid]?.[0] ?? 0) < seq) lo = mid + 1;
      else hi = mid;
    }
    return marks[lo]?.[1] ?? Number.NaN;
  };
  return { of, marks };
}

/** Index of the last element of an increasing array that is ≤ `x`, or -1. */
function lastAtMost(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((xs[mid] ?? 0) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

interface SentinelEvent {
  seq: number;
  at: number;
  received: number;
  type: string;
}

/** The sentinel-client.ts process: one more follower, subscribed last, alone in its process. */
async function startSentinel(
  url: string,
  cookie: string,
  jobId: string,
): Promise<{
  child: ChildProcess;
  stop: () => Promise<{ replayedTo: number; events: SentinelEvent[] }>;
}> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, 'sentinel-client.ts'), url, jobId],
    {
      cwd: here,
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, BENCH_COOKIE: cookie },
    },
  );
  const chunks: Buffer[] = [];
  let replayedTo = 0;
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => {
      reject(new Error(`the sentinel client exited with ${String(code)}`));
    });
    child.stdout.on('data', (c: Buffer) => {
      chunks.push(c);
      const m = /^subscribed (\d+)$/m.exec(Buffer.concat(chunks).toString('utf8'));
      if (m?.[1] !== undefined) {
        replayedTo = Number(m[1]);
        resolve();
      }
    });
  });
  return {
    child,
    stop: async () => {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(5000)]);
      const events: SentinelEvent[] = [];
      for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
        const [seq, at, received, type] = line.split(' ');
        if (type !== undefined && /^\d+$/.test(seq ?? ''))
          events.push({ seq: Number(seq), at: Number(at), received: Number(received), type });
      }
      return { replayedTo, events };
    },
  };
}

function startSim(dir: string): Promise<SimProcess> {
  return startSimProcess(
    [
      '--euca-version',
      '2.0',
      '--scenario',
      `scale:${String(SCALE)}`,
      '--image-count',
      String(IMAGES),
      '--image-size',
      String(IMAGE_SIZE),
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
}

async function startServer(
  stateUrl: string,
  dataDir: string,
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const port = await freePort();
  const out = tail();
  const profile =
    process.env.BENCH_CPU_PROF === undefined
      ? []
      : ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`];
  const child = spawn(
    process.execPath,
    [...profile, '--import', 'tsx', 'apps/server/src/main.ts'],
    {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: stateUrl,
        EUCA2NOVA_DATA_DIR: dataDir,
        EUCA2NOVA_OPERATOR_PASSWORD: PASSWORD,
        EUCA2NOVA_DEMO: 'off',
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      },
    },
  );
  child.stdout.on('data', out.push);
  child.stderr.on('data', out.push);
  const url = `http://127.0.0.1:${String(port)}`;
  const end = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the server exited with ${String(child.exitCode)}:\n${out.text()}`);
    if (Date.now() > end) throw new Error(`the server did not answer /healthz:\n${out.text()}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, url, output: out.text };
    await sleep(200);
  }
}

/**
 * The server's event-loop delay (prom-client's gauges, in ms) since the previous scrape: its
 * histogram is reset at each one, so a scrape before the run starts the window.
 */
async function serverLoopDelay(url: string, cookie: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`, { headers: { cookie } })).text();
  const out: Record<string, number> = {};
  for (const q of ['p50', 'p90', 'p99', 'max']) {
    const m = new RegExp(`^nodejs_eventloop_lag_${q}_seconds (\\S+)$`, 'm').exec(text);
    out[q] = Number(m?.[1] ?? NaN) * 1000;
  }
  return out;
}

/** Signs in as the operator: the `name=value` of the session cookie. */
async function signIn(url: string): Promise<string> {
  const res = await fetch(`${url}/api/session/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`sign-in answered ${String(res.status)}`);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .find((c) => c.startsWith('euca2nova_session='));
  if (cookie === undefined) throw new Error('sign-in set no session cookie');
  return cookie;
}

// ---- clients

async function follow(url: string, cookie: string, jobId: string): Promise<Follower> {
  const client: Client = io(url, {
    transports: ['websocket'],
    extraHeaders: { cookie },
    reconnection: false,
    forceNew: true,
  });
  const f: Follower = {
    client,
    seqs: [],
    received: [],
    at: [],
    types: [],
    replayedTo: Number.POSITIVE_INFINITY,
    maxSeq: 0,
    batches: 0,
    wireChars: 0,
  };
  client.on('job:events', (wire) => {
    const now = Date.now();
    // As every client reads them (the web wizard too): decoding is part of the delivery.
    const batch = decodeJobEventsBatch(wire);
    if (batch.jobId !== jobId) return;
    f.batches++;
    for (const e of batch.events) {
      f.seqs.push(e.seq);
      f.received.push(now);
      f.at.push(Date.parse(e.at));
      f.types.push(e.type);
      f.maxSeq = Math.max(f.maxSeq, e.seq);
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => {
        resolve();
      });
      client.once('connect_error', (e) => {
        reject(new Error(`a client could not connect: ${e.message}`));
      });
    });
    client.io.engine.on('packet', (p) => {
      if (typeof p.data === 'string') f.wireChars += p.data.length;
    });
    const ack = await Promise.race([
      client.emitWithAck('job:subscribe', { jobId, afterSeq: 0 }),
      sleep(60_000, undefined, { ref: false }).then((): JobSubscribeAck => {
        throw new Error('no answer to job:subscribe within 60 s');
      }),
    ]);
    if (!ack.ok) throw new Error(`subscribe refused: ${ack.error} ${ack.message}`);
    f.replayedTo = ack.replayedTo;
    return f;
  } catch (e) {
    client.disconnect();
    throw e;
  }
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ??
    NaN
  );
}

/** Per client: the item events it got and whether its seqs only increased. */
function audit(f: Follower): { items: Record<string, number>; ordered: boolean } {
  const items: Record<string, number> = Object.fromEntries(ITEM_EVENTS.map((t) => [t, 0]));
  for (const t of f.types) if (t in items) items[t] = (items[t] ?? 0) + 1;
  let ordered = true;
  for (let i = 1; i < f.seqs.length; i++)
    if ((f.seqs[i] ?? 0) <= (f.seqs[i - 1] ?? 0)) ordered = false;
  return { items, ordered };
}

// ---- the run

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'bench-progress-'));
  // As root, the embedded PostgreSQL runs as "postgres", which must be able to enter this folder.
  await chmod(work, 0o755);
  const simDir = join(work, 'sim');
  const images = join(work, 'images');
  const dataDir = join(work, 'data');
  await mkdir(images);
  const pgServer = await startEmbeddedPostgres({ dataDir: join(work, 'pg') });
  let sim: SimProcess['child'] | undefined;
  let server: ChildProcess | undefined;
  let migrate: ChildProcess | undefined;
  let clock: ChildProcess | undefined;
  let sentinel: ChildProcess | undefined;
  const followers: Follower[] = [];
  const onSignal = (): void => {
    stopGroup(migrate, 'SIGKILL');
    stopGroup(server, 'SIGKILL');
    stopGroup(clock, 'SIGKILL');
    stopGroup(sentinel, 'SIGKILL');
    sim?.kill('SIGKILL');
    void pgServer
      .stop()
      .then(() =>
        process.env.BENCH_KEEP === undefined
          ? rm(work, { recursive: true, force: true })
          : undefined,
      )
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await ensureDatabase(pgServer.adminUrl, 'state');
    await ensureDatabase(pgServer.adminUrl, 'nova');
    const stateUrl = pgServer.urlFor('state');
    const novaUrl = pgServer.urlFor('nova');
    await initNovaSchema(novaUrl);
    process.stderr.write(
      `starting the simulator: scale:${String(SCALE)}, ${String(IMAGES)} images of ${String(IMAGE_SIZE / MiB)} MiB…\n`,
    );
    sim = (await startSim(simDir)).child;

    process.stderr.write('starting the server…\n');
    const started = await startServer(stateUrl, dataDir);
    server = started.child;
    const serverPid = server.pid ?? 0;
    const cookie = await signIn(started.url);

    // Idle baseline: the server signed in and waiting, nobody subscribed.
    await sleep(2000);
    const idleSeconds = 5;
    const idle0 = await cpuSeconds(serverPid);
    const idleT0 = performance.now();
    await sleep(idleSeconds * 1000);
    const idleCpu = await cpuSeconds(serverPid);
    const idleRate = (idleCpu - idle0) / ((performance.now() - idleT0) / 1000);

    const notifyClock = await startNotifyClock(stateUrl);
    clock = notifyClock.child;

    process.stderr.write(`migrating, with ${String(CLIENTS)} clients following…\n`);
    // The CPU budget of the whole machine: every role of the run, and the rest (other work).
    const procs0 = await processes();
    const procOf = new Map(procs0.map((p) => [p.pid, p]));
    const descends = (p: Proc, pid: number): boolean => {
      for (let q = procOf.get(p.ppid); q !== undefined; q = procOf.get(q.ppid))
        if (q.pid === pid) return true;
      return false;
    };
    const pgRoots = new Set(
      procs0
        .filter(
          (p) =>
            p.comm === 'postgres' &&
            procOf.get(p.ppid)?.comm !== 'postgres' &&
            descends(p, process.pid),
        )
        .map((p) => p.pid),
    );
    const roles = (procs: readonly Proc[]): Record<string, number> => ({
      server: treeCpu(procs, (p) => p.pid === serverPid),
      simulator: treeCpu(procs, (p) => p.pid === sim?.pid),
      postgresql: treeCpu(procs, (p) => pgRoots.has(p.pid)),
      sentinel: treeCpu(procs, (p) => p.pid === sentinel?.pid),
      'notify-clock': treeCpu(procs, (p) => p.pid === clock?.pid),
    });
    const roles0 = roles(procs0);
    await serverLoopDelay(started.url, cookie);
    const machine0 = await machineBusySeconds();
    const cpu0 = await cpuSeconds(serverPid);
    const t0 = performance.now();
    const wallT0 = Date.now();
    const ownCpu0 = process.cpuUsage();
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const migrateOut = tail();
    const migrateErr = tail();
    migrate = spawn(
      '/usr/bin/time',
      [
        '-f',
        '%M %e %U %S',
        process.execPath,
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
        dataDir,
        '--report',
        join(work, 'report.json'),
        '--concurrency',
        '4',
        '--yes',
      ],
      { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => migrate?.on('close', resolve));
    const jobId = await new Promise<string>((resolve, reject) => {
      let seen = '';
      migrate?.stdout?.on('data', (c: Buffer) => {
        migrateOut.push(c);
        seen += c.toString('utf8');
        const m = /^Job ([0-9a-f-]{36})$/m.exec(seen);
        if (m?.[1] !== undefined) resolve(m[1]);
      });
      migrate?.stderr?.on('data', migrateErr.push);
      void exited.then((code) => {
        reject(
          new Error(
            `migrate exited with ${String(code)} before storing a job:\n${migrateErr.text()}`,
          ),
        );
      });
    });
    const tJob = performance.now();

    // Server CPU, sampled each second (the peak second tells more than the mean).
    const perSecond: number[] = [];
    /** Busy cores of the whole machine, each second. */
    const machinePerSecond: number[] = [];
    const sampling = new AbortController();
    const sampler = (async () => {
      let last = await cpuSeconds(serverPid);
      let lastMachine = await machineBusySeconds();
      let lastT = performance.now();
      while (!sampling.signal.aborted) {
        await sleep(1000);
        const c = await cpuSeconds(serverPid).catch(() => last);
        const m = await machineBusySeconds();
        const t = performance.now();
        perSecond.push((c - last) / ((t - lastT) / 1000));
        machinePerSecond.push((m - lastMachine) / ((t - lastT) / 1000));
        last = c;
        lastMachine = m;
        lastT = t;
      }
    })();

    const connected = await Promise.allSettled(
      Array.from({ length: CLIENTS }, () => follow(started.url, cookie, jobId)),
    );
    for (const r of connected) if (r.status === 'fulfilled') followers.push(r.value);
    const refused = connected.filter((r) => r.status === 'rejected');
    const tSubscribed = performance.now();
    const sentinelClient = await startSentinel(started.url, cookie, jobId);
    sentinel = sentinelClient.child;
    if (refused.length > 0 && refused[0]?.status === 'rejected')
      process.stderr.write(
        `${String(refused.length)} client(s) failed: ${String(refused[0].reason)}\n`,
      );

    const code = await exited;
    const tMigrated = performance.now();
    const [rssKiB, migrateWall, migrateUser, migrateSys] = (
      migrateErr.text().trim().split('\n').at(-1) ?? ''
    )
      .split(' ')
      .map(Number);

    // What the store holds, to compare with what every client got.
    const db = new pg.Client({ connectionString: stateUrl });
    await db.connect();
    const lastSeq = Number(
      (await db.query<{ last_seq: string }>('SELECT last_seq FROM jobs WHERE id = $1', [jobId]))
        .rows[0]?.last_seq ?? 0,
    );
    const counts = await db.query<{ type: string; n: string }>(
      'SELECT type, count(*) AS n FROM job_events WHERE job_id = $1 GROUP BY type',
      [jobId],
    );
    // The server's own transfer workers (JobHost) copy images too, beside the migrate process's.
    const copiers = await db.query<{ worker: string | null; n: string }>(
      `SELECT result->>'worker' AS worker, count(*) AS n FROM job_steps
        WHERE job_id = $1 AND phase = 'images' AND item <> '' GROUP BY 1`,
      [jobId],
    );
    await db.end();
    const serverWorker = `${hostname()}:${String(serverPid)}`;
    const copiedByServer = copiers.rows
      .filter((r) => r.worker === serverWorker)
      .reduce((n, r) => n + Number(r.n), 0);
    const copiedInAll = copiers.rows.reduce((n, r) => n + Number(r.n), 0);
    const dbCount: Record<string, number> = Object.fromEntries(
      counts.rows.map((r) => [r.type, Number(r.n)]),
    );
    const dbEvents = Object.values(dbCount).reduce((a, b) => a + b, 0);

    // The last events reach the clients after the command exits.
    const drainEnd = Date.now() + 15_000;
    while (followers.some((f) => f.maxSeq < lastSeq) && Date.now() < drainEnd) await sleep(20);
    const t1 = performance.now();
    const cpu1 = await cpuSeconds(serverPid);
    const serverLoop = await serverLoopDelay(started.url, cookie);
    const roles1 = roles(await processes());
    const machine1 = await machineBusySeconds();
    const serverRss = await peakRssMiB(serverPid);
    const ownCpu = process.cpuUsage(ownCpu0);
    loopDelay.disable();
    await sleep(500);
    const sentinelRun = await sentinelClient.stop();
    const sentinelLive = sentinelRun.events.filter((e) => e.seq > sentinelRun.replayedTo);
    const sentinelSeqs = sentinelRun.events.map((e) => e.seq);
    const commits = commitTimes(await notifyClock.stop(), jobId);
    const commitOf = commits.of;
    sampling.abort();
    await sampler;
    for (const f of followers) f.client.disconnect();

    // ---- figures
    // Per live event of every client: event.at → client (what the goal names), event.at → commit
    // (the appending transaction, before anyone can see the event) and commit → client (the
    // server's part: notification, read, coalescing, socket).
    const classes = ['item', 'bytes-progress', 'other'] as const;
    const classOf = (type: string): (typeof classes)[number] =>
      (ITEM_EVENTS as readonly string[]).includes(type)
        ? 'item'
        : type === 'bytes-progress'
          ? 'bytes-progress'
          : 'other';
    const total: number[] = [];
    const visible: number[] = [];
    const delivery: number[] = [];
    const byClass = new Map(
      classes.map((c) => [c, { total: [] as number[], delivery: [] as number[] }]),
    );
    let received = 0;
    let live = 0;
    let noCommit = 0;
    for (const f of followers) {
      received += f.seqs.length;
      for (let i = 0; i < f.seqs.length; i++) {
        const seq = f.seqs[i] ?? 0;
        if (seq <= f.replayedTo) continue;
        live++;
        const recv = f.received[i] ?? 0;
        const at = f.at[i] ?? 0;
        const commit = commitOf(seq);
        total.push(recv - at);
        const c = byClass.get(classOf(f.types[i] ?? ''));
        c?.total.push(recv - at);
        if (Number.isNaN(commit)) {
          noCommit++;
          continue;
        }
        visible.push(commit - at);
        delivery.push(recv - commit);
        c?.delivery.push(recv - commit);
      }
    }
    const sortNum = (xs: number[]): number[] => xs.sort((x, y) => x - y);
    for (const xs of [total, visible, delivery]) sortNum(xs);
    const dist = (xs: readonly number[]): string =>
      xs.length === 0
        ? 'none'
        : [50, 90, 99, 100]
            .map((q) => `${q === 100 ? 'max' : `p${String(q)}`} ${percentile(xs, q).toFixed(0)}`)
            .join('  ') + ' ms';
    const p99 = percentile(total, 99);
    const p99Delivery = percentile(delivery, 99);
    const classLines = classes.map((c) => {
      const d = byClass.get(c) ?? { total: [], delivery: [] };
      return `  ${c.padEnd(15)} ${String(d.total.length).padStart(8)} deliveries; event.at → client ${dist(sortNum(d.total))}; commit → client ${dist(sortNum(d.delivery))}`;
    });
    // The largest commits: how long the last client waited for the end of each.
    const burstLines = commits.marks
      .map(([last, time], i) => ({ first: (commits.marks[i - 1]?.[0] ?? 0) + 1, last, time }))
      .sort((x, y) => y.last - y.first - (x.last - x.first))
      .slice(0, 5)
      .sort((x, y) => x.last - y.last)
      .map((b) => {
        const waits = followers
          .map((f) => {
            const i = lastAtMost(f.seqs, b.last);
            return i >= 0 && (f.seqs[i] ?? 0) >= b.first ? (f.received[i] ?? 0) - b.time : NaN;
          })
          .filter((w) => !Number.isNaN(w));
        const kinds = new Map<string, number>();
        const f0 = followers[0];
        if (f0 !== undefined)
          for (let i = lastAtMost(f0.seqs, b.first - 1) + 1; i <= lastAtMost(f0.seqs, b.last); i++)
            kinds.set(f0.types[i] ?? '', (kinds.get(f0.types[i] ?? '') ?? 0) + 1);
        const si = lastAtMost(sentinelSeqs, b.last);
        const sentinelWait =
          si >= 0 && (sentinelSeqs[si] ?? 0) >= b.first
            ? `${((sentinelRun.events[si]?.received ?? 0) - b.time).toFixed(0)} ms`
            : 'never';
        const what = [...kinds].map(([t, n]) => `${String(n)} ${t}`).join(', ');
        return `  seq ${String(b.first)}..${String(b.last)} (${what}), committed at +${((b.time - wallT0) / 1000).toFixed(1)} s: its end reached the first client after ${Math.min(...waits).toFixed(0)} ms, the last after ${Math.max(...waits).toFixed(0)} ms, the sentinel after ${sentinelWait}`;
      });
    const sentinelTotal = sortNum(sentinelLive.map((e) => e.received - e.at));
    const sentinelDelivery = sortNum(
      sentinelLive.map((e) => e.received - commitOf(e.seq)).filter((x) => !Number.isNaN(x)),
    );
    const sentinelMax = sentinelSeqs.at(-1) ?? 0;
    const loop = (n: number): string => `${(n / 1e6).toFixed(0)} ms`;
    const audits = followers.map(audit);
    const itemProblems: string[] = [];
    for (const t of ITEM_EVENTS) {
      const want = dbCount[t] ?? 0;
      const got = audits.map((a) => a.items[t] ?? 0);
      const wrong = got.filter((g) => g !== want).length;
      if (wrong > 0)
        itemProblems.push(
          `${t}: ${String(wrong)} client(s) differ from the store's ${String(want)} (got ${String(Math.min(...got))}..${String(Math.max(...got))})`,
        );
    }
    const unordered = audits.filter((a) => !a.ordered).length;
    const behind = followers.filter((f) => f.maxSeq < lastSeq).length;
    const wall = (t1 - t0) / 1000;
    const serverCpu = cpu1 - cpu0;
    const added = serverCpu - idleRate * wall;
    const pct = (s: number, w: number): string => `${((s / w) * 100).toFixed(1)}%`;
    const perClient = followers.map((f) => f.seqs.length);
    const wireMiB = followers.map((f) => f.wireChars / MiB);
    const batches = followers.map((f) => f.batches);
    const itemLine = ITEM_EVENTS.map((t) => `${t} ${String(dbCount[t] ?? 0)}`).join(', ');
    const loadavg = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');

    const migrateCpu = (migrateUser ?? 0) + (migrateSys ?? 0);
    const ownCpuSeconds = (ownCpu.user + ownCpu.system) / 1e6;
    const used: Record<string, number> = {
      server: serverCpu,
      migrate: migrateCpu,
      [`clients (this process)`]: ownCpuSeconds,
    };
    for (const [k, v] of Object.entries(roles1)) if (k !== 'server') used[k] = v - (roles0[k] ?? 0);
    const machineBusy = machine1 - machine0;
    used['other work'] = Math.max(0, machineBusy - Object.values(used).reduce((a, b) => a + b, 0));
    const budgetLine = `${(machineBusy / wall).toFixed(2)} of ${String(cpus().length)} cores busy on average (${machineBusy.toFixed(0)} s): ${Object.entries(
      used,
    )
      .map(([k, v]) => `${k} ${(v / wall).toFixed(2)}`)
      .join(', ')} cores`;
    const sortedMachine = [...machinePerSecond].sort((x, y) => x - y);
    const saturated = machinePerSecond.filter((c) => c >= 0.95 * cpus().length).length;
    const lines = [
      `# euca2nova live progress under load (${new Date().toISOString()})`,
      `machine: ${String(cpus().length)} cores, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB; load average at the end ${loadavg} (shared with other work)`,
      `cloud: Eucalyptus 2.0 scale:${String(SCALE)}, ${String(IMAGES)} images of ${String(IMAGE_SIZE / MiB)} MiB; migrate exit code ${String(code)}, ${String(migrateWall)} s`,
      `job: ${String(lastSeq)} events in the store (${itemLine}); ${String(dbEvents)} rows`,
      `clients: ${String(followers.length)} of ${String(CLIENTS)} subscribed (${((tSubscribed - tJob) / 1000).toFixed(2)} s from "Job <id>" to the last ack)`,
      `events per client: ${String(Math.min(...perClient))}..${String(Math.max(...perClient))} received (coalesced bytes-progress skip seqs), in ${String(Math.min(...batches))}..${String(Math.max(...batches))} batches; ${String(received)} in all, ${String(live)} live`,
      `wire: ${Math.min(...wireMiB).toFixed(2)}..${Math.max(...wireMiB).toFixed(2)} MiB of socket.io packets per client, ${((Math.max(...wireMiB) * MiB) / Math.max(1, ...perClient)).toFixed(1)} characters per event; ${wireMiB.reduce((a, b) => a + b, 0).toFixed(0)} MiB to the ${String(followers.length)} clients`,
      `lag of the live events, over every client (event.at = now() in the appending transaction, i.e. its start):`,
      `  event.at → client  ${dist(total)}`,
      `  event.at → commit  ${dist(visible)}   (the writer's transaction; not the server's doing)`,
      `  commit → client    ${dist(delivery)}   (the server: notify, read, coalesce ≤10/s, socket)${noCommit > 0 ? `; ${String(noCommit)} without a commit time` : ''}`,
      ...classLines,
      `the ${String(burstLines.length)} largest commits (of ${String(commits.marks.length)}):`,
      ...burstLines,
      `the sentinel (one more client, subscribed last, alone in its process; ${String(sentinelLive.length)} live events${sentinelMax < lastSeq ? `, reached only seq ${String(sentinelMax)}` : ''}):`,
      `  event.at → client  ${dist(sentinelTotal)}`,
      `  commit → client    ${dist(sentinelDelivery)}`,
      `p99 < ${String(GOAL_P99_MS)} ms, event.at → client: ${p99 < GOAL_P99_MS ? 'PASS' : 'FAIL'}; commit → client: ${p99Delivery < GOAL_P99_MS ? 'PASS' : 'FAIL'}`,
      `item events: ${itemProblems.length === 0 ? `every client got every one (${itemLine})` : `MISSING: ${itemProblems.join('; ')}`}`,
      `order: ${unordered === 0 ? 'every client got increasing seqs' : `${String(unordered)} client(s) got a seq out of order`}; ${behind === 0 ? `all reached seq ${String(lastSeq)}` : `${String(behind)} client(s) never reached seq ${String(lastSeq)}`}`,
      `server CPU: ${serverCpu.toFixed(2)} s over ${wall.toFixed(1)} s (${pct(serverCpu, wall)} of a core; peak second ${(Math.max(0, ...perSecond) * 100).toFixed(0)}%)`,
      `server idle baseline: ${pct(idleRate, 1)} of a core; added CPU ${added.toFixed(2)} s = ${pct(added, wall)} of a core, ${((added / Math.max(1, received + sentinelRun.events.length)) * 1e6).toFixed(1)} µs per event delivered (sentinel included)`,
      `server event-loop delay: ${['p50', 'p90', 'p99', 'max'].map((q) => `${q} ${(serverLoop[q] ?? NaN).toFixed(0)}`).join('  ')} ms`,
      `server peak RSS: ${serverRss.toFixed(0)} MiB`,
      `image copies: ${String(copiedByServer)} of ${String(copiedInAll)} by the server's own transfer workers, the rest by the migrate process (the server's CPU above includes them)`,
      `machine CPU over the run: ${budgetLine}`,
      `  ${String(saturated)} of ${String(machinePerSecond.length)} seconds with the ${String(cpus().length)} cores ≥ 95% busy; busy cores per second p50 ${percentile(sortedMachine, 50).toFixed(2)}, p90 ${percentile(sortedMachine, 90).toFixed(2)}`,
      `migrate process (for comparison): CPU user ${String(migrateUser)} s, system ${String(migrateSys)} s = ${pct((migrateUser ?? 0) + (migrateSys ?? 0), migrateWall ?? 1)} of a core; peak RSS ${((rssKiB ?? 0) / 1024).toFixed(0)} MiB`,
      `client process (${String(followers.length)} sockets, this one): CPU ${((ownCpu.user + ownCpu.system) / 1e6).toFixed(2)} s = ${pct((ownCpu.user + ownCpu.system) / 1e6, wall)} of a core; event-loop delay p99 ${loop(loopDelay.percentile(99))}, max ${loop(loopDelay.max)}`,
      `(after the migrate exited, the clients caught up in ${((t1 - tMigrated) / 1000).toFixed(2)} s)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (code !== 0) process.stderr.write(`migrate output (tail):\n${migrateErr.text()}\n`);

    // The bare LISTEN client (notify-clock.ts) of the sentinel's own events: event.at → the
    // notification, the earliest any follower can learn of an event.
    const sentinelVisible = sortNum(
      sentinelLive.map((e) => commitOf(e.seq) - e.at).filter((x) => !Number.isNaN(x)),
    );
    const delivered =
      code === 0 &&
      itemProblems.length === 0 &&
      unordered === 0 &&
      behind === 0 &&
      refused.length === 0;
    const msOf = (v: number): { value: number; unit: string } => ({ value: v, unit: 'ms' });
    const figures: Figure[] = [
      versus(
        'progress.sentinel.at-client.p99',
        'the sentinel: event.at → client, p99',
        msOf(percentile(sentinelTotal, 99)),
        {
          ...msOf(percentile(sentinelVisible, 99)),
          label: 'bare LISTEN client (notify-clock): event.at → notification, p99',
        },
        () => ({
          text: `< ${String(GOAL_P99_MS)} ms`,
          pass: percentile(sentinelTotal, 99) < GOAL_P99_MS,
        }),
      ),
      plain(
        'progress.sentinel.commit-client.p99',
        'the sentinel: commit → client, p99',
        msOf(percentile(sentinelDelivery, 99)),
      ),
      plain(
        'progress.clients.at-client.p99',
        `the ${String(followers.length)} clients: event.at → client, p99`,
        msOf(p99),
      ),
      plain(
        'progress.clients.commit-client.p99',
        `the ${String(followers.length)} clients: commit → client, p99`,
        msOf(p99Delivery),
      ),
      plain('progress.server.cpu', `server CPU over the ${wall.toFixed(0)} s run`, {
        value: serverCpu,
        unit: 's',
      }),
      plain(
        'progress.delivery',
        'clients that got every item event, in seq order, to the last seq',
        { value: followers.length - behind - unordered, unit: 'clients' },
        {
          text: `all ${String(CLIENTS)}, and migrate exited 0`,
          pass: delivered,
        },
      ),
    ];
    await emitSection({
      name: 'progress-lag',
      kind: 'benchmark',
      title: `Live progress to ${String(CLIENTS)} clients during a scale:${String(SCALE)} migration`,
      setup: {
        cloud: `Eucalyptus 2.0 scale:${String(SCALE)}, ${String(IMAGES)} images of ${String(IMAGE_SIZE / MiB)} MiB`,
        clients: `${String(CLIENTS)} in this process, and the sentinel alone in its own`,
        events: `${String(lastSeq)} in the store (${itemLine})`,
        machine: `${String(cpus().length)} cores; load average at the end ${loadavg}`,
      },
      figures,
      notes: [
        "event.at is now() in the appending transaction (its start), so event.at → client also holds the writer's transaction up to its commit; commit → client is the server's part. The bare LISTEN client is the floor for event.at → client: no follower sees an event before its commit is notified.",
        `Server CPU includes the image copies its own transfer workers made (${String(copiedByServer)} of ${String(copiedInAll)}); its idle baseline was ${pct(idleRate, 1)} of a core, so the run added ${added.toFixed(1)} s. Event-loop delay p99 ${(serverLoop.p99 ?? NaN).toFixed(0)} ms, max ${(serverLoop.max ?? NaN).toFixed(0)} ms.`,
        `Machine CPU over the run: ${budgetLine}.`,
        ...(delivered
          ? []
          : [
              `Delivery: ${[
                code === 0 ? '' : `migrate exited ${String(code)}`,
                ...itemProblems,
                unordered > 0 ? `${String(unordered)} client(s) out of seq order` : '',
                behind > 0
                  ? `${String(behind)} client(s) never reached seq ${String(lastSeq)}`
                  : '',
                refused.length > 0 ? `${String(refused.length)} client(s) could not subscribe` : '',
              ]
                .filter((x) => x !== '')
                .join('; ')}.`,
            ]),
        "Earlier rounds (2026-11-25 to 12-04, this file's git history): at the default size on this shared 2-core VM the sentinel's event.at → client p99 was 0.5-5.9 s and the 100 clients' 1.9-11 s, never under 250 ms; what bounded it was CPU (both cores saturated, other engineers' work taking 1.1-1.5 of them), the writer's own transactions (event.at → commit p99 0.3-5.6 s) and stalls of the server's event loop by work that is not progress (its image copies, loading a job). The progress path itself took 2-3% of a core.",
      ],
      verdict: verdictOf(figures),
    });
  } finally {
    for (const f of followers) f.client.disconnect();
    stopGroup(migrate, 'SIGKILL');
    stopGroup(clock, 'SIGKILL');
    stopGroup(sentinel, 'SIGKILL');
    if (server !== undefined && server.exitCode === null && server.signalCode === null) {
      const gone = new Promise((resolve) => server?.once('exit', resolve));
      stopGroup(server);
      await Promise.race([gone, sleep(10_000)]);
      stopGroup(server, 'SIGKILL');
    }
    sim?.kill('SIGTERM');
    await pgServer.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (process.env.BENCH_KEEP === undefined) await rm(work, { recursive: true, force: true });
  }
}

await main();
