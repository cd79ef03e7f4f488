// Benchmark of the source reader (packages/eucalyptus) against the simulator, each figure against
// a reference measured in the same run. Never part of npm test.
//
//   npm run bench -- --only eucalyptus          under the harness (bench/run.ts)
//   npx tsx bench/eucalyptus.bench.ts           alone: prints the same section
//
// Knobs: BENCH_SCALE (default 1000: the simulator's scenario scale:N), BENCH_IMAGE_MIB (default
// 256: the size of each machine image).
//
// The simulator (Eucalyptus 3.4 with its controller database) runs in a child process so that this
// process's CPU time and peak RSS are the client's alone; it still shares this machine's cores.
//  1. Discovery of scale:N against the simulator's own serving time for the same requests: every
//     request discover() sends is recorded once through a transparent proxy, then replayed byte for
//     byte with a bare Node http client (keep-alive), one at a time and 16 at a time.
//  2. Image throughput of both openImage() paths against bare Node GETs of the bytes each path must
//     transfer: 'decrypted' against a bare GET of the same GetDecryptedImage URL; 'bundle' against
//     bare GETs of its encrypted parts, as many at a time as openImage() fetches them. That second
//     reference is the physical limit of the bundle path: it cannot be faster than moving its own
//     bytes. The bare GetDecryptedImage copy is shown beside it without a goal: it is cheaper for
//     the simulator (one stream, no part files), so that ratio mixes the client's cost with the
//     server's.
//  3. The bundle path against `rclone copy` of the same bundle from the same Walrus (lib/rclone.ts),
//     the general tool an operator would reach for, with as many transfers as openImage() keeps
//     parts in flight.
import { readFile } from 'node:fs/promises';
import { Agent, createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { signS3V2 } from '@euca2nova/euca-sim';
import { connect, discover, openImage, type SourceConnection } from '@euca2nova/eucalyptus';
import {
  emitSection,
  MiB,
  plain,
  verdictOf,
  versus,
  type Figure,
  type Goal,
} from './lib/results.ts';
import { rcloneCopyBundles, rcloneVersion } from './lib/rclone.ts';
import { startSimProcess, type SimProcess } from './sim-process.ts';

/** A positive whole number from the environment, or the default. */
function knob(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer`);
  return n;
}

const SCALE = knob('BENCH_SCALE', 1000);
const IMAGE_MIB = knob('BENCH_IMAGE_MIB', 256);
const CONCURRENCY = 16;
/** Bundle parts openImage() keeps in flight (PARTS_AHEAD in packages/eucalyptus/src/images.ts). */
const PARTS_AHEAD = 4;
const ROUNDS = 3;
const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const rssMiB = (): number => (process.resourceUsage().maxRSS * 1024) / MiB;
const atLeast =
  (min: number, text: string) =>
  (ratio: number): Goal => ({ text, pass: ratio >= min });

// ---- the simulator, in its own process
function startSim(): Promise<SimProcess> {
  return startSimProcess(
    [
      '--euca-version',
      '3.4',
      '--scenario',
      `scale:${String(SCALE)}`,
      '--seed',
      'bench',
      '--image-size',
      String(IMAGE_MIB * MiB),
      '--assembly-ms',
      '0',
    ],
    (env) => env.EUCALYPTUS_DB_URL !== undefined,
  );
}

// ---- recording proxy and bare replay
interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** What the simulator answered when recorded. */
  status?: number;
}

async function recordingProxy(
  target: number,
): Promise<{ url: string; log: Recorded[]; close: () => void }> {
  const log: Recorded[] = [];
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry: Recorded = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body,
      };
      log.push(entry);
      const up = request(
        {
          host: '127.0.0.1',
          port: target,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (r) => {
          entry.status = r.statusCode ?? 502;
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: () => {
      server.close();
      agent.destroy();
    },
  };
}

function send(agent: Agent, port: number, r: Recorded): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: r.method, path: r.path, headers: r.headers, agent },
      (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, bytes });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(r.body);
  });
}

async function replay(port: number, log: Recorded[], parallel: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: parallel });
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < log.length) {
        const r = log[next++];
        if (!r) break;
        const got = await send(agent, port, r);
        if (got.status !== r.status)
          throw new Error(
            `replay of ${r.method} ${r.path} got ${got.status}, recorded ${String(r.status)}`,
          );
      }
    }),
  );
  const ms = performance.now() - start;
  agent.destroy();
  return ms;
}

async function drain(stream: NodeJS.ReadableStream): Promise<number> {
  let bytes = 0;
  for await (const c of stream) bytes += (c as Buffer).length;
  return bytes;
}

function rawGet(url: string, headers: Record<string, string>, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers, agent }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`raw GET answered ${String(res.statusCode)}`));
        return;
      }
      drain(res).then(resolve, reject);
    })
      .on('error', reject)
      .end();
  });
}

// ---- run
const figures: Figure[] = [];
const notes: string[] = [];
const setup: Record<string, string | number> = {
  scenario: `scale:${String(SCALE)} (Eucalyptus 3.4, controller database, seed "bench")`,
  'image size': `${String(IMAGE_MIB)} MiB`,
  'discover() concurrency': CONCURRENCY,
  'bundle parts in flight': PARTS_AHEAD,
};
const t0 = performance.now();
const { child, env } = await startSim();
const port = Number(new URL(env.EC2_URL ?? '').port);
process.stderr.write(
  `simulator (child process) up in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
);
const input = {
  ec2Url: env.EC2_URL ?? '',
  accessKey: env.EC2_ACCESS_KEY ?? '',
  secretKey: env.EC2_SECRET_KEY ?? '',
  controllerDbUrl: env.EUCALYPTUS_DB_URL,
  cloudPkPem: await readFile(env.EUCALYPTUS_CLOUD_PK ?? '', 'utf8'),
};
let conn: SourceConnection | undefined;
try {
  // 1. Record every request of one discovery through the proxy (also a warm-up).
  const proxy = await recordingProxy(port);
  const viaProxy = await connect({
    ...input,
    ec2Url: `${proxy.url}/services/Eucalyptus`,
    s3Url: `${proxy.url}/services/Walrus`,
    euareUrl: `${proxy.url}/services/Euare`,
  });
  const first = await discover(viaProxy, { concurrency: CONCURRENCY });
  viaProxy.close();
  proxy.close();
  const log = [...proxy.log];
  setup.inventory = `${String(first.users.length)} users, ${String(first.instances.length)} instances, ${String(first.volumes.length)} volumes, ${String(first.images.length)} images; ${String(log.length)} HTTP requests`;

  // 2. discover() directly, three times.
  conn = await connect(input);
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const cpu0 = process.cpuUsage();
    const s = performance.now();
    const inv = await discover(conn, { concurrency: CONCURRENCY });
    walls.push(performance.now() - s);
    const cpu = process.cpuUsage(cpu0);
    cpus.push((cpu.user + cpu.system) / 1000);
    if (inv.instances.length !== first.instances.length) throw new Error('inventory differs');
  }
  const rssDiscovery = rssMiB();

  // 3. The same requests, replayed bare.
  const seq = median([await replay(port, log, 1), await replay(port, log, 1)]);
  const par = median([
    await replay(port, log, CONCURRENCY),
    await replay(port, log, CONCURRENCY),
    await replay(port, log, CONCURRENCY),
  ]);
  const disc = median(walls);
  figures.push(
    versus(
      'discovery.vs-serving',
      `discover() of scale:${String(SCALE)}, ${String(CONCURRENCY)} requests in flight (median of ${String(ROUNDS)})`,
      { value: disc, unit: 'ms' },
      {
        value: par,
        unit: 'ms',
        label: `the simulator serving the same ${String(log.length)} requests, ${String(CONCURRENCY)} at a time`,
      },
      (r) => ({ text: 'overhead under 50% (ratio ≤ 1.5)', pass: r <= 1.5 }),
    ),
    versus(
      'discovery.vs-serving-sequential',
      'discover(), against a one-at-a-time replay (for reference, no goal)',
      { value: disc, unit: 'ms' },
      { value: seq, unit: 'ms', label: 'the same requests, one at a time' },
    ),
    plain('discovery.client-cpu', 'client CPU of one discover() (median)', {
      value: median(cpus),
      unit: 'ms',
    }),
    plain('discovery.peak-rss', 'client peak RSS after discovery', {
      value: rssDiscovery,
      unit: 'MiB',
    }),
  );
  notes.push(
    `Discovery's reference is the ${String(CONCURRENCY)}-at-a-time replay: discover() keeps up to ${String(CONCURRENCY)} requests in flight, so that is the same load on the simulator; the one-at-a-time replay is slower than discover() could ever need to be, and measuring against it would flatter the client. The 16-at-a-time replay ignores which request needs another's answer first, so it is a floor discover() cannot quite reach. The replay leaves out discover()'s two controller-database queries (not HTTP).`,
  );

  // 4. Image throughput: the largest machine image.
  const img = [...first.images]
    .filter((i) => i.imageId.startsWith('emi-') && i.imageLocation !== undefined)
    .sort((a, b) => (b.sizeBytes ?? 0) - (a.sizeBytes ?? 0))[0];
  if (!img?.imageLocation) throw new Error('no machine image');
  const location = img.imageLocation;
  const s3 = new URL(env.S3_URL ?? '');
  const path = `${s3.pathname}/${location}`;
  const agent = new Agent({ keepAlive: true });
  const raw = async (): Promise<number> => {
    const headers = { date: new Date().toUTCString(), EucaOperation: 'GetDecryptedImage' };
    const authorization = signS3V2('GET', path, headers, input.accessKey, input.secretKey);
    return rawGet(`${s3.origin}${path}`, { ...headers, authorization }, agent);
  };
  const viaPath = (p: 'decrypted' | 'bundle') => async (): Promise<number> => {
    if (!conn) throw new Error('no connection');
    const { stream } = await openImage(
      conn,
      { imageId: img.imageId, imageLocation: location },
      { path: p },
    );
    return drain(stream);
  };
  interface Timed {
    /** Best wall time of the rounds, seconds. */
    readonly seconds: number;
    /** Bytes the last round moved. */
    readonly bytes: number;
    /** Client CPU (every thread of this process, the bundle worker and zlib's pool included). */
    readonly cpuMs: number;
  }
  const measure = async (fn: () => Promise<number>): Promise<Timed> => {
    await fn(); // warm-up: assembly, bundle built on first use
    const secs: number[] = [];
    const cpus: number[] = [];
    let bytes = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const s = performance.now();
      const cpu0 = process.cpuUsage();
      bytes = await fn();
      const cpu = process.cpuUsage(cpu0);
      secs.push((performance.now() - s) / 1000);
      cpus.push((cpu.user + cpu.system) / 1000);
    }
    return { seconds: Math.min(...secs), bytes, cpuMs: median(cpus) };
  };
  const signedGet = (objectPath: string, extra: Record<string, string> = {}) => {
    const headers = { date: new Date().toUTCString(), ...extra };
    const authorization = signS3V2('GET', objectPath, headers, input.accessKey, input.secretKey);
    return { url: `${s3.origin}${objectPath}`, headers: { ...headers, authorization } };
  };
  // The bundle path reads other objects (the encrypted parts): their bare copy is its fair baseline.
  const bucket = location.slice(0, location.indexOf('/'));
  const manifest = await new Promise<string>((resolve, reject) => {
    const g = signedGet(path);
    request(g.url, { headers: g.headers, agent }, (res) => {
      let t = '';
      res.on('data', (c: Buffer) => (t += c.toString('utf8')));
      res.on('end', () => {
        resolve(t);
      });
    })
      .on('error', reject)
      .end();
  });
  const partNames = [...manifest.matchAll(/<filename>([^<]+)<\/filename>/g)].map((m) => m[1] ?? '');
  const rawParts = (parallel: number) => async (): Promise<number> => {
    let n = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < partNames.length) {
          const name = partNames[next++] ?? '';
          const g = signedGet(`${s3.pathname}/${bucket}/${name}`);
          const got = await rawGet(g.url, g.headers, agent);
          n += got;
        }
      }),
    );
    return n;
  };
  const rawPartsT = await measure(rawParts(PARTS_AHEAD));
  const rawT = await measure(raw);
  const decT = await measure(viaPath('decrypted'));
  const bunT = await measure(viaPath('bundle'));
  agent.destroy();
  // Every throughput below is in image MiB/s: the decrypted image's size over the time, so that a
  // ratio of two of them is the inverse ratio of their times, whatever bytes each moved.
  const imageBytes = bunT.bytes;
  if (decT.bytes !== imageBytes || rawT.bytes !== imageBytes)
    throw new Error('the two paths read images of different sizes');
  const rate = (t: { seconds: number }): number => imageBytes / MiB / t.seconds;
  const mibps = (t: { seconds: number }) => ({ value: rate(t), unit: 'MiB/s' });
  figures.push(
    versus(
      'images.decrypted.vs-raw',
      "openImage() 'decrypted' (GetDecryptedImage)",
      mibps(decT),
      { ...mibps(rawT), label: 'a bare GET of the same GetDecryptedImage URL' },
      atLeast(0.9, '≥ 0.9 of the raw copy'),
    ),
    versus(
      'images.bundle.vs-raw-parts',
      "openImage() 'bundle' (parts fetched, SHA-1 checked, decrypted, gunzipped, untarred)",
      mibps(bunT),
      {
        ...mibps(rawPartsT),
        label: `bare GETs of its ${String(partNames.length)} encrypted parts, ${String(PARTS_AHEAD)} at a time`,
      },
      atLeast(0.9, '≥ 0.9 of the raw copy'),
    ),
    versus(
      'images.bundle.vs-raw-decrypted',
      "openImage() 'bundle', against a bare GetDecryptedImage (for reference, no goal)",
      mibps(bunT),
      {
        ...mibps(rawT),
        label: 'a bare GET of GetDecryptedImage: other bytes, served more cheaply',
      },
    ),
  );

  // 5. The peer: rclone copy of the same bundle (manifest and parts).
  const rcloneGoal = 'ahead of rclone (ratio > 1)';
  let rcloneReady: string | undefined;
  try {
    rcloneReady = await rcloneVersion();
  } catch (e) {
    const hint = e instanceof Error ? e.message : String(e);
    figures.push(
      plain('images.bundle.vs-rclone', "openImage() 'bundle' against rclone copy", mibps(bunT), {
        text: `${rcloneGoal}: not measured, ${hint}`,
        pass: false,
      }),
    );
    notes.push(`rclone figure not measured: ${hint}.`);
  }
  if (rcloneReady !== undefined) {
    const source = {
      s3Url: env.S3_URL ?? '',
      accessKey: input.accessKey,
      secretKey: input.secretKey,
    };
    let copied = 0;
    const rcloneT = await measure(async () => {
      const r = await rcloneCopyBundles(source, [location], {
        transfers: PARTS_AHEAD,
        scratch: tmpdir(),
      });
      copied = r.files;
      return r.bytes;
    });
    if (copied !== partNames.length + 1)
      throw new Error(
        `rclone copied ${String(copied)} files, not the manifest and ${String(partNames.length)} parts`,
      );
    figures.push(
      versus(
        'images.bundle.vs-rclone',
        "openImage() 'bundle', against rclone copy of the same bundle",
        mibps(bunT),
        {
          ...mibps(rcloneT),
          label: `${rcloneReady}, copy of the manifest and parts, --transfers ${String(PARTS_AHEAD)}, spawn to exit`,
        },
        (r) => ({ text: rcloneGoal, pass: r > 1 }),
      ),
    );
    notes.push(
      `rclone only moves the encrypted parts to disk as they are stored (${(rcloneT.bytes / MiB).toFixed(1)} MiB for a ${(imageBytes / MiB).toFixed(0)} MiB image); openImage() also checks each part's SHA-1, decrypts, gunzips and untars them into the image itself.`,
    );
  }
  figures.push(
    plain('images.decrypted.client-cpu', "client CPU of one 'decrypted' read (median)", {
      value: decT.cpuMs,
      unit: 'ms',
    }),
    plain('images.bundle.client-cpu', "client CPU of one 'bundle' read (median)", {
      value: bunT.cpuMs,
      unit: 'ms',
    }),
    plain('peak-rss', 'client peak RSS overall', { value: rssMiB(), unit: 'MiB' }),
  );
  notes.push(
    `Image throughputs are image MiB/s (the ${(imageBytes / MiB).toFixed(0)} MiB decrypted image over the best of ${String(ROUNDS)} timed rounds after a warm-up), so each ratio is the inverse ratio of the two times; the encrypted parts are ${(rawPartsT.bytes / MiB).toFixed(1)} MiB. The simulator shares this machine's cores with the client: client CPU includes the bundle worker and zlib's threads.`,
  );
} finally {
  conn?.close();
  child.kill('SIGINT');
  await new Promise((r) => child.once('exit', r));
}

await emitSection({
  name: 'eucalyptus',
  kind: 'benchmark',
  title: 'Source reader (packages/eucalyptus) against the simulator',
  setup,
  figures,
  notes,
  verdict: verdictOf(figures),
});
