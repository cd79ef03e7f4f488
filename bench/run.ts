// The one harness (issue 9): `npm run bench` runs every benchmark, `npm run drills` every drill,
// each script in a process of its own, one after the other (they would steal each other's cores),
// and gathers the sections they emit (lib/results.ts) into bench/results/latest.md (or drills.md)
// and a JSON twin, headed by the machine, the date and the commit. Never part of `npm test`.
//
//   npm run bench                       every benchmark
//   npm run bench -- --only migrate     some of them (comma-separated names), merged into the
//                                       earlier results (each script's run is dated)
//   npm run drills                      every drill
//   npm run bench -- --quick            small sizes everywhere: checks the harness, not the product
//
// A script that ends without a section (it crashed) is recorded as FAIL with the end of its output.
import { spawn, execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { figureTable, type Section } from './lib/results.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

interface Script {
  readonly name: string;
  readonly file: string;
  /** What it answers, for the summary table. */
  readonly question: string;
  /** Environment for --quick: the smallest sizes that still exercise every path. */
  readonly quick: Readonly<Record<string, string>>;
}

const BENCHMARKS: readonly Script[] = [
  {
    name: 'eucalyptus',
    file: 'eucalyptus.bench.ts',
    question:
      'discovery against the simulator serving time; image reads against a raw GET and rclone',
    quick: { BENCH_SCALE: '50', BENCH_IMAGE_MIB: '16' },
  },
  {
    name: 'nova-write',
    file: 'nova-write.ts',
    question: "Nova's rows against COPY through psql; image writes against a raw file copy",
    quick: { BENCH_SCALE: '50', NOVA_BENCH_IMAGE_MIB: '16' },
  },
  {
    name: 'migrate',
    file: 'migrate.bench.ts',
    question: 'end to end at scale:1000 against a raw GET and rclone of the same image bytes',
    // The simulator's minimum is 5 images (a kernel, a ramdisk, three machine images).
    quick: { BENCH_USERS: '50', BENCH_IMAGES: '5', BENCH_IMAGE_MIB: '8' },
  },
  {
    name: 'scale-curve',
    file: 'scale-curve.bench.ts',
    question: 'how time and memory grow from scale:100 to scale:1000 and scale:5000',
    quick: { BENCH_SCALES: '20,40,80' },
  },
  {
    name: 'progress-lag',
    file: 'progress-lag.bench.ts',
    question: 'live progress delivered to 100 browsers during a scale:1000 run',
    quick: { SCALE: '50', IMAGES: '10', IMAGE_MB: '4', CLIENTS: '10' },
  },
  {
    name: 'web-bundle',
    file: 'web-bundle.bench.ts',
    question: "the wizard's initial JavaScript against its budget",
    quick: {},
  },
  {
    name: 'choose',
    file: 'choose.bench.ts',
    question: 'the Choose step at scale:5000 against scale:50 in Chromium',
    quick: { SCALE: '200', REFERENCE: '20' },
  },
];

const DRILLS: readonly Script[] = [
  {
    name: 'crash-drill',
    file: 'drills/crash.ts',
    question: 'SIGKILL at 20 random moments of a scale:200 run, resumed: any difference?',
    quick: { DRILL_SCALE: '30', DRILL_KILLS: '4', DRILL_IMAGES: '5', DRILL_IMAGE_MIB: '4' },
  },
  {
    name: 'faults-drill',
    file: 'drills/faults.ts',
    question: '10% 5xx, throttling and 1% mid-body resets: completed and verified?',
    quick: { DRILL_SCALE: '30', DRILL_IMAGES: '20', DRILL_IMAGE_MIB: '2', DRILL_PART_KIB: '64' },
  },
  {
    name: 'hostile-drill',
    file: 'drills/hostile.ts',
    question: 'malformed and malicious responses and uploads: each refused, nothing written?',
    quick: {},
  },
  {
    name: 'security-drill',
    file: 'drills/security.ts',
    question: 'every route and the socket without a session or cross-site; secrets at rest',
    quick: {},
  },
];

const { values } = parseArgs({
  options: {
    drills: { type: 'boolean', default: false },
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const all = values.drills ? DRILLS : BENCHMARKS;
const only = values.only?.split(',').map((s) => s.trim());
const unknown = only?.filter((n) => !all.some((s) => s.name === n)) ?? [];
if (unknown.length > 0) {
  process.stderr.write(
    `unknown ${values.drills ? 'drill' : 'benchmark'}: ${unknown.join(', ')} (known: ${all.map((s) => s.name).join(', ')})\n`,
  );
  process.exit(2);
}
const chosen = only ? all.filter((s) => only.includes(s.name)) : all;
const outBase = values.out ?? join(here, 'results', values.drills ? 'drills' : 'latest');

interface Ran {
  readonly script: Script;
  readonly seconds: number;
  readonly exitCode: number | null;
  readonly sections: Section[];
  /** The end of its output, kept when it emitted no section. */
  readonly tail?: string;
}

async function runOne(script: Script, resultsDir: string): Promise<Ran> {
  const dir = join(resultsDir, script.name);
  await mkdir(dir, { recursive: true });
  process.stdout.write(`\n==> ${script.name}: ${script.question}\n`);
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, script.file)], {
    cwd: here,
    env: { ...process.env, BENCH_RESULTS_DIR: dir, ...(values.quick ? script.quick : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (c: Buffer, to: NodeJS.WriteStream): void => {
    to.write(c);
    tail = (tail + c.toString('utf8')).slice(-4000);
  };
  child.stdout.on('data', (c: Buffer) => {
    keep(c, process.stdout);
  });
  child.stderr.on('data', (c: Buffer) => {
    keep(c, process.stderr);
  });
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const seconds = (performance.now() - t0) / 1000;
  const sections: Section[] = [];
  for (const f of (await readdir(dir)).filter((n) => n.endsWith('.json')).sort())
    sections.push(JSON.parse(await readFile(join(dir, f), 'utf8')) as Section);
  return { script, seconds, exitCode, sections, ...(sections.length === 0 ? { tail } : {}) };
}

function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).toString();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', '.', ':!bench/results'], {
      cwd: root,
    }).toString();
    return `${sha.trim()}${dirty.trim() === '' ? '' : ' (with uncommitted changes)'}`;
  } catch {
    return 'unknown';
  }
}

const machine = {
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Number((totalmem() / 1024 ** 3).toFixed(1)),
  node: process.version,
  loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
};
const started = new Date();
// Taken before the scripts run: what they measured is the tree as it was then.
const commit = gitCommit();
const resultsDir = await mkdtemp(join(tmpdir(), 'euca2nova-bench-'));
const ran: Ran[] = [];
try {
  for (const script of chosen) ran.push(await runOne(script, resultsDir));
} finally {
  await rm(resultsDir, { recursive: true, force: true });
}

const verdictOf = (r: Ran): 'PASS' | 'FAIL' =>
  r.exitCode === 0 && r.sections.length > 0 && r.sections.every((s) => s.verdict === 'PASS')
    ? 'PASS'
    : 'FAIL';

interface RunRecord {
  readonly name: string;
  readonly question: string;
  /** When and on what this script ran: with --only, the others keep their earlier record. */
  readonly date: string;
  readonly commit: string;
  readonly seconds: number;
  readonly exitCode: number | null;
  readonly verdict: 'PASS' | 'FAIL';
  readonly sections: Section[];
  readonly tail?: string;
}
const fresh: RunRecord[] = ran.map((r) => ({
  name: r.script.name,
  question: r.script.question,
  date: started.toISOString(),
  commit,
  seconds: Number(r.seconds.toFixed(1)),
  exitCode: r.exitCode,
  verdict: verdictOf(r),
  sections: r.sections,
  ...(r.tail === undefined ? {} : { tail: r.tail }),
}));

/** The earlier full results, when this run re-measures only some scripts into the same file. */
async function earlierRuns(): Promise<RunRecord[]> {
  if (only === undefined || values.quick) return [];
  try {
    const earlier = JSON.parse(await readFile(`${outBase}.json`, 'utf8')) as {
      quick?: boolean;
      runs?: RunRecord[];
    };
    return earlier.quick === true ? [] : (earlier.runs ?? []);
  } catch {
    return [];
  }
}
const kept = (await earlierRuns()).filter((r) => !fresh.some((f) => f.name === r.name));
const order = all.map((s) => s.name);
const runs = [...kept, ...fresh].sort((x, y) => order.indexOf(x.name) - order.indexOf(y.name));
const summary = {
  kind: values.drills ? 'drills' : 'benchmarks',
  date: started.toISOString(),
  commit,
  quick: values.quick,
  machine: { ...machine, loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))) },
  runs,
};

const title = values.drills ? 'Drills' : 'Benchmarks';
const md = [
  `# ${title}: latest results`,
  '',
  `Written by \`npm run ${values.drills ? 'drills' : 'bench'}\` (bench/run.ts); see docs/${values.drills ? 'reliability' : 'performance'}.md for what each figure means.${values.quick ? ' **Quick run: small sizes, the figures say nothing about the product.**' : ''}`,
  '',
  `- date: ${summary.date}${kept.length > 0 ? ` (${fresh.map((r) => r.name).join(', ')}; the others kept from their own runs, dated below)` : ''}`,
  `- commit: ${summary.commit}`,
  `- machine: ${String(machine.cores)} cores (${machine.cpu}), ${String(machine.memoryGiB)} GiB, Node ${machine.node}`,
  `- load average at start ${machine.loadAverageAtStart.join(' / ')}, at end ${summary.machine.loadAverageAtEnd.join(' / ')} (a shared VM: other work may have run beside)`,
  '',
  '| | question | verdict | wall time | run |',
  '| --- | --- | --- | --- | --- |',
  ...summary.runs.map(
    (r) =>
      `| ${r.name} | ${r.question} | ${r.verdict} | ${r.seconds.toFixed(0)} s | ${r.date.slice(0, 16).replace('T', ' ')}, ${r.commit} |`,
  ),
];
for (const r of summary.runs) {
  for (const s of r.sections) {
    md.push('', `## ${s.title}`, '');
    md.push(...Object.entries(s.setup).map(([k, v]) => `- ${k}: ${String(v)}`), '');
    md.push(...figureTable(s.figures));
    if (s.notes && s.notes.length > 0) md.push('', ...s.notes.map((n) => `- ${n}`));
    md.push('', `**${s.verdict}**`);
  }
  if (r.sections.length === 0)
    md.push(
      '',
      `## ${r.name}`,
      '',
      `**FAIL**: ended with exit code ${String(r.exitCode)} and no figures. Its last output:`,
      '',
      '```',
      (r.tail ?? '').trim(),
      '```',
    );
}
await mkdir(dirname(outBase), { recursive: true });
await writeFile(`${outBase}.md`, `${md.join('\n')}\n`);
await writeFile(`${outBase}.json`, `${JSON.stringify(summary, null, 2)}\n`);
process.stdout.write(
  `\n${fresh.map((r) => `${r.verdict} ${r.name} (${r.seconds.toFixed(0)} s)`).join('\n')}\nwritten: ${outBase}.md and ${outBase}.json\n`,
);
process.exitCode = fresh.every((r) => r.verdict === 'PASS') ? 0 : 1;
