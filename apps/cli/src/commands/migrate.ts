import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Command, Option } from 'commander';
import { connect, discover, resolveSourceInput } from '@euca2nova/eucalyptus';
import {
  acknowledgeFindings,
  blockingFindings,
  createMigrationJob,
  defaultMappings,
  findingKey,
  planMigration,
  renderIdMapCsv,
  renderReportHtml,
  renderReportPdf,
  reportFileNames,
  runMigration,
  startTransferWorkers,
  type RunOutcome,
} from '@euca2nova/engine';
import { RESOURCE_KINDS, type Finding, type Plan, type Report } from '@euca2nova/model';
import { renderNovaConf } from '@euca2nova/nova';
import { TransferQueue, type OpenState } from '@euca2nova/state';
import {
  CliError,
  addStateOptions,
  addTargetOptions,
  dataDirOf,
  hostsOf,
  managerOf,
  openState,
  requireTarget,
  selectionOf,
  type StateFlags,
  type TargetFlags,
} from '../migration-options.ts';
import { formatBytes, watchJob } from '../progress.ts';

/** Exit codes of plan/migrate (0, 1 and 2 are shared by every command). */
export const MIGRATE_EXIT = {
  ok: 0,
  failure: 1,
  badInput: 2,
  blocked: 3,
  failedItems: 4,
  differences: 5,
} as const;

const out = (s: string): void => {
  process.stdout.write(s);
};
const err = (s: string): void => {
  process.stderr.write(s);
};

const seconds = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)} s`;

function summarise(plan: Plan): string {
  const lines: string[] = [];
  lines.push(`Plan ${plan.id} (fingerprint ${plan.fingerprint.slice(0, 12)})`);
  lines.push(`  network manager: ${plan.mappings.network.manager}`);
  const header = ['kind', 'create', 'identical', 'conflict', 'unsupported'];
  const rows = RESOURCE_KINDS.map((k) => {
    const of = (a: string): number =>
      plan.items.filter((i) => i.kind === k && i.action === a).length;
    return [k, of('create'), of('skip-identical'), of('conflict'), of('unsupported')];
  }).filter((r) => r.slice(1).some((n) => n !== 0));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const fmt = (cells: readonly (string | number)[]): string =>
    `  ${cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i] ?? 0) : String(c).padStart(widths[i] ?? 0))).join('  ')}`;
  lines.push(fmt(header));
  for (const r of rows) lines.push(fmt(r));
  const pulled = plan.items.filter((i) => i.pulledInBy !== undefined).length;
  if (pulled > 0)
    lines.push(`  ${String(pulled)} item(s) pulled in because selected items need them.`);
  for (const sev of ['error', 'warning', 'info'] as const) {
    const fs = plan.findings.filter((f) => f.severity === sev);
    if (fs.length === 0) continue;
    lines.push(
      `${sev === 'error' ? 'Blocking' : sev === 'warning' ? 'Warnings' : 'Notes'} (${String(fs.length)}):`,
    );
    for (const f of fs) lines.push(describeFinding(f));
  }
  return `${lines.join('\n')}\n`;
}

function describeFinding(f: Finding): string {
  const ids =
    f.affectedIds.length > 0
      ? ` [${f.affectedIds.slice(0, 6).join(', ')}${f.affectedIds.length > 6 ? ', …' : ''}]`
      : '';
  return `  - ${f.ruleId}: ${f.message}${ids}\n    what to do: ${f.remedy}`;
}

interface PlanOutcome {
  plan: Plan;
  source: Awaited<ReturnType<typeof resolveSourceInput>>;
  inventory: Awaited<ReturnType<typeof discover>>;
}

async function discoverAndPlan(flags: TargetFlags, signal: AbortSignal): Promise<PlanOutcome> {
  const target = requireTarget(flags);
  const selection = selectionOf(flags);
  const source = await resolveSourceInput(flags);
  const conn = await connect(source);
  err(`Connected to Eucalyptus ${conn.version} at ${source.ec2Url}; discovering…\n`);
  const t0 = performance.now();
  let inventory;
  try {
    let last = 0;
    inventory = await discover(conn, {
      signal,
      onProgress: (p) => {
        const now = Date.now();
        if (now - last > 2000) {
          last = now;
          err(`  discovering ${p.kind}: ${String(p.done)}/${String(p.total)}\n`);
        }
      },
    });
  } finally {
    conn.close();
  }
  err(
    `Found ${String(inventory.users.length)} users, ${String(inventory.images.length)} images, ${String(inventory.instances.length)} instances, ${String(inventory.volumes.length)} volumes in ${seconds(t0)}; planning against Nova…\n`,
  );
  const t1 = performance.now();
  const plan = await planMigration({
    inventory,
    selection,
    mappings: defaultMappings(inventory, { manager: managerOf(flags) }),
    novaDb: target.novaDb,
    imagesPath: target.imagesPath,
    hosts: hostsOf(flags),
    signal,
  });
  err(`Planned in ${seconds(t1)}.\n`);
  return { plan, source, inventory };
}

/** `euca2nova plan`: what a migration would do, and what blocks it. Writes nothing. */
export function createPlanCommand(): Command {
  const command = new Command('plan').description(
    'Discover the Eucalyptus cloud and show the migration plan against the Nova database (writes nothing). Exit 3 when findings block it.',
  );
  addTargetOptions(command).action(async (flags: TargetFlags) => {
    const ac = new AbortController();
    const { plan } = await discoverAndPlan(flags, ac.signal);
    out(flags.json === true ? `${JSON.stringify(plan, null, 2)}\n` : summarise(plan));
    if (blockingFindings(plan).length > 0)
      throw new CliError('The plan has blocking findings.', MIGRATE_EXIT.blocked);
  });
  return command;
}

interface MigrateFlags extends TargetFlags {
  yes?: boolean;
  resume?: string;
  report?: string;
  reportHtml?: string;
  reportDir?: string;
  concurrency?: string;
  imageReadPath?: 'decrypted' | 'bundle';
}

async function confirm(plan: Plan, novaDb: string): Promise<void> {
  if (!process.stdin.isTTY)
    throw new CliError(
      'Confirmation needed: run in a terminal, or pass --yes to confirm this plan.',
    );
  const u = new URL(novaDb);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const warnings = plan.findings.filter((f) => f.severity === 'warning').length;
    const answer = await rl.question(
      `Write this plan into Nova database "${u.pathname.slice(1)}" on ${u.hostname || 'localhost'}${warnings > 0 ? `, accepting its ${String(warnings)} warning(s)` : ''}? Type "yes": `,
    );
    if (answer.trim().toLowerCase() !== 'yes')
      throw new CliError('Not confirmed; nothing was written.', MIGRATE_EXIT.failure);
  } finally {
    rl.close();
  }
}

async function writeReports(
  report: Report,
  flags: MigrateFlags,
  dataDir: string,
): Promise<string[]> {
  const names = reportFileNames(report);
  const dir = resolve(flags.reportDir ?? join(dataDir, 'reports'));
  const files: [string, string | Buffer][] = [
    [flags.report ?? join(dir, names.json), `${JSON.stringify(report, null, 2)}\n`],
    [flags.reportHtml ?? join(dir, names.html), renderReportHtml(report)],
    [join(dir, names.csv), renderIdMapCsv(report)],
    [join(dir, names.pdf), await renderReportPdf(report)],
  ];
  for (const [path, body] of files) {
    await mkdir(dirname(resolve(path)), { recursive: true });
    await writeFile(path, body);
  }
  return files.map(([p]) => resolve(p));
}

function exitCodeOf(outcome: RunOutcome): number {
  if (outcome.status === 'succeeded')
    return outcome.verification?.result === 'matching' ? MIGRATE_EXIT.ok : MIGRATE_EXIT.differences;
  if (outcome.status === 'failed' && outcome.failedItems > 0) return MIGRATE_EXIT.failedItems;
  return MIGRATE_EXIT.failure;
}

async function runJob(state: OpenState, jobId: string, flags: MigrateFlags): Promise<number> {
  const concurrency = Number(flags.concurrency ?? 4);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    throw new CliError('--concurrency must be a whole number from 1 to 64.');
  const job = await state.store.getJob(jobId);
  if (job.planId === null || job.inventoryId === null)
    throw new CliError(`Job ${jobId} is not a migration.`);
  const { plan } = await state.store.loadPlan(job.planId);
  const inventory = await state.store.loadInventory(job.inventoryId);
  const sizes = new Map(inventory.images.map((i) => [i.imageId, i.sizeBytes ?? 0]));
  const kept = plan.items.filter((i) => i.action === 'create' || i.action === 'skip-identical');
  const bytesTotal = kept
    .filter((i) => i.kind === 'image' && i.action === 'create')
    .reduce((n, i) => n + (sizes.get(i.sourceId) ?? 0), 0);
  const queue = await TransferQueue.start(state.url);
  const workers = await startTransferWorkers({ store: state.store, queue, concurrency });
  const watch = watchJob(state.store, jobId, {
    itemsTotal: kept.length,
    bytesTotal,
    tty: process.stdout.isTTY,
    write: out,
  });
  const ac = new AbortController();
  const onSignal = (): void => {
    if (ac.signal.aborted) process.exit(MIGRATE_EXIT.failure);
    err(
      '\nPausing: the copies in flight stop and keep their bytes (press Ctrl-C again to quit at once)…\n',
    );
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let outcome: RunOutcome;
  try {
    outcome = await runMigration({ store: state.store, queue }, jobId, {
      signal: ac.signal,
      onAbort: 'pause',
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await watch.stop();
    workers.stop();
    await queue.stop({ timeoutMs: 10_000 });
  }
  if (outcome.status === 'paused') {
    err(`Job ${jobId} is paused. Continue it with: euca2nova migrate --resume ${jobId}\n`);
    return MIGRATE_EXIT.failure;
  }
  const report = outcome.report ?? (await state.store.loadReport(jobId));
  if (report !== null) {
    const t0 = performance.now();
    const files = await writeReports(report, flags, dataDirOf(flags));
    err(`Reports written in ${seconds(t0)}.\n`);
    out(`Report: ${files.join(', ')}\n`);
    out(`nova.conf network flags:\n${renderNovaConf(report.novaConf)}\n`);
    const v = report.verification;
    out(
      `Verification: ${v.result === 'matching' ? 'every migrated item matches' : v.result === 'not-run' ? 'not run' : `${String(v.users.reduce((n, u) => n + u.differences.length, 0))} difference(s)`}; images: ${formatBytes(report.images.reduce((n, i) => n + i.bytes, 0))}.\n`,
    );
  }
  if (outcome.status === 'failed')
    err(
      `Job ${jobId} ${outcome.failedItems > 0 ? `has ${String(outcome.failedItems)} failed item(s)` : 'failed'}; fix the cause and run: euca2nova migrate --resume ${jobId}\n`,
    );
  return exitCodeOf(outcome);
}

/** `euca2nova migrate`: plan, confirm, run with progress, verify and write the report. */
export function createMigrateCommand(): Command {
  const command = new Command('migrate').description(
    'Migrate the Eucalyptus cloud into Nova: plan, confirm, copy with progress, verify, report. Exit 0 done and verified, 2 bad input, 3 blocked by findings, 4 failed items, 5 verification differences.',
  );
  addTargetOptions(command)
    .option('--yes', 'confirm the plan (and accept its warnings) without asking')
    .option('--resume <job>', 'continue a job (after a crash, a pause or failed items)')
    .option('--report <file>', 'where to write the JSON report')
    .option('--report-html <file>', 'where to write the HTML report')
    .option('--report-dir <dir>', 'where the reports go (default: <data-dir>/reports)')
    .option('--concurrency <n>', 'image copies at once in this process', '4')
    .addOption(
      new Option(
        '--image-read-path <path>',
        'decrypted (Walrus assembles) or bundle (decrypt here with --cloud-pk)',
      ).choices(['decrypted', 'bundle']),
    )
    .action(async (flags: MigrateFlags) => {
      const state = await openState(flags, Number(flags.concurrency ?? 4) + 8);
      try {
        if (flags.resume !== undefined) {
          process.exitCode = await runJob(state, flags.resume, flags);
          return;
        }
        const ac = new AbortController();
        const { plan: planned, source, inventory } = await discoverAndPlan(flags, ac.signal);
        out(summarise(planned));
        if (blockingFindings(planned).length > 0)
          throw new CliError(
            'The plan has blocking findings; nothing was written.',
            MIGRATE_EXIT.blocked,
          );
        const target = requireTarget(flags);
        if (flags.yes !== true) await confirm(planned, target.novaDb);
        const plan = await acknowledgeFindings(
          planned,
          planned.findings.filter((f) => f.severity === 'warning').map(findingKey),
        );
        const t2 = performance.now();
        const job = await createMigrationJob(state.store, {
          plan,
          confirmedFingerprint: plan.fingerprint,
          inventory,
          source,
          novaDb: target.novaDb,
          spec: {
            imagesPath: target.imagesPath,
            hosts: hostsOf(flags),
            stallAfterSeconds: 30,
            ...(flags.imageReadPath === undefined ? {} : { imageReadPath: flags.imageReadPath }),
          },
        });
        err(`Job stored in ${seconds(t2)}.\n`);
        out(`Job ${job.id}\n`);
        process.exitCode = await runJob(state, job.id, flags);
      } finally {
        await state.close();
      }
    });
  return command;
}

/** `euca2nova worker`: take image copies from the queue, for migrations started elsewhere. */
export function createWorkerCommand(): Command {
  const command = new Command('worker').description(
    'Copy images for migrations that share this state database (run more on other machines; they need the same state key and images path).',
  );
  addStateOptions(command)
    .option('--concurrency <n>', 'image copies at once', '4')
    .action(async (flags: StateFlags & { concurrency?: string }) => {
      const concurrency = Number(flags.concurrency ?? 4);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
        throw new CliError('--concurrency must be a whole number from 1 to 64.');
      const state = await openState(flags, concurrency + 4);
      const queue = await TransferQueue.start(state.url);
      const workers = await startTransferWorkers({ store: state.store, queue, concurrency });
      err(
        `euca2nova worker: taking image copies (${String(concurrency)} at a time) from ${state.displayUrl}\n`,
      );
      await new Promise<void>((done) => {
        const stop = (): void => {
          done();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      workers.stop();
      await queue.stop({ timeoutMs: 30_000 });
      await state.close();
    });
  return command;
}
