// Benchmark of the simulator: DescribeInstances for scale:1000 and streaming a 1 GiB image.
// Run: npx tsx bench/sim.bench.ts   (prints figures; never part of npm test)
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { Agent, request } from 'node:http';
import { promisify } from 'node:util';
import { signQueryV2, signS3V2, startSimulator } from '@euca2nova/euca-sim';

const GiB = 1024 * 1024 * 1024;
const run = promisify(execFile);
const agent = new Agent({ keepAlive: true });

function post(url: string, body: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      },
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
    req.end(body);
  });
}

function get(
  url: string,
  headers: Record<string, string>,
  hash: boolean,
): Promise<{ status: number; bytes: number; sha256?: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent, headers }, (res) => {
      let bytes = 0;
      const h = hash ? createHash('sha256') : undefined;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        h?.update(c);
      });
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, bytes, ...(h ? { sha256: h.digest('hex') } : {}) });
      });
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

const t0 = performance.now();
const sim = await startSimulator({
  port: 0,
  eucaVersion: '3.4',
  scenario: 'scale:1000',
  seed: 'bench',
  imageSize: GiB,
  assemblyMs: 0,
  controllerDb: 'none',
});
const startup = performance.now() - t0;
console.log(
  `startup scale:1000 with 1 GiB machine images (their SHA-256 is cached after the first run): ${(startup / 1000).toFixed(2)} s`,
);
console.log(
  `scenario: ${sim.scenario.users.length} users, ${sim.scenario.instances.length} instances, ${sim.scenario.volumes.length} volumes, ${sim.scenario.securityGroups.length} groups`,
);

const u = new URL(sim.urls.ec2);
const times: number[] = [];
let bytes = 0;
for (let i = 0; i < 7; i++) {
  const params = signQueryV2(
    'POST',
    u.host,
    u.pathname,
    { Action: 'DescribeInstances', Version: '2013-08-15', 'InstanceId.1': 'verbose' },
    sim.admin.accessKey,
    sim.admin.secretKey,
  );
  const s = performance.now();
  const r = await post(sim.urls.ec2, new URLSearchParams(params).toString());
  times.push(performance.now() - s);
  if (r.status !== 200) throw new Error(`DescribeInstances answered ${r.status}`);
  bytes = r.bytes;
}
console.log(
  `DescribeInstances verbose, ${sim.scenario.instances.length} instances (${(bytes / 1e6).toFixed(1)} MB of XML): median ${median(times).toFixed(0)} ms, best ${Math.min(...times).toFixed(0)} ms over ${times.length} runs`,
);

const img = sim.scenario.images.find((i) => i.kind === 'machine');
if (!img) throw new Error('no machine image');
const s3 = new URL(sim.urls.s3);
const path = `${s3.pathname}/${img.bucket}/${img.manifestKey}`;
for (const hash of [false, true]) {
  const date = new Date().toUTCString();
  const headers = { date, EucaOperation: 'GetDecryptedImage' };
  const authorization = signS3V2('GET', path, headers, sim.admin.accessKey, sim.admin.secretKey);
  const s = performance.now();
  const r = await get(`${s3.origin}${path}`, { ...headers, authorization }, hash);
  const secs = (performance.now() - s) / 1000;
  if (r.status !== 200 || r.bytes !== img.size)
    throw new Error(`GetDecryptedImage answered ${r.status} with ${r.bytes} bytes`);
  if (hash && r.sha256 !== img.sha256) throw new Error('SHA-256 mismatch');
  console.log(
    `GetDecryptedImage ${(img.size / GiB).toFixed(0)} GiB over loopback${hash ? ' (client hashing SHA-256, matches the ground truth)' : ''}: ${secs.toFixed(2)} s, ${(img.size / secs / 1e9).toFixed(2)} GB/s`,
  );
}
// The same transfer with the client in another process (curl), so that the figure is the server's alone.
try {
  const date = new Date().toUTCString();
  const headers = { date, EucaOperation: 'GetDecryptedImage' };
  const authorization = signS3V2('GET', path, headers, sim.admin.accessKey, sim.admin.secretKey);
  const { stdout } = await run('curl', [
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code} %{size_download} %{time_total}',
    '-H',
    `date: ${date}`,
    '-H',
    'EucaOperation: GetDecryptedImage',
    '-H',
    `authorization: ${authorization}`,
    `${s3.origin}${path}`,
  ]);
  const [code, size, secs] = stdout.trim().split(' ');
  if (code !== '200' || Number(size) !== img.size) throw new Error(`curl got ${stdout}`);
  console.log(
    `GetDecryptedImage 1 GiB to curl (separate process): ${Number(secs).toFixed(2)} s, ${(img.size / Number(secs) / 1e9).toFixed(2)} GB/s`,
  );
} catch (e) {
  console.log(`curl measurement skipped: ${e instanceof Error ? e.message : String(e)}`);
}
agent.destroy();
await sim.close();
