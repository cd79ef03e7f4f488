// The figures every benchmark and drill reports, in one shape, so that `npm run bench` (run.ts) can
// gather them into bench/results/latest.md and its JSON twin. Times on this shared 2-core VM are
// too noisy to stand alone: a figure names the reference it was measured against in the same run,
// on the same machine, and carries both absolute values beside the ratio.
//
// A script calls emitSection() once at its end. Run alone, it prints the section as a table; under
// run.ts, BENCH_RESULTS_DIR names a folder where the section is also written as JSON.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface Measure {
  readonly value: number;
  /** 's', 'ms', 'MiB/s', 'MiB', 'KB', 'rows/s', 'count', … */
  readonly unit: string;
}

export interface Goal {
  /** The goal in words, e.g. "≥ 90% of the raw copy". */
  readonly text: string;
  readonly pass: boolean;
}

export interface Figure {
  /** Stable key across runs, e.g. "images.throughput.vs-raw". */
  readonly id: string;
  /** What was measured, in words. */
  readonly label: string;
  readonly measured: Measure;
  /** What it is compared with; absent only where the figure is a count or a verdict. */
  readonly reference?: Measure & { readonly label: string };
  /**
   * measured / reference, oriented so that > 1 means "more than the reference" (for a time, slower;
   * for a throughput, faster). The label says which.
   */
  readonly ratio?: number;
  readonly goal?: Goal;
}

export interface Section {
  /** The script's short name: "eucalyptus", "crash-drill", … */
  readonly name: string;
  readonly kind: 'benchmark' | 'drill';
  readonly title: string;
  /** Parameters of this run (scale, image sizes, seeds): what someone needs to repeat it. */
  readonly setup: Readonly<Record<string, string | number>>;
  readonly figures: readonly Figure[];
  /** Anything the figures need to be read right (what dominated, what was skipped and why). */
  readonly notes?: readonly string[];
  /** Drills: PASS or FAIL. Benchmarks: PASS when every goal passed, FAIL otherwise. */
  readonly verdict: 'PASS' | 'FAIL';
}

/** A ratio figure in one call: ratio = measured / reference. */
export function versus(
  id: string,
  label: string,
  measured: Measure,
  reference: Measure & { label: string },
  goal?: (ratio: number) => Goal,
): Figure {
  const ratio = reference.value === 0 ? Number.NaN : measured.value / reference.value;
  return { id, label, measured, reference, ratio, ...(goal ? { goal: goal(ratio) } : {}) };
}

/** A figure without a reference (a count, a verdict, a peak). */
export function plain(id: string, label: string, measured: Measure, goal?: Goal): Figure {
  return { id, label, measured, ...(goal ? { goal } : {}) };
}

export function verdictOf(figures: readonly Figure[]): 'PASS' | 'FAIL' {
  return figures.every((f) => f.goal?.pass !== false) ? 'PASS' : 'FAIL';
}

export const MiB = 1024 * 1024;

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export function formatMeasure(m: Measure): string {
  return `${formatNumber(m.value)} ${m.unit}`;
}

/** Markdown rows of a section's figures (run.ts puts them under the section's heading). */
export function figureTable(figures: readonly Figure[]): string[] {
  const rows = [
    '| figure | measured | reference | ratio | goal |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const f of figures) {
    const ref = f.reference ? `${formatMeasure(f.reference)} (${f.reference.label})` : '';
    const ratio = f.ratio === undefined ? '' : `×${formatNumber(f.ratio)}`;
    const goal = f.goal ? `${f.goal.pass ? 'PASS' : 'FAIL'}: ${f.goal.text}` : '';
    rows.push(`| ${f.label} | ${formatMeasure(f.measured)} | ${ref} | ${ratio} | ${goal} |`);
  }
  return rows;
}

/**
 * Print the section and, under run.ts, write it as JSON. Ends with the PASS/FAIL line a drill is
 * read by; the exit code is the caller's (set process.exitCode from the verdict).
 */
export async function emitSection(section: Section): Promise<void> {
  const lines = [
    '',
    `## ${section.title}`,
    '',
    ...Object.entries(section.setup).map(([k, v]) => `- ${k}: ${String(v)}`),
    '',
    ...figureTable(section.figures),
    ...(section.notes && section.notes.length > 0
      ? ['', ...section.notes.map((n) => `- ${n}`)]
      : []),
    '',
    `${section.verdict} ${section.name}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const dir = process.env.BENCH_RESULTS_DIR;
  if (dir !== undefined) {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${section.name}.json`), `${JSON.stringify(section, null, 2)}\n`);
  }
  if (section.verdict === 'FAIL') process.exitCode = 1;
}
