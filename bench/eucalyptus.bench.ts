// Benchmark of the source reader (packages/eucalyptus) against the simulator.
// Run: npm run bench:eucalyptus -w @euca2nova/bench   (prints figures; never part of npm test)
//
// The simulator runs in a child process so that this process's CPU time and peak RSS are the
// client's alone.
//  1. Discovery of scale:1000 (3.4, controller database) against the simulator's own serving time
//     for the same requests: every request discover() sends is recorded once through a transparent
//     proxy, then replayed byte for byte with a bare Node http client (keep-alive), one at a time
//     and 16 at a time.
//  2. Image throughput of both openImage() paths against bare Node GETs of the bytes each path
//     must transfer: the 'decrypted' path against a bare GET of the same GetDecryptedImage URL; the
//     'bundle' path against bare GETs of its encrypted parts, as many at a time as openImage()
//     fetches them. That second reference is the physical limit of the bundle path (it cannot be
//     faster than moving its own bytes), so its goal ratio is taken against it. The bare
//     GetDecryptedImage copy is printed beside it: it is cheaper for the simulator (one stream, no
//     part files), so the bundle path's ratio to it mixes the client's cost with the server's.
import { readFile } from 'node:fs/promises';
import { Agent, createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signS3V2 } from '@euca2nova/euca-sim';
import { startSimProcess, type SimProcess } from './sim-process.ts';
import { connect, discover, openImage, type SourceConnection } from '@euca2nova/eucalyptus';

const MiB = 1024 * 1024;
const IMAGE_SIZE = 256 * MiB;
const CONCURRENCY = 16;
/** Bundle parts openImage() keeps in flight (PARTS_AHEAD in packages/eucalyptus/src/images.ts). */
const PARTS_AHEAD = 4;
const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const rssMB = (): number => process.resourceUsage().maxRSS / 1024;

// ---- the simulator, in its own process
function startSim(): Promise<SimProcess> {
  return startSimProcess(
    [
      '--euca-version',
      '3.4',
      '--scenario',
      'scale:1000',
      '--seed',
      'bench',
      '--image-size',
      String(IMAGE_SIZE),
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
const t0 = performance.now();
const { child, env } = await startSim();
const port = Number(new URL(env.EC2_URL ?? '').port);
console.log(`simulator (child process) up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
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
  const replayBytes = log.reduce((n, r) => n + r.body.length, 0);
  console.log(
    `scale:1000: ${first.users.length} users, ${first.instances.length} instances, ${first.volumes.length} volumes, ${first.securityGroups.length} groups, ${first.keyPairs.length} key pairs, ${first.findings.length} findings; ${log.length} HTTP requests (${(replayBytes / 1e6).toFixed(2)} MB of request bodies)`,
  );

  // 2. discover() directly, three times.
  conn = await connect(input);
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < 3; i++) {
    const cpu0 = process.cpuUsage();
    const s = performance.now();
    const inv = await discover(conn, { concurrency: CONCURRENCY });
    walls.push(performance.now() - s);
    const cpu = process.cpuUsage(cpu0);
    cpus.push((cpu.user + cpu.system) / 1000);
    if (inv.instances.length !== first.instances.length) throw new Error('inventory differs');
  }
  const rssDiscovery = rssMB();

  // 3. The same requests, replayed bare.
  const seq = median([await replay(port, log, 1), await replay(port, log, 1)]);
  const par = median([
    await replay(port, log, CONCURRENCY),
    await replay(port, log, CONCURRENCY),
    await replay(port, log, CONCURRENCY),
  ]);
  const disc = median(walls);
  console.log(
    `discover(), concurrency ${CONCURRENCY}: median ${disc.toFixed(0)} ms wall (runs ${walls.map((w) => w.toFixed(0)).join(', ')}), client CPU ${median(cpus).toFixed(0)} ms`,
  );
  console.log(
    `bare replay of the same ${log.length} requests: ${seq.toFixed(0)} ms one at a time, ${par.toFixed(0)} ms ${CONCURRENCY} at a time`,
  );
  console.log(
    `client overhead: ${(((disc - seq) / seq) * 100).toFixed(0)}% vs one-at-a-time serving time, ${(((disc - par) / par) * 100).toFixed(0)}% vs ${CONCURRENCY}-at-a-time (goal < 50%)`,
  );
  console.log(`peak RSS after discovery: ${rssDiscovery.toFixed(0)} MB`);

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
  const measure = async (what: string, fn: () => Promise<number>): Promise<number> => {
    await fn(); // warm-up: assembly, bundle built on first use
    const secs: number[] = [];
    const cpus: number[] = [];
    let size = 0;
    for (let i = 0; i < 3; i++) {
      const s = performance.now();
      const cpu0 = process.cpuUsage();
      size = await fn();
      const cpu = process.cpuUsage(cpu0);
      secs.push((performance.now() - s) / 1000);
      cpus.push((cpu.user + cpu.system) / 1000);
    }
    const best = Math.min(...secs);
    const mbps = size / best / 1e6;
    // Client CPU (every thread of this process, zlib's pool included) shows whether a path is
    // bound by its own work or by the server: the simulator shares this machine's cores.
    console.log(
      `${what}: ${(size / MiB).toFixed(0)} MiB, best ${best.toFixed(2)} s of 3, ${mbps.toFixed(0)} MB/s, client CPU ${median(cpus).toFixed(0)} ms`,
    );
    return mbps;
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
  await measure(
    `raw bundle parts, one at a time (bare Node GET of ${partNames.length} encrypted parts)`,
    rawParts(1),
  );
  const rawPartsRate = await measure(
    `raw bundle parts, ${PARTS_AHEAD} at a time (as openImage fetches them)`,
    rawParts(PARTS_AHEAD),
  );
  const rawRate = await measure('raw GetDecryptedImage (bare Node GET)', raw);
  const decRate = await measure('openImage decrypted (GetDecryptedImage)', viaPath('decrypted'));
  const bunRate = await measure('openImage bundle (parts + cloud-pk.pem)', viaPath('bundle'));
  agent.destroy();
  const pct = (a: number, b: number): string => `${((a / b) * 100).toFixed(0)}%`;
  console.log(
    `decrypted path vs a bare copy of the same GetDecryptedImage bytes: ${pct(decRate, rawRate)} (goal >= 90%)`,
  );
  console.log(
    `bundle path vs a bare copy of its own encrypted parts, ${PARTS_AHEAD} at a time: ${pct(bunRate, rawPartsRate)} (goal >= 90%; it must also check SHA-1, decrypt, gunzip and untar)`,
  );
  console.log(
    `bundle path vs a bare copy of the GetDecryptedImage bytes: ${pct(bunRate, rawRate)} (for reference: other bytes, served more cheaply)`,
  );
  console.log(`peak RSS overall: ${rssMB().toFixed(0)} MB`);
} finally {
  conn?.close();
  child.kill('SIGINT');
  await new Promise((r) => child.once('exit', r));
}
