import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReportSchema } from '@euca2nova/model';
import { expect, test, type Page } from '@playwright/test';
import { ProgressStep } from '../pages/ProgressStep.ts';
import { ReportStep } from '../pages/ReportStep.ts';
import { Api, createEmptyDatabase } from '../support/api.ts';
import { E2E_PORT } from '../support/env.ts';
import { checkStep } from '../support/steps.ts';
import { JobsPage } from '../pages/JobsPage.ts';

/*
 * Steps 9 and 10: a migration watched, reloaded mid-run, steered (pause, resume, cancel), and its
 * report read and downloaded. Earlier steps are prepared through the API.
 *
 * The source is a Eucalyptus 3.4 simulator of this spec's own (the demo scenario) whose Walrus
 * sends image bodies slowly: the server's demo copies its images in about two seconds, too fast
 * to reload or pause the page in the middle of a copy with any certainty. Each test writes into
 * a fresh, empty Nova database and images folder.
 */

const REPO = join(import.meta.dirname, '..', '..');
const SIM_PORT = E2E_PORT + 5;
const SIM_DIR = join(tmpdir(), `euca2nova-e2e-${String(E2E_PORT)}-run-sim`);
const SIM_URL = `http://127.0.0.1:${String(SIM_PORT)}`;
/** 4 MiB images at 256 KiB/s: each copy takes about 16 s after its 2 s assembly. */
const IMAGE_SIZE = 4 * 1024 * 1024;
const SLOW_BODY = 256 * 1024;
const NOVA_EC2_URL = 'http://nova.example.org:8773/services/Cloud';

interface SimUser {
  name: string;
  accountName: string;
  iamUserName: string;
  accessKey: string;
  secretKey: string;
}
interface PlanDetail {
  id: string;
  counts: Record<string, Record<string, number>>;
}

let sim: ChildProcess | undefined;

async function startSlowSimulator(): Promise<ChildProcess> {
  await rm(SIM_DIR, { recursive: true, force: true });
  const child = spawn(
    process.execPath,
    [
      'apps/cli/bin/euca2nova.js',
      'sim',
      '--port',
      String(SIM_PORT),
      '--dir',
      SIM_DIR,
      '--image-size',
      String(IMAGE_SIZE),
      '--slow-body',
      String(SLOW_BODY),
      '--controller-db',
      'none',
      '--control',
    ],
    { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await expect
    .poll(
      async () => {
        if (child.exitCode !== null) throw new Error(`the simulator stopped: ${stderr}`);
        return fetch(`${SIM_URL}/__sim/faults`)
          .then((r) => r.ok)
          .catch(() => false);
      },
      { timeout: 60_000, intervals: [250, 500, 1000] },
    )
    .toBe(true);
  return child;
}

/** How fast the simulator's Walrus sends image bodies from now on. */
async function setImageRate(bytesPerSecond: number): Promise<void> {
  const res = await fetch(`${SIM_URL}/__sim/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ slowBodyBytesPerSec: bytesPerSecond }),
  });
  expect(res.ok).toBe(true);
}

async function simUsers(): Promise<SimUser[]> {
  const res = await fetch(`${SIM_URL}/__sim/scenario`);
  return ((await res.json()) as { users: SimUser[] }).users;
}

/**
 * What the steps before Progress make: connections (this spec's simulator, a fresh Nova), an
 * inventory, a plan of `users` with every warning acknowledged, and a started migration.
 */
async function startRun(
  api: Api,
  database: string,
  users: string[],
  imageRate = SLOW_BODY,
): Promise<{ jobId: string; plan: PlanDetail; imagesPath: string }> {
  // A first assembly takes its 2 s again: the copies start at the same pace in every test.
  await fetch(`${SIM_URL}/__sim/image-cache`, { method: 'DELETE' });
  await setImageRate(imageRate);
  const novaUrl = await createEmptyDatabase(database);
  const imagesPath = await mkdtemp(join(tmpdir(), `euca2nova-e2e-${database}-`));
  const nova = await api.novaConnection(novaUrl, imagesPath);
  await api.post(`/api/connections/${nova.id}/initialise`);
  // No cloud-pk.pem: images come through GetDecryptedImage, a stream whose progress shows as it
  // goes (with the key, a bundle part of up to 10 MiB is fetched whole before any byte counts).
  const files = {
    eucarc: await readFile(join(SIM_DIR, 'eucarc'), 'utf8'),
    eucalyptusConf: await readFile(join(SIM_DIR, 'eucalyptus.conf'), 'utf8'),
  };
  const source = await api.post<{ id: string }>('/api/connections/eucalyptus', {
    name: 'Slow cloud',
    files,
  });
  const inventory = await api.discover(source.id);
  const plan = await api.acknowledgeAll(await api.plan(inventory, nova.id, { users }));
  const job = await api.startMigration(plan);
  return { jobId: job.id, plan: await api.get<PlanDetail>(`/api/plans/${plan.id}`), imagesPath };
}

const sumCounts = (counts: PlanDetail['counts']): number =>
  Object.values(counts).reduce(
    (n, byAction) => n + Object.values(byAction).reduce((m, c) => m + c, 0),
    0,
  );

async function contentTypeOf(page: Page, href: string): Promise<string> {
  // The browser's own session: the same cookie the download link used.
  const res = await page.request.get(href);
  expect(res.ok()).toBe(true);
  return res.headers()['content-type'] ?? '';
}

test.describe('the run and its report', () => {
  test.beforeAll(async () => {
    sim = await startSlowSimulator();
  });

  test.afterAll(async () => {
    if (sim === undefined || sim.exitCode !== null) return;
    const exited = new Promise((resolve) => sim?.once('exit', resolve));
    sim.kill('SIGTERM');
    await exited;
    await rm(SIM_DIR, { recursive: true, force: true });
  });

  test('a run is watched to the end through a reload, then its report is read and downloaded', async ({
    page,
  }, testInfo) => {
    test.setTimeout(180_000);
    const api = await Api.signIn();
    const { jobId, plan, imagesPath } = await startRun(api, 'nova_run_watch', ['bob/admin']);
    const planTotal = sumCounts(plan.counts);
    const imagesToCopy = plan.counts['image']?.['create'] ?? 0;
    expect(imagesToCopy).toBeGreaterThan(0);

    const progress = new ProgressStep(page);
    await progress.open(jobId);
    await progress.expectLive();
    // The row phases come first, each with its items.
    await expect(progress.phaseRow('Users and keys')).toContainText('Done', { timeout: 30_000 });
    await expect(progress.phaseRow('Networks and fixed IPs')).toContainText(/of \d+/);
    // The copies show their rate while they run.
    await expect(progress.copyingRow().first()).toBeVisible({ timeout: 30_000 });
    expect((await progress.items()).total).toBe(planTotal);
    const firstBytes = await progress.bytesDone();
    await expect.poll(() => progress.bytesDone(), { timeout: 20_000 }).toBeGreaterThan(firstBytes);

    // Reload in the middle of the copies: the page starts where it was, not from zero.
    const beforeReload = { items: await progress.items(), bytes: await progress.bytesDone() };
    expect(beforeReload.bytes).toBeGreaterThan(0);
    await page.reload();
    await progress.expectLoaded();
    expect((await progress.items()).done).toBeGreaterThanOrEqual(beforeReload.items.done);
    expect(await progress.bytesDone()).toBeGreaterThanOrEqual(beforeReload.bytes);
    await expect(progress.transferRows()).not.toHaveCount(0);
    await progress.expectLive();
    await checkStep(page, testInfo, 'progress running');

    await progress.expectStatus('Succeeded', 90_000);
    // The totals are the plan's: every item done or left out as planned, every byte copied.
    const done = await progress.items();
    expect(done.total).toBe(planTotal);
    const leftOut = Object.values(plan.counts).reduce(
      (n, byAction) => n + (byAction['unsupported'] ?? 0) + (byAction['conflict'] ?? 0),
      0,
    );
    expect(done.done).toBe(planTotal - leftOut);
    await expect(progress.overallBytes).toHaveText(/^([\d.]+ \w+) of \1$/);
    await expect(progress.transferRows().filter({ hasText: 'Done' })).toHaveCount(imagesToCopy);
    await expect(progress.phaseRow('Verify')).toContainText('Done');
    // The log: phases at info level, each item written at debug level on request.
    await expect(progress.log).toContainText('Phase images started');
    await expect(progress.log).not.toContainText('written');
    await progress.showLogLevel('Debug', true);
    await expect(progress.log).toContainText('written');
    await checkStep(page, testInfo, 'progress succeeded');

    await progress.openReport();
    const report = new ReportStep(page);
    await report.expectLoaded();
    await expect(report.verification).toHaveText(/Matching/);
    expect(await report.count('Images', 'Created')).toBe(imagesToCopy);
    expect(await report.count('Instances', 'Created')).toBe(plan.counts['instance']?.['create']);
    // One bar per phase timed (a phase of 0 ms has a bar of no width).
    await expect(report.timingsChart.locator('svg').first()).toBeVisible();
    const timed = await report.timings.locator('tbody tr').count();
    expect(timed).toBeGreaterThan(0);
    await expect(report.timingsChart.locator('.recharts-bar-rectangle')).toHaveCount(timed);
    await expect(report.timings).toContainText('Images');

    // The id map, searched for one instance.
    const instances = await api.get<{ rows: { sourceId: string }[] }>(
      `/api/plans/${plan.id}/items?kind=instance&limit=1`,
    );
    const instanceId = instances.rows[0]?.sourceId ?? '';
    expect(instanceId).toMatch(/^i-/);
    await expect(report.idMapRows()).not.toHaveCount(0);
    await report.searchIdMap(instanceId);
    await expect(report.idMapRows()).toHaveCount(1);
    await expect(report.idMapRows().first()).toContainText(instanceId);
    await checkStep(page, testInfo, 'report');

    // A user's notice names their access key id, never their secret key.
    const bob = (await simUsers()).find((u) => u.name === 'bob');
    expect(bob).toBeDefined();
    const notice = await report.showUser(`${bob?.accountName ?? ''}/${bob?.iamUserName ?? ''}`);
    await expect(notice).toHaveValue(new RegExp(bob?.accessKey ?? '-'));
    expect(await notice.inputValue()).not.toContain(bob?.secretKey);
    await report.setNovaEc2Url(NOVA_EC2_URL);
    await expect(notice).toHaveValue(new RegExp(NOVA_EC2_URL.replace(/[.]/g, '\\.')));
    await checkStep(page, testInfo, 'report user');

    // Each download: the JSON is a valid report, the CSV the id map, HTML and PDF are named files.
    const json = await report.download('json');
    expect(json.suggestedFilename()).toMatch(/^euca2nova-report-.+\.json$/);
    const parsed = ReportSchema.parse(JSON.parse(await readFile(await json.path(), 'utf8')));
    expect(parsed.jobId).toBe(jobId);
    expect(parsed.verification.result).toBe('matching');
    const csv = await report.download('csv');
    expect(csv.suggestedFilename()).toMatch(/^euca2nova-report-.+\.csv$/);
    const lines = (await readFile(await csv.path(), 'utf8')).trim().split(/\r?\n/);
    expect(lines[0]).toBe('kind,source_id,target_id,owner,changed');
    expect(lines.some((l) => l.startsWith(`instance,${instanceId},`))).toBe(true);
    expect(lines.length - 1).toBe(parsed.idMap.length);
    for (const [format, type] of [
      ['html', 'text/html'],
      ['pdf', 'application/pdf'],
    ] as const) {
      const file = await report.download(format);
      expect(file.suggestedFilename()).toMatch(new RegExp(`^euca2nova-report-.+\\.${format}$`));
      const href = await report.downloadLink(format).getAttribute('href');
      expect(await contentTypeOf(page, href ?? '')).toContain(type);
    }

    // The job is listed among the past jobs, and its report reopens from there.
    await page.getByRole('link', { name: 'Past jobs' }).last().click();
    await expect(page.getByRole('heading', { level: 2, name: 'Past jobs' })).toBeVisible();
    await checkStep(page, testInfo, 'past jobs');
    await new JobsPage(page)
      .row(jobId)
      .getByRole('link', { name: /^Report of migration/ })
      .click();
    await report.expectLoaded();

    await rm(imagesPath, { recursive: true, force: true });
    await api.dispose();
  });

  test('the operator pauses, resumes and cancels a run with the buttons', async ({
    page,
  }, testInfo) => {
    test.setTimeout(180_000);
    const api = await Api.signIn();
    // Slower still: the run must outlast a pause, a resume and two confirmations.
    const { jobId, imagesPath } = await startRun(
      api,
      'nova_run_steer',
      ['alice/admin'],
      Math.floor(SLOW_BODY / 3),
    );
    const progress = new ProgressStep(page);
    await progress.open(jobId);
    await progress.expectLive();
    await expect(progress.copyingRow().first()).toBeVisible({ timeout: 30_000 });

    await progress.pause();
    await progress.expectStatus('Paused');
    await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeHidden();
    await expect(page.getByRole('button', { name: 'Resume' })).toBeVisible();
    await checkStep(page, testInfo, 'progress paused');
    // Nothing moves while paused (the copies' last saved offsets arrive just after the pause).
    await expect(progress.transferRows().filter({ hasText: 'Paused' }).first()).toBeVisible();
    const pausedAt = await progress.bytesDone();
    await page.waitForTimeout(2000);
    expect(await progress.bytesDone()).toBe(pausedAt);

    await progress.resume();
    await progress.expectStatus('Running');
    await expect.poll(() => progress.bytesDone(), { timeout: 45_000 }).toBeGreaterThan(pausedAt);

    await page.getByRole('button', { name: 'Cancel…' }).click();
    await checkStep(page, testInfo, 'progress cancel confirmation');
    await page.getByRole('button', { name: 'Do not cancel' }).click();
    await progress.expectStatus('Running');
    await progress.cancel();
    await progress.expectStatus('Cancelled', 30_000);
    await expect(page.getByText('The run stopped for good.')).toBeVisible();
    for (const name of ['Pause', 'Resume', 'Cancel…'])
      await expect(page.getByRole('button', { name, exact: true })).toBeHidden();
    await checkStep(page, testInfo, 'progress cancelled');

    await rm(imagesPath, { recursive: true, force: true });
    await api.dispose();
  });
});
