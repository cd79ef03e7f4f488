// The wizard's bundle (issue 8): the JavaScript a browser loads before the first page shows, gzipped,
// against the budget of 300 KB; and every lazily loaded chunk (one per wizard step) beside it.
// Run: npm run bench:bundle -w @euca2nova/bench   (builds apps/web first; exit code 1 over budget;
// BENCH_NO_BUILD=1 measures the dist/ already there)
//
// "Initial" = the entry script of dist/index.html plus every chunk it imports statically (what Vite
// lists as modulepreload): the chunks of the steps load when their page opens.
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { emitSection, plain, verdictOf, versus, type Figure } from './lib/results.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const dist = join(root, 'apps/web/dist');
const BUDGET_GZIP = 300 * 1000;

if (process.env.BENCH_NO_BUILD === undefined)
  execFileSync('npm', ['run', 'build', '--workspace', '@euca2nova/web'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });

const html = await readFile(join(dist, 'index.html'), 'utf8');
const entry = /<script type="module"[^>]*src="\/([^"]+)"/.exec(html)?.[1];
if (entry === undefined) throw new Error('dist/index.html has no module script');
const css = [...html.matchAll(/<link rel="stylesheet"[^>]*href="\/([^"]+)"/g)].map((m) => m[1]);

interface Sized {
  file: string;
  raw: number;
  gzip: number;
  brotli: number;
}
async function size(file: string): Promise<Sized> {
  const body = await readFile(join(dist, file));
  return {
    file,
    raw: body.length,
    gzip: gzipSync(body, { level: 9 }).length,
    brotli: brotliCompressSync(body).length,
  };
}

// Static imports, followed from the entry: `import … from "./x.js"` and bare `import "./x.js"` at
// the top of a chunk (dynamic `import("./x.js")` is left out: it loads later).
async function staticGraph(start: string): Promise<string[]> {
  const seen = new Set<string>([start]);
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    const code = await readFile(join(dist, file), 'utf8');
    for (const m of code.matchAll(
      /(?:^|[;}\n])\s*import\s*(?:[\w*{}\s,$]+from\s*)?["']\.\/([^"']+\.js)["']/g,
    )) {
      const next = join(dirname(file), m[1] as string);
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return [...seen];
}

const initial = await Promise.all((await staticGraph(entry)).map(size));
const chunks = await Promise.all(
  (await readdir(join(dist, 'assets')))
    .filter((f) => f.endsWith('.js'))
    .map((f) => `assets/${f}`)
    .filter((f) => !initial.some((i) => i.file === f))
    .map(size),
);
const styles = await Promise.all(css.map((f) => size(f as string)));
const sum = (xs: readonly Sized[], k: keyof Omit<Sized, 'file'>): number =>
  xs.reduce((n, x) => n + x[k], 0);
const kb = (n: number): string => `${(n / 1000).toFixed(1)} KB`;

const gz = sum(initial, 'gzip');
console.log(`# euca2nova web bundle (${new Date().toISOString()})`);
console.log(
  `initial JavaScript (${String(initial.length)} file(s), loaded before the first page):`,
);
for (const f of initial)
  console.log(`  ${f.file}: ${kb(f.raw)} raw, ${kb(f.gzip)} gzip, ${kb(f.brotli)} brotli`);
console.log(
  `  total: ${kb(sum(initial, 'raw'))} raw, ${kb(gz)} gzip (budget ${kb(BUDGET_GZIP)}: ${((gz / BUDGET_GZIP) * 100).toFixed(0)}% of it), ${kb(sum(initial, 'brotli'))} brotli`,
);
console.log(`initial CSS: ${kb(sum(styles, 'raw'))} raw, ${kb(sum(styles, 'gzip'))} gzip`);
console.log(`chunks loaded when their page opens (${String(chunks.length)}):`);
for (const f of chunks.sort((a, b) => b.gzip - a.gzip))
  console.log(`  ${f.file}: ${kb(f.gzip)} gzip`);
const largestChunk = chunks[0];
const figures: Figure[] = [
  versus(
    'bundle.initial.gzip',
    `initial JavaScript, gzip (${String(initial.length)} file(s))`,
    { value: gz / 1000, unit: 'KB' },
    { value: BUDGET_GZIP / 1000, unit: 'KB', label: 'budget' },
    (r) => ({ text: '≤ 1: within the budget', pass: r <= 1 }),
  ),
  plain('bundle.initial.brotli', 'initial JavaScript, brotli', {
    value: sum(initial, 'brotli') / 1000,
    unit: 'KB',
  }),
  plain('bundle.css.gzip', 'initial CSS, gzip', { value: sum(styles, 'gzip') / 1000, unit: 'KB' }),
  ...(largestChunk === undefined
    ? []
    : [
        plain('bundle.largest-chunk.gzip', `largest lazy chunk, gzip (${largestChunk.file})`, {
          value: largestChunk.gzip / 1000,
          unit: 'KB',
        }),
      ]),
];
await emitSection({
  name: 'web-bundle',
  kind: 'benchmark',
  title: "The wizard's initial JavaScript against its budget",
  setup: {
    build: process.env.BENCH_NO_BUILD === undefined ? 'npm run build (apps/web)' : 'dist/ as found',
    budget: `${String(BUDGET_GZIP / 1000)} KB gzip (level 9)`,
  },
  figures,
  notes: [
    'Initial = the entry script of dist/index.html and every chunk it imports statically; the chunks of the wizard steps load when their page opens and are not counted.',
    `${String(chunks.length)} lazy chunk(s), ${kb(sum(chunks, 'gzip'))} gzip in all.`,
  ],
  verdict: verdictOf(figures),
});
