// The hostile-input drill (issue 9): malformed and malicious answers from "Eucalyptus" and
// malicious uploads to the server, each a named case with the error it must be refused with, and
// after each one: Nova's tables (row counts) and its image store exactly as before.
//
// Source answers come from a hostile HTTP server of this drill's own: a proxy in front of a real
// simulator that rewrites one answer per case. Each source case runs the real `euca2nova migrate
// --yes` in a child process through that proxy, so what is refused is what an operator would see.
// Uploads go over real HTTP to the server's API (buildApp + listen, in this process so that a
// prototype pollution would be seen on this process's Object.prototype).
//
//   npm run drill:hostile -w @euca2nova/bench
//   knobs: DRILL_SLOW_LORIS_MS (the source timeout given to the slow-loris case, default 5000),
//   DRILL_CASE_DEADLINE_MS (a case still running after this is killed and fails, default 300000),
//   DRILL_ONLY (cases whose name contains one of these comma-separated words), DRILL_VERBOSE
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startSimulator, type RunningSimulator } from '@euca2nova/euca-sim';
import { initNovaSchema } from '@euca2nova/nova';
import { ensureDatabase, startEmbeddedPostgres } from '@euca2nova/state';
import { buildApp } from '../../apps/server/src/app.ts';
import { loadConfig } from '../../apps/server/src/config.ts';
import { SELECTION_BODY_LIMIT } from '../../apps/server/src/routes/limits.ts';
import { startRuntime } from '../../apps/server/src/runtime.ts';
import { emitSection, plain, verdictOf, type Figure } from '../lib/results.ts';
import { writeZip } from './zip.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const CLI = join(root, 'apps/cli/bin/euca2nova.js');
const MiB = 1024 * 1024;
const SLOW_LORIS_MS = Number(process.env.DRILL_SLOW_LORIS_MS ?? 5000);
/** No case may take longer than this; a case that does is a hang, which is itself a failure. */
// A body cut mid-way looks like a flaky network, so it is retried (bounded: about 140 s here)
// before the job gives up; the deadline leaves room for that.
const CASE_DEADLINE_MS = Number(process.env.DRILL_CASE_DEADLINE_MS ?? 300_000);

// ---------------------------------------------------------------------------------------------
// The hostile server: a proxy to the simulator that poisons one answer.

interface Upstream {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

interface ProxyRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** The EC2/Euare query action, when it is one. */
  action: string | undefined;
  /** Walrus: bucket/key, and whether it asks GetDecryptedImage. */
  s3?: { bucket: string; key: string; decrypted: boolean };
  upstream(): Promise<Upstream>;
}

/** What a poisoned answer is: a rewritten body, or a writer that answers on its own. */
type Answer =
  | { status?: number; headers?: Record<string, string>; body: Buffer | string }
  | ((res: ServerResponse) => void | Promise<void>);
type Poison = (req: ProxyRequest) => Promise<Answer | undefined>;

let poison: Poison | undefined;
/** Answers the current poison replaced: a case whose poison never applied proves nothing. */
let poisonHits = 0;

function fetchUpstream(target: URL, req: ProxyRequest): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers };
    delete headers['content-length'];
    const r = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.path,
        headers: { ...headers, 'content-length': String(req.body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h[k] = v;
          resolve({ status: res.statusCode ?? 502, headers: h, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

async function startHostile(target: URL): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      const url = new URL(path, 'http://x');
      const action =
        url.searchParams.get('Action') ??
        new URLSearchParams(body.toString('utf8')).get('Action') ??
        undefined;
      const s3m = /^\/services\/Walrus\/([^/?]+)\/([^?]+)/.exec(path);
      const pr: ProxyRequest = {
        method: req.method ?? 'GET',
        path,
        headers: req.headers,
        body,
        action,
        ...(s3m
          ? {
              s3: {
                bucket: decodeURIComponent(s3m[1] ?? ''),
                key: decodeURIComponent(s3m[2] ?? ''),
                decrypted: /GetDecryptedImage/i.test(String(req.headers.eucaoperation ?? '')),
              },
            }
          : {}),
        upstream: () => fetchUpstream(target, pr),
      };
      void (async () => {
        try {
          const answer = poison ? await poison(pr) : undefined;
          if (answer !== undefined) poisonHits++;
          if (typeof answer === 'function') {
            await answer(res);
            return;
          }
          const a = answer ?? (await pr.upstream());
          const headers = { ...('headers' in a && a.headers ? a.headers : {}) };
          delete headers['content-length'];
          delete headers['transfer-encoding'];
          delete headers.connection;
          const buf = Buffer.isBuffer(a.body) ? a.body : Buffer.from(a.body, 'utf8');
          res.writeHead(a.status ?? 200, { ...headers, 'content-length': String(buf.length) });
          res.end(buf);
        } catch {
          res.destroy();
        }
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${String(port)}` };
}

/** Poison the answer to one EC2 action by rewriting its XML. */
const onAction =
  (action: string, rewrite: (xml: string) => Answer | undefined): Poison =>
  async (req) =>
    req.action === action ? rewrite((await req.upstream()).body.toString('utf8')) : undefined;

/** Poison one Walrus object (a manifest, a part, a GetDecryptedImage). */
const onObject =
  (
    match: (s3: NonNullable<ProxyRequest['s3']>) => boolean,
    rewrite: (up: Upstream) => Answer,
  ): Poison =>
  async (req) =>
    req.s3 && match(req.s3) ? rewrite(await req.upstream()) : undefined;

const xmlAnswer = (body: string): Answer => ({
  status: 200,
  headers: { 'content-type': 'text/xml' },
  body,
});

/**
 * The answer with the text of the first `<tag>…</tag>` after `after` replaced; undefined (the
 * answer passes unpoisoned) when this answer does not hold `after` (2.0 lists volumes per user).
 */
function replaceTag(xml: string, tag: string, value: string, after: string): Answer | undefined {
  const at = xml.indexOf(`>${after}<`);
  if (at < 0) return undefined;
  // From the element holding `after`, so that element itself may be the one replaced.
  const start = xml.lastIndexOf('<', at);
  const re = new RegExp(`<${tag}>[^<]*</${tag}>`, 'g');
  re.lastIndex = start;
  const m = re.exec(xml);
  if (!m) return undefined;
  return xmlAnswer(
    `${xml.slice(0, m.index)}<${tag}>${value}</${tag}>${xml.slice(m.index + m[0].length)}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Nova, before and after.

interface NovaSnapshot {
  rows: Record<string, number>;
  files: string[];
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = `${prefix}${e.name}`;
    if (e.isDirectory()) out.push(`${rel}/`, ...(await listFiles(join(dir, e.name), `${rel}/`)));
    else out.push(`${rel} ${String((await stat(join(dir, e.name))).size)}`);
  }
  return out.sort();
}

async function snapshotNova(novaUrl: string, imagesPath: string): Promise<NovaSnapshot> {
  const client = new pg.Client({ connectionString: novaUrl });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    );
    const rows: Record<string, number> = {};
    for (const { table_name: t } of tables.rows) {
      const r = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM "${t.replace(/"/g, '""')}"`,
      );
      rows[t] = Number(r.rows[0]?.n ?? 0);
    }
    return { rows, files: await listFiles(imagesPath) };
  } finally {
    await client.end();
  }
}

/**
 * A failed copy's resumable staging folder (`.<image>.partial/`, no info.json): not an image
 * Nova lists, but debris the drill reports on its own line.
 */
const isStaging = (entry: string): boolean => /^\.[^/]+\.partial\//.test(entry);

function differences(a: NovaSnapshot, b: NovaSnapshot): string[] {
  const out: string[] = [];
  for (const t of new Set([...Object.keys(a.rows), ...Object.keys(b.rows)]))
    if (a.rows[t] !== b.rows[t])
      out.push(`${t}: ${String(a.rows[t] ?? 0)} -> ${String(b.rows[t] ?? 0)} rows`);
  const fa = new Set(a.files);
  const fb = new Set(b.files);
  for (const f of fb) if (!fa.has(f) && !isStaging(f)) out.push(`image store: + ${f}`);
  for (const f of fa) if (!fb.has(f) && !isStaging(f)) out.push(`image store: - ${f}`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The CLI, as an operator runs it.

interface CliRun {
  code: number | null;
  output: string;
  /** Killed at the case deadline: a hang, never a refusal. */
  hung: boolean;
}

function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let hung = false;
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    const timer = setTimeout(() => {
      output += `\n[drill] killed after ${String(CASE_DEADLINE_MS / 1000)} s: it hung\n`;
      hung = true;
      child.kill('SIGKILL');
    }, CASE_DEADLINE_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, hung });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Cases.

interface Outcome {
  refused: boolean;
  /** What the operator sees (the command's output, the API's answer, the report's item errors). */
  message: string;
  /** Anything the case itself found wrong beyond the message (a pollution, an executed command). */
  extra?: string;
}

interface Case {
  readonly name: string;
  readonly source: 'eucalyptus' | 'upload';
  /** The specific error the operator must be shown. */
  readonly expect: RegExp;
  run(): Promise<Outcome>;
}

interface Result {
  name: string;
  source: Case['source'];
  refused: boolean;
  specific: boolean;
  message: string;
  novaTouched: string[];
  ms: number;
  extra?: string;
}

function shorten(message: string, expect: RegExp): string {
  const lines = message.split('\n').filter((l) => l.trim() !== '');
  const hit = lines.find((l) => expect.test(l)) ?? lines.at(-1) ?? '';
  // eslint-disable-next-line no-control-regex -- control characters must not reach the terminal
  const clean = hit.trim().replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 150 ? `${clean.slice(0, 147)}…` : clean;
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'drill-hostile-'));
  // As root, the embedded PostgreSQL runs as "postgres", which must be able to enter this folder.
  await chmod(work, 0o755);
  const imagesPath = join(work, 'images');
  await mkdir(imagesPath);
  const pgServer = await startEmbeddedPostgres({ dataDir: join(work, 'pg') });
  let sim: RunningSimulator | undefined;
  let hostile: Server | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  try {
    for (const db of ['state', 'nova', 'server']) await ensureDatabase(pgServer.adminUrl, db);
    const stateUrl = pgServer.urlFor('state');
    const novaUrl = pgServer.urlFor('nova');
    await initNovaSchema(novaUrl);

    sim = await startSimulator({
      port: 0,
      eucaVersion: '2.0',
      scenario: 'demo',
      seed: 'hostile',
      imageSize: 256 * 1024,
      // Several parts per image, so a poisoned part is one among good ones.
      partSize: 64 * 1024,
      assemblyMs: 0,
      prebuildBundles: true,
      networkMode: 'MANAGED-NOVLAN',
      controllerDb: 'none',
      dir: join(work, 'sim'),
    });
    const simOrigin = new URL(sim.urls.ec2).origin;
    const started = await startHostile(new URL(simOrigin));
    hostile = started.server;
    const origin = started.origin;
    // The admin's eucarc, pointing at the hostile server instead of the simulator.
    const eucarc = join(work, 'eucarc');
    await writeFile(
      eucarc,
      (await readFile(sim.files.eucarc, 'utf8')).split(simOrigin).join(origin),
      { mode: 0o600 },
    );
    const scenario = sim.scenario;
    const kernel = scenario.images.find((i) => i.id.startsWith('eki-'));
    const instance = scenario.instances[0];
    const volume = scenario.volumes[0];
    if (!kernel || !instance || !volume) throw new Error('the demo scenario lacks an item kind');
    const bundle = await sim.bundle(kernel.id);
    const partKeys = new Set(bundle.parts.map((p) => p.key));
    const isKernelManifest = (s3: NonNullable<ProxyRequest['s3']>): boolean =>
      `${s3.bucket}/${s3.key}` === kernel.location && !s3.decrypted;
    const isKernelPart = (s3: NonNullable<ProxyRequest['s3']>): boolean =>
      s3.bucket === kernel.bucket && partKeys.has(s3.key);
    const isKernelDecrypted = (s3: NonNullable<ProxyRequest['s3']>): boolean =>
      `${s3.bucket}/${s3.key}` === kernel.location && s3.decrypted;

    const base = [
      '--eucarc',
      eucarc,
      '--euca-conf',
      sim.files.eucalyptusConf,
      '--nova-db',
      novaUrl,
      '--images-path',
      imagesPath,
      '--state-db',
      stateUrl,
      '--data-dir',
      join(work, 'data'),
      '--report-dir',
      join(work, 'reports'),
      '--yes',
    ];
    /** The whole cloud; the poisoned answer comes during discovery. */
    const migrateAll = (env: Record<string, string> = {}): Promise<CliRun> =>
      runCli(['migrate', ...base], env);

    // The images are copied by a migration of one kernel whose owner is already in Nova (the
    // baseline below), so a refused image leaves Nova exactly as it was.
    const reportErrors = async (): Promise<string> => {
      const dir = join(work, 'reports');
      const files = (await readdir(dir).catch(() => [] as string[])).filter((f) =>
        f.endsWith('.json'),
      );
      const texts: string[] = [];
      for (const f of files) {
        const report = JSON.parse(await readFile(join(dir, f), 'utf8')) as {
          items?: { error?: { message?: string } }[];
        };
        JSON.stringify(report, (k, v: unknown) => {
          if (k === 'error' && typeof v === 'object' && v !== null) {
            const m = (v as { message?: unknown }).message;
            if (typeof m === 'string') texts.push(m);
          }
          return v;
        });
      }
      await rm(dir, { recursive: true, force: true });
      return texts.join('\n');
    };
    const migrateKernel = async (
      path: 'decrypted' | 'bundle',
      env: Record<string, string> = {},
    ): Promise<Outcome> => {
      const run = await runCli(
        [
          'migrate',
          ...base,
          '--items',
          `images:${kernel.id}`,
          '--image-read-path',
          path,
          ...(path === 'bundle' ? ['--cloud-pk', sim?.files.cloudPk ?? ''] : []),
        ],
        env,
      );
      return {
        refused: run.code !== 0 && !run.hung,
        message: `${run.output}\n${await reportErrors()}`,
      };
    };
    const cli = async (run: Promise<CliRun>): Promise<Outcome> => {
      const r = await run;
      return { refused: r.code !== 0 && !r.hung, message: r.output };
    };

    const sourceCases: Case[] = [
      {
        name: 'billion laughs in DescribeInstances',
        source: 'eucalyptus',
        expect: /declares a DOCTYPE/,
        run: () => {
          poison = onAction('DescribeInstances', () =>
            xmlAnswer(
              `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${String(i + 1)} "${`&lol${i === 0 ? '' : String(i)};`.repeat(10)}">`).join('')}]><DescribeInstancesResponse><reservationSet><item><reservationId>&lol9;</reservationId></item></reservationSet></DescribeInstancesResponse>`,
            ),
          );
          return cli(migrateAll());
        },
      },
      {
        name: 'XXE (file:///etc/passwd) in DescribeImages',
        source: 'eucalyptus',
        expect: /declares a DOCTYPE/,
        run: () => {
          poison = onAction('DescribeImages', (xml) =>
            xmlAnswer(
              xml
                .replace(
                  /<DescribeImagesResponse/,
                  '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><DescribeImagesResponse',
                )
                .replace(/<description>[^<]*<\/description>/, '<description>&xxe;</description>'),
            ),
          );
          return cli(migrateAll());
        },
      },
      {
        name: 'gigantic DescribeInstances (streamed, no length)',
        source: 'eucalyptus',
        expect: /larger than \d+ bytes and was refused/,
        run: () => {
          poison = async (req) =>
            req.action === 'DescribeInstances'
              ? async (res) => {
                  res.writeHead(200, { 'content-type': 'text/xml' });
                  res.write('<DescribeInstancesResponse><reservationSet>');
                  const block = Buffer.from(
                    '<item><reservationId>r-0</reservationId></item>'.repeat(20_000),
                  );
                  // Hundreds of MiB if the reader never stops; it must stop at its cap.
                  for (let sent = 0; sent < 512 * MiB && !res.destroyed; sent += block.length)
                    if (!res.write(block))
                      await new Promise((r) => {
                        res.once('drain', r);
                        res.once('close', r);
                      });
                  res.end();
                }
              : undefined;
          return cli(migrateAll());
        },
      },
      {
        name: 'gigantic DescribeImages (announced 600 MiB)',
        source: 'eucalyptus',
        expect: /announces \d+ bytes, more than the \d+ accepted/,
        run: () => {
          poison = async (req) =>
            req.action === 'DescribeImages'
              ? (res) => {
                  res.writeHead(200, {
                    'content-type': 'text/xml',
                    'content-length': String(600 * MiB),
                  });
                  res.write('<DescribeImagesResponse>');
                  // Never sends the rest: the announcement alone must be enough to refuse it.
                  setTimeout(() => res.destroy(), 30_000).unref();
                }
              : undefined;
          return cli(migrateAll());
        },
      },
      {
        name: 'deeply nested XML (200,000 levels) in DescribeVolumes',
        source: 'eucalyptus',
        expect: /not the XML a Eucalyptus cloud sends|not well-formed XML|nested too deeply/,
        run: () => {
          poison = onAction('DescribeVolumes', () =>
            xmlAnswer(
              `<DescribeVolumesResponse><volumeSet>${'<item>'.repeat(200_000)}${'</item>'.repeat(200_000)}</volumeSet></DescribeVolumesResponse>`,
            ),
          );
          return cli(migrateAll());
        },
      },
      {
        name: 'HTML error page instead of XML (DescribeRegions)',
        source: 'eucalyptus',
        expect: /does not answer like a Eucalyptus EC2 service/,
        run: () => {
          poison = async (req) =>
            req.action === 'DescribeRegions'
              ? {
                  status: 200,
                  headers: { 'content-type': 'text/html' },
                  body: '<!-- proxy --><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>nginx</p></body></html>',
                }
              : undefined;
          return cli(migrateAll());
        },
      },
      {
        name: 'binary junk instead of DescribeInstances',
        source: 'eucalyptus',
        expect: /DescribeInstances was answered with (something that is not XML|<[^>]*>) instead/,
        run: () => {
          poison = async (req) =>
            req.action === 'DescribeInstances'
              ? {
                  status: 200,
                  headers: { 'content-type': 'text/xml' },
                  body: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)),
                }
              : undefined;
          return cli(migrateAll());
        },
      },
      {
        name: 'truncated DescribeInstances XML',
        source: 'eucalyptus',
        expect: /not the XML a Eucalyptus cloud sends|not well-formed XML/,
        run: () => {
          poison = onAction('DescribeInstances', (xml) => xmlAnswer(xml.slice(0, xml.length / 2)));
          return cli(migrateAll());
        },
      },
      {
        name: 'HTTP 200 carrying an EC2 error body (DescribeInstances)',
        source: 'eucalyptus',
        expect:
          /DescribeInstances was answered with <Response> instead of <DescribeInstancesResponse>/,
        run: () => {
          poison = onAction('DescribeInstances', () =>
            xmlAnswer(
              '<?xml version="1.0"?><Response><Errors><Error><Code>InternalError</Code><Message>java.lang.NullPointerException</Message></Error></Errors><RequestID>1</RequestID></Response>',
            ),
          );
          return cli(migrateAll());
        },
      },
      {
        name: 'volume size "abc"',
        source: 'eucalyptus',
        expect: /volume "vol-[^"]+" reported by the cloud is malformed/,
        run: () => {
          poison = onAction('DescribeVolumes', (xml) => replaceTag(xml, 'size', 'abc', volume.id));
          return cli(migrateAll());
        },
      },
      {
        name: 'volume size negative',
        source: 'eucalyptus',
        expect: /volume "vol-[^"]+" reported by the cloud is malformed/,
        run: () => {
          poison = onAction('DescribeVolumes', (xml) => replaceTag(xml, 'size', '-40', volume.id));
          return cli(migrateAll());
        },
      },
      {
        name: 'instance launch time that is not a date',
        source: 'eucalyptus',
        // The SDK reads the date and refuses the whole answer: stricter than one item's finding.
        expect: /DescribeInstances .*the answer is not the XML a Eucalyptus cloud sends/,
        run: () => {
          poison = onAction('DescribeInstances', (xml) =>
            replaceTag(xml, 'launchTime', 'the day before yesterday', instance.id),
          );
          return cli(migrateAll());
        },
      },
      {
        name: 'image id ../../etc/passwd',
        source: 'eucalyptus',
        expect: /image "\.\.\/\.\.\/etc\/passwd" reported by the cloud is malformed/,
        run: () => {
          poison = onAction('DescribeImages', (xml) =>
            replaceTag(xml, 'imageId', '../../etc/passwd', kernel.id),
          );
          return cli(migrateAll());
        },
      },
      {
        name: 'manifest location with ..',
        source: 'eucalyptus',
        expect: /is not bucket\/key|reported by the cloud is malformed/,
        run: () => {
          poison = onAction('DescribeImages', (xml) =>
            replaceTag(xml, 'imageLocation', `${kernel.bucket}/../../etc/passwd`, kernel.id),
          );
          return cli(migrateAll());
        },
      },
      {
        name: 'bucket name with / (absolute location)',
        source: 'eucalyptus',
        expect: /is not bucket\/key|reported by the cloud is malformed/,
        run: () => {
          poison = onAction('DescribeImages', (xml) =>
            replaceTag(xml, 'imageLocation', '/etc/passwd', kernel.id),
          );
          return cli(migrateAll());
        },
      },
      {
        name: 'instance id with control characters and NUL',
        source: 'eucalyptus',
        expect: /instance "i-\?\?[^"]*" reported by the cloud is malformed/,
        run: () => {
          poison = onAction('DescribeInstances', (xml) =>
            replaceTag(xml, 'instanceId', 'i-\u001b\u0007&#0;1234', instance.id),
          );
          return cli(migrateAll());
        },
      },
      {
        name: 'absurdly long volume id (100,000 characters)',
        source: 'eucalyptus',
        expect: /volume "vol-A{20,}[^"]*" reported by the cloud is malformed/,
        run: () => {
          poison = onAction('DescribeVolumes', (xml) =>
            replaceTag(xml, 'volumeId', `vol-${'A'.repeat(100_000)}`, volume.id),
          );
          return cli(migrateAll());
        },
      },
      {
        name: 'duplicate instance ids',
        source: 'eucalyptus',
        expect: /duplicate|twice|more than once/i,
        run: () => {
          const other = scenario.instances[1];
          if (!other) throw new Error('the demo scenario has one instance');
          poison = onAction('DescribeInstances', (xml) =>
            replaceTag(xml, 'instanceId', instance.id, other.id),
          );
          return cli(migrateAll());
        },
      },
      {
        name: 'slow-loris DescribeInstances (one byte every 2 s, never ends)',
        source: 'eucalyptus',
        expect: /did not finish within \d+ s|timed out|too slow/i,
        run: () => {
          poison = async (req) =>
            req.action === 'DescribeInstances'
              ? async (res) => {
                  res.writeHead(200, { 'content-type': 'text/xml' });
                  for (let i = 0; i < 10_000 && !res.destroyed; i++) {
                    res.write(' ');
                    await new Promise((r) => setTimeout(r, 2000));
                  }
                  res.end();
                }
              : undefined;
          return cli(migrateAll({ EUCA2NOVA_SOURCE_RESPONSE_TIMEOUT_MS: String(SLOW_LORIS_MS) }));
        },
      },
      {
        name: 'redirect to another host (DescribeInstances)',
        source: 'eucalyptus',
        expect: /answered with a redirect \(HTTP 307 to http:\/\/169\.254\.169\.254/,
        run: () => {
          poison = async (req) =>
            req.action === 'DescribeInstances'
              ? {
                  status: 307,
                  headers: { location: 'http://169.254.169.254/latest/meta-data/' },
                  body: '',
                }
              : undefined;
          return cli(migrateAll());
        },
      },
      // Image bytes: a migration of one kernel, its owner already in Nova (the baseline).
      {
        name: 'manifest tampered after signing (a part digest rewritten)',
        source: 'eucalyptus',
        expect: /digest|SHA-?1/i,
        run: () => {
          poison = onObject(isKernelManifest, (up) => {
            const xml = up.body.toString('utf8');
            const parts = xml.indexOf('<parts');
            return xmlAnswer(
              xml.slice(0, parts) +
                xml.slice(parts).replace(/(<digest[^>]*>)[0-9a-fA-F]{40}/, `$1${'0'.repeat(40)}`),
            );
          });
          return migrateKernel('bundle');
        },
      },
      {
        name: 'bundle part whose bytes do not match its digest',
        source: 'eucalyptus',
        expect: /digest|SHA-?1/i,
        run: () => {
          poison = onObject(isKernelPart, (up) => {
            const body = Buffer.from(up.body);
            if (body.length > 0) body[body.length >> 1] = (body[body.length >> 1] ?? 0) ^ 0xff;
            return { status: up.status, headers: up.headers, body };
          });
          return migrateKernel('bundle');
        },
      },
      {
        name: 'truncated bundle part (every attempt)',
        source: 'eucalyptus',
        expect: /ended early|digest|truncat|ECONNRESET|short/i,
        run: () => {
          const first = bundle.parts[0]?.key;
          poison = onObject(
            (s3) => isKernelPart(s3) && s3.key === first,
            (up) => ({ status: up.status, headers: up.headers, body: up.body.subarray(0, 1000) }),
          );
          return migrateKernel('bundle');
        },
      },
      {
        name: 'manifest claiming a huge image size',
        source: 'eucalyptus',
        // Refused before a byte moves: the plan checks the image store's free space.
        expect: /target\.images-space: .* need [\d.]+ GiB/,
        run: () => {
          poison = onObject(isKernelManifest, (up) =>
            xmlAnswer(
              up.body
                .toString('utf8')
                .replace(/<size>\d+<\/size>/, `<size>${String(2 ** 50)}</size>`),
            ),
          );
          return migrateKernel('bundle');
        },
      },
      {
        name: 'GetDecryptedImage sends fewer bytes than announced',
        source: 'eucalyptus',
        expect:
          /broke off \d+ time\(s\) in a row|connection was cut before the answer was complete/,
        run: () => {
          poison = async (req) =>
            req.s3 && isKernelDecrypted(req.s3)
              ? async (res) => {
                  const up = await req.upstream();
                  res.writeHead(200, {
                    ...up.headers,
                    'content-length': String(up.body.length),
                  });
                  res.write(up.body.subarray(0, up.body.length >> 1));
                  res.destroy();
                }
              : undefined;
          return migrateKernel('decrypted');
        },
      },
      {
        name: 'GetDecryptedImage sends more bytes than the manifest size',
        source: 'eucalyptus',
        expect: /more|bytes|size/i,
        run: () => {
          poison = onObject(isKernelDecrypted, (up) => ({
            status: up.status,
            headers: { 'content-type': up.headers['content-type'] ?? 'application/octet-stream' },
            body: Buffer.concat([up.body, Buffer.alloc(64 * 1024, 0x41)]),
          }));
          return migrateKernel('decrypted');
        },
      },
    ];

    // ---- uploads to the server's API
    const serverData = join(work, 'server-data');
    await mkdir(serverData, { recursive: true });
    const runtime = await startRuntime(
      loadConfig({
        DATABASE_URL: pgServer.urlFor('server'),
        EUCA2NOVA_DEMO: 'off',
        EUCA2NOVA_DATA_DIR: serverData,
      }),
      () => undefined,
    );
    const app = await buildApp({ config: { logLevel: 'silent' }, runtime });
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(async () => {
      await app.close();
      await runtime.stop();
    });
    const api = `http://127.0.0.1:${String((app.server.address() as AddressInfo).port)}`;
    const setup = await fetch(`${api}/api/session/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'hostile drill operator password' }),
    });
    if (setup.status !== 200) throw new Error(`sign-in answered ${String(setup.status)}`);
    const cookie = (setup.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const { csrfToken } = (await setup.json()) as { csrfToken: string };
    const post = async (path: string, body: string): Promise<Outcome> => {
      const res = await fetch(`${api}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
        body,
      });
      const text = await res.text();
      return {
        refused: res.status >= 400 && res.status < 500,
        message: `${String(res.status)} ${text}`,
      };
    };
    const upload = (files: Record<string, string>): Promise<Outcome> =>
      post('/api/connections/eucalyptus', JSON.stringify({ files }));
    const goodEucarc = await readFile(sim.files.eucarc, 'utf8');
    const marker = join(work, 'pwned');

    const uploadCases: Case[] = [
      {
        name: 'oversized eucarc (3 MiB)',
        source: 'upload',
        expect: /^413 .*too large/i,
        run: () => upload({ eucarc: `${goodEucarc}\n# ${'x'.repeat(3 * MiB)}\n` }),
      },
      {
        name: 'binary-junk eucarc',
        source: 'upload',
        expect: /^4\d\d .*eucarc/i,
        run: () =>
          upload({
            eucarc: Buffer.from(
              Array.from({ length: 2048 }, (_, i) => (i * 31 + 7) % 256),
            ).toString('latin1'),
          }),
      },
      {
        name: 'eucarc with $(…) and backticks (must stay data)',
        source: 'upload',
        expect: /^4\d\d .*(substitution|not a URL|cannot|eucarc)/i,
        run: async () => {
          const evil = goodEucarc
            .replace(
              /^export EC2_URL=.*$/m,
              `export EC2_URL=http://$(touch ${marker}-1)/services/Eucalyptus`,
            )
            .replace(/^export EC2_SECRET_KEY=.*$/m, `export EC2_SECRET_KEY=\`touch ${marker}-2\``);
          const outcome = await upload({ eucarc: evil });
          const ran = await Promise.all(
            ['-1', '-2'].map((s) =>
              stat(`${marker}${s}`).then(
                () => true,
                () => false,
              ),
            ),
          );
          return ran.some(Boolean) ? { ...outcome, extra: 'a command in the eucarc RAN' } : outcome;
        },
      },
      {
        name: 'credentials zip bomb (256 MiB of zeros)',
        source: 'upload',
        expect: /^4\d\d .*Credentials zip: .*(larger|too large|exceed|bytes)/i,
        run: async () =>
          upload({
            credentialsZipBase64: (
              await writeZip([{ name: 'eucarc', data: { zeros: 256 * MiB } }])
            ).toString('base64'),
          }),
      },
      {
        name: 'zip slip (../../eucarc entry)',
        source: 'upload',
        expect: /^4\d\d .*Credentials zip: .*(unsafe|path|name)/i,
        run: async () =>
          upload({
            credentialsZipBase64: (
              await writeZip([
                { name: '../../../../tmp/eucarc', data: Buffer.from(goodEucarc) },
                { name: 'eucarc', data: Buffer.from(goodEucarc) },
              ])
            ).toString('base64'),
          }),
      },
      {
        name: 'truncated credentials zip',
        source: 'upload',
        expect: /^4\d\d .*Credentials zip: not a readable zip/i,
        run: async () => {
          const zip = await writeZip([{ name: 'eucarc', data: Buffer.from(goodEucarc) }]);
          return upload({
            credentialsZipBase64: zip.subarray(0, zip.length - 30).toString('base64'),
          });
        },
      },
      {
        name: 'cloud-pk.pem that is not PEM',
        source: 'upload',
        expect: /^400 .*cloud-pk\.pem has PEM markers but no readable private key/,
        run: () =>
          upload({
            eucarc: goodEucarc,
            cloudPkPem:
              '-----BEGIN RSA PRIVATE KEY-----\nthis is not base64 at all!!\n-----END RSA PRIVATE KEY-----\n',
          }),
      },
      {
        name: 'oversized JSON body (its limit + 1 MiB) to the selection preview',
        source: 'upload',
        expect: /^413 .*too large/i,
        run: () =>
          post(
            '/api/inventories/0f8fad5b-d9cb-469f-a165-70867728950e/selection',
            JSON.stringify({
              selection: {
                users: Array.from({ length: (SELECTION_BODY_LIMIT + MiB) / 10 }, () => 'xxxxxxx'),
              },
            }),
          ),
      },
      {
        name: 'JSON with __proto__ (prototype pollution)',
        source: 'upload',
        // Fastify's JSON parser refuses the key outright (secure-json-parse), as invalid JSON.
        expect: /^400 .*(prototype|Body is not valid JSON)/i,
        run: async () => {
          const outcome = await post(
            '/api/connections/eucalyptus',
            '{"__proto__":{"polluted":"yes","isAdmin":true},"ec2Url":"http://127.0.0.1:1/services/Eucalyptus"}',
          );
          const polluted = (Object.prototype as Record<string, unknown>).polluted !== undefined;
          return polluted ? { ...outcome, extra: 'Object.prototype was polluted' } : outcome;
        },
      },
      {
        name: 'JSON with constructor.prototype (prototype pollution)',
        source: 'upload',
        // Fastify's JSON parser refuses the key outright (secure-json-parse), as invalid JSON.
        expect: /^400 .*(prototype|Body is not valid JSON)/i,
        run: async () => {
          const outcome = await post(
            '/api/connections/eucalyptus',
            '{"constructor":{"prototype":{"polluted":"yes"}},"name":"x"}',
          );
          const polluted = (Object.prototype as Record<string, unknown>).polluted !== undefined;
          return polluted ? { ...outcome, extra: 'Object.prototype was polluted' } : outcome;
        },
      },
    ];

    const only = process.env.DRILL_ONLY?.split(',').map((s) => s.trim().toLowerCase());
    const picked = (c: Case): boolean =>
      only === undefined || only.some((o) => c.name.toLowerCase().includes(o));
    const results: Result[] = [];
    const stagingLeft = new Set<string>();
    const runCase = async (c: Case): Promise<void> => {
      const before = await snapshotNova(novaUrl, imagesPath);
      const t0 = performance.now();
      let outcome: Outcome;
      poisonHits = 0;
      try {
        outcome = await c.run();
        if (c.source === 'eucalyptus' && poisonHits === 0)
          outcome = { refused: false, message: 'drill error: the poison never reached the client' };
      } catch (e) {
        outcome = {
          refused: false,
          message: `drill error: ${e instanceof Error ? e.message : String(e)}`,
        };
      } finally {
        poison = undefined;
      }
      const ms = performance.now() - t0;
      const after = await snapshotNova(novaUrl, imagesPath);
      const touched = differences(before, after);
      if (after.files.some((f) => isStaging(f) && !before.files.includes(f)))
        stagingLeft.add(c.name);
      // A kernel that arrived despite its poison would make every later image case a no-op
      // (skip-identical): it is taken out again, after it was counted.
      if (touched.length > 0)
        await rm(join(imagesPath, kernel.id), { recursive: true, force: true });
      const specific =
        outcome.refused && c.expect.test(outcome.message) && outcome.extra === undefined;
      const r: Result = {
        name: c.name,
        source: c.source,
        refused: outcome.refused,
        specific,
        message: shorten(outcome.message, c.expect),
        novaTouched: touched,
        ms,
        ...(outcome.extra === undefined ? {} : { extra: outcome.extra }),
      };
      results.push(r);
      process.stdout.write(
        `${specific && touched.length === 0 ? 'ok  ' : 'BAD '} ${c.name.padEnd(60)} refused: ${outcome.refused ? 'yes' : 'no '}  Nova untouched: ${touched.length === 0 ? 'yes' : `NO (${touched.slice(0, 3).join('; ')})`}  ${(ms / 1000).toFixed(1)} s\n       ${r.extra ? `[${r.extra}] ` : ''}${r.message}\n`,
      );
      if (!specific && process.env.DRILL_VERBOSE !== undefined)
        process.stdout.write(`${outcome.message.slice(-3000)}\n`);
    };

    for (const c of sourceCases.filter(
      (c) =>
        !/manifest tampered|bundle part|truncated bundle|huge image|GetDecryptedImage/.test(c.name),
    ))
      if (picked(c)) await runCase(c);

    // Baseline for the image cases: the kernel's owner (and every user) in Nova, honestly, in a
    // fresh Bexar database (whatever the cases above did must not break it).
    {
      const admin = new pg.Client({ connectionString: pgServer.adminUrl });
      await admin.connect();
      await admin.query('DROP DATABASE nova WITH (FORCE)');
      await admin.end();
      await ensureDatabase(pgServer.adminUrl, 'nova');
      await initNovaSchema(novaUrl);
      await rm(imagesPath, { recursive: true, force: true });
      await mkdir(imagesPath);
    }
    const baseline = await runCli(['migrate', ...base, '--only', 'users']);
    if (baseline.code !== 0)
      throw new Error(`the honest baseline migration failed:\n${baseline.output.slice(-2000)}`);
    await rm(join(work, 'reports'), { recursive: true, force: true });
    for (const c of sourceCases.filter((c) =>
      /manifest tampered|bundle part|truncated bundle|huge image|GetDecryptedImage/.test(c.name),
    ))
      if (picked(c)) await runCase(c);
    for (const c of uploadCases) if (picked(c)) await runCase(c);

    // The control: the same kernel through the same hostile server, unpoisoned, does arrive, so
    // the refusals above are the poison's doing and not a broken path.
    const control = await migrateKernel('bundle');
    const controlOk = !control.refused;

    const cases = results.length;
    const specific = results.filter((r) => r.specific).length;
    const touched = results.filter((r) => r.novaTouched.length > 0).length;
    const slowest = results.reduce(
      (a, r) => (r.ms > a.ms ? r : a),
      results[0] ?? { ms: 0, name: '' },
    );
    const figures: Figure[] = [
      plain(
        'cases',
        'hostile cases run',
        { value: cases, unit: 'count' },
        {
          text: '≥ 30',
          pass: cases >= 30 || only !== undefined,
        },
      ),
      plain(
        'refused.specific',
        'refused with the specific error',
        { value: specific, unit: 'count' },
        {
          text: `all ${String(cases)}`,
          pass: specific === cases,
        },
      ),
      plain(
        'nova.touched',
        'cases after which Nova had changed',
        { value: touched, unit: 'count' },
        {
          text: '0',
          pass: touched === 0,
        },
      ),
      plain('staging.left', 'image cases leaving a .partial staging folder (kept for --resume)', {
        value: stagingLeft.size,
        unit: 'count',
      }),
      plain('refusal.slowest', `slowest refusal (${slowest.name})`, {
        value: slowest.ms / 1000,
        unit: 's',
      }),
      plain(
        'control',
        'the same kernel, unpoisoned, migrates through the hostile server',
        {
          value: controlOk ? 1 : 0,
          unit: 'count',
        },
        { text: '1 (the path works when not poisoned)', pass: controlOk },
      ),
    ];
    await emitSection({
      name: 'hostile-drill',
      kind: 'drill',
      title: 'Hostile input: malformed and malicious answers and uploads',
      setup: {
        source: 'Eucalyptus 2.0 simulator (demo scenario) behind a hostile proxy',
        'source runs': '`euca2nova migrate --yes` in a child process per case',
        uploads: 'POST /api/connections/eucalyptus and /api/inventories/:id/selection over HTTP',
        'slow-loris timeout': `${String(SLOW_LORIS_MS)} ms (EUCA2NOVA_SOURCE_RESPONSE_TIMEOUT_MS)`,
      },
      figures,
      notes: [
        ...results
          .filter((r) => !r.specific || r.novaTouched.length > 0)
          .map(
            (r) =>
              `${r.name}: ${r.refused ? 'refused' : 'NOT refused'}${r.extra ? ` [${r.extra}]` : ''}; ${r.message}${r.novaTouched.length > 0 ? `; Nova changed: ${r.novaTouched.slice(0, 4).join('; ')}` : ''}`,
          ),
        ...[...stagingLeft].map(
          (n) => `${n}: a .partial staging folder (no info.json) was left in the image store`,
        ),
        ...(controlOk ? [] : [`control run failed: ${shorten(control.message, /./)}`]),
        'Image cases migrate one kernel whose owner an honest `--only users` run put in Nova first, so a refused image must leave every table and the image store as they were.',
        "Not covered: a manifest whose signature alone is replaced (its contents intact). Verifying it needs the owner's X.509 certificate, which an admin's credentials do not carry; tampered contents are caught by the part and size checks instead.",
      ],
      verdict: verdictOf(figures),
    });
  } finally {
    poison = undefined;
    for (const c of cleanups) await c().catch(() => undefined);
    hostile?.closeAllConnections();
    hostile?.close();
    await sim?.close();
    await pgServer.stop();
    if (process.env.DRILL_KEEP === undefined) await rm(work, { recursive: true, force: true });
  }
}

await main();
