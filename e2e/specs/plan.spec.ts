import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import pg from 'pg';
import { CutoverStep } from '../pages/CutoverStep.ts';
import { JobsPage } from '../pages/JobsPage.ts';
import { NetworkStep } from '../pages/NetworkStep.ts';
import { ReviewStep } from '../pages/ReviewStep.ts';
import { Api, createEmptyDatabase } from '../support/api.ts';
import { checkStep } from '../support/steps.ts';

/*
 * Steps 6-8 and the past jobs, started from a plan made through the API: the demo Eucalyptus 3.4
 * discovered once, and a fresh Nova database per test, so one test's writes or conflicting rows
 * never reach another.
 */

interface Summary {
  id: string;
  fingerprint: string;
  runnable: boolean;
  cloudName: string;
  confirmedAt: string | null;
  counts: Record<string, Record<string, number>>;
  mappings: { network: { manager: string }; imageIdPrefix: string };
  findings: { key: string; severity: string; ruleId: string; acknowledged?: boolean }[];
}
interface NetworkView {
  mode: string;
  manager: string;
  recommendedManager: string;
  instances: { total: number; kept: number; changed: number };
  novaConf: string;
}
interface PlanItems {
  rows: { kind: string; sourceId: string; targetId?: string; action: string }[];
}

// Each screen gets an accessibility scan, which takes seconds on these long pages.
test.describe.configure({ timeout: 150_000 });

let api: Api;
let inventoryId: string;

test.beforeAll(async () => {
  api = await Api.signIn();
  const { eucalyptus } = await api.demoConnections();
  inventoryId = await api.discover(eucalyptus.id);
});

test.afterAll(async () => {
  await api.dispose();
});

/** An empty Nova Bexar database and images folder of its own, connected and initialised. */
async function freshNova(name: string): Promise<{ id: string; databaseUrl: string }> {
  const databaseUrl = await createEmptyDatabase(name);
  const imagesPath = await mkdtemp(join(tmpdir(), `euca2nova-e2e-${name}-`));
  const nova = await api.novaConnection(databaseUrl, imagesPath);
  await api.post(`/api/connections/${nova.id}/initialise`);
  return { id: nova.id, databaseUrl };
}

async function plan(targetId: string): Promise<Summary> {
  const created = await api.plan(inventoryId, targetId);
  return api.get<Summary>(`/api/plans/${created.id}`);
}

const planIdOf = (url: string): string => /\/plans\/([0-9a-f-]{36})\//.exec(url)?.[1] ?? '';

test('Network: the demo MANAGED mode maps to VlanManager; FlatDHCPManager plans again with its flags', async ({
  page,
}, testInfo) => {
  const nova = await freshNova('nova_plan_network');
  const p = await plan(nova.id);
  const view = await api.get<NetworkView>(`/api/plans/${p.id}/network?limit=1`);
  expect(view.mode).toBe('MANAGED');
  expect(view.manager).toBe('VlanManager');
  expect(view.instances.changed).toBeGreaterThan(0);
  expect(view.instances.kept).toBeGreaterThan(0);

  const network = new NetworkStep(page);
  await network.open(p.id);
  await expect(network.mapping).toContainText('Eucalyptus network mode: MANAGED');
  await expect(network.mapping).toContainText('read from eucalyptus.conf');
  await expect(network.mapping).toContainText('Nova network manager: VlanManager');
  await expect(network.mapping).toContainText('the recommended one');
  await expect(network.fixedIpCounts).toContainText(`${String(view.instances.kept)} kept`);
  await expect(network.fixedIpCounts).toContainText(`${String(view.instances.changed)} change`);
  await expect(network.networks.getByRole('row')).not.toHaveCount(0);
  await expect(network.novaConf).toContainText(
    '--network_manager=nova.network.manager.VlanManager',
  );
  await expect(network.novaConf).toContainText('--vlan_start=');
  // Changed ones come first, each with its status in words and the reason.
  await expect(network.rowsWithStatus('Changes').first()).toContainText('lies in the subnet');
  await checkStep(page, testInfo, 'network');

  await network.showInstances(/^Fixed IP changes/);
  await expect(network.rowsWithStatus('Changes')).toHaveCount(view.instances.changed);
  await expect(network.rowsWithStatus('Kept')).toHaveCount(0);
  await network.showInstances(/^Fixed IP kept/);
  await expect(network.rowsWithStatus('Kept')).toHaveCount(view.instances.kept);

  await network.planAgainWithManager('FlatDHCPManager');
  const replanned = planIdOf(page.url());
  expect(replanned).not.toBe(p.id);
  await expect(page.getByRole('status')).toContainText('The plan was made again');
  await expect(network.mapping).toContainText('Nova network manager: FlatDHCPManager');
  await expect(network.mapping).toContainText('instead of the recommended VlanManager');
  await expect(network.novaConf).toContainText(
    '--network_manager=nova.network.manager.FlatDHCPManager',
  );
  await expect(network.novaConf).not.toContainText('--vlan_start=');
  const stored = await api.get<Summary>(`/api/plans/${replanned}`);
  expect(stored.mappings.network.manager).toBe('FlatDHCPManager');
  await checkStep(page, testInfo, 'network replanned');

  await network.continueToReview();
  expect(planIdOf(page.url())).toBe(replanned);
});

test('Review: acknowledged warnings open the cutover; rewriting image ids plans again', async ({
  page,
}, testInfo) => {
  const nova = await freshNova('nova_plan_review');
  const p = await plan(nova.id);
  const warnings = p.findings.filter((f) => f.severity === 'warning');
  expect(warnings.length).toBeGreaterThan(0);
  expect(p.findings.filter((f) => f.severity === 'error')).toEqual([]);

  const review = new ReviewStep(page);
  await review.open(p.id);
  await expect(review.gate).toContainText(`${String(warnings.length)} warning`);
  await review.expectCutoverOpen(false);
  await expect(review.findingsOf('warning')).toHaveCount(warnings.length);
  await expect(review.counts.getByRole('row', { name: /^users/ })).toBeVisible();
  await expect(review.items.getByRole('row').nth(1)).toBeVisible();
  // The items are filtered on the server: the ones not migrated, each with its reason.
  const notMigrated = Object.values(p.counts).reduce((n, c) => n + (c.unsupported ?? 0), 0);
  await review.filterItems('Action', 'Not migrated');
  await expect(review.itemsTotal).toHaveText(`${String(notMigrated)} rows`);
  await expect(review.items.getByRole('row').nth(1)).toContainText('Not migrated:');
  await review.filterItems('Action', 'Every action');
  await checkStep(page, testInfo, 'review');

  await review.acknowledgeEveryWarning();
  await review.expectCutoverOpen(true);
  const acknowledged = await api.get<Summary>(`/api/plans/${p.id}`);
  expect(acknowledged.runnable).toBe(true);
  expect(acknowledged.fingerprint).not.toBe(p.fingerprint);
  expect(planIdOf(page.url())).toBe(p.id);
  await checkStep(page, testInfo, 'review acknowledged');

  await review.planAgainWithDecision(/^Rewrite to ami-, aki-, ari-/);
  const replanned = planIdOf(page.url());
  expect(replanned).not.toBe(p.id);
  await expect(page.getByRole('status')).toContainText('The plan was made again');
  await expect(page.getByRole('radio', { name: /^Rewrite to ami-.*in this plan$/ })).toBeChecked();
  const stored = await api.get<Summary>(`/api/plans/${replanned}`);
  expect(stored.mappings.imageIdPrefix).toBe('rewrite');
  const images = await api.get<PlanItems>(`/api/plans/${replanned}/items?kind=image&action=create`);
  expect(images.rows.length).toBeGreaterThan(0);
  for (const row of images.rows) expect(row.targetId).toMatch(/^a[mkr]i-/);
  // A new plan, whose warnings are its own to acknowledge.
  await review.expectCutoverOpen(false);
  await checkStep(page, testInfo, 'review replanned');
});

test('a blocking finding keeps the cutover closed until the conflict is removed and the plan made again', async ({
  page,
}, testInfo) => {
  const nova = await freshNova('nova_plan_blocked');
  // The Nova user id a Eucalyptus user becomes, from a first plan against the empty database.
  const first = await plan(nova.id);
  const users = await api.get<PlanItems>(`/api/plans/${first.id}/items?kind=user`);
  const user = users.rows.find((r) => r.sourceId !== 'eucalyptus/admin') ?? users.rows[0];
  expect(user?.targetId).toBeDefined();
  const novaUserId = user?.targetId ?? '';

  const review = new ReviewStep(page);
  // A row left over in Nova: the same user id with other keys.
  const db = new pg.Client({ connectionString: nova.databaseUrl });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO users (created_at, deleted, id, name, access_key, secret_key, is_admin)
       VALUES (now(), false, $1, $1, 'LEFTOVER-ACCESS-KEY', 'leftover-secret', false)`,
      [novaUserId],
    );
    const blocked = await plan(nova.id);
    const errors = blocked.findings.filter((f) => f.severity === 'error');
    expect(errors.map((f) => f.ruleId)).toEqual(['target.row-conflict']);
    expect(blocked.runnable).toBe(false);

    await review.open(blocked.id);
    await expect(review.gate).toContainText('The cutover is closed: 1 error blocks it');
    await expect(review.gate).toContainText(`${user?.sourceId ?? ''} is already in Nova`);
    await expect(review.gate.getByRole('link', { name: 'Back to choose' })).toBeVisible();
    await expect(review.findingsOf('error')).toHaveCount(1);
    await expect(review.findingsOf('error')).toContainText('remove it from the Nova database');
    // Acknowledging the warnings does not open it: the error still stands.
    await review.acknowledgeEveryWarning();
    await review.expectCutoverOpen(false);
    await checkStep(page, testInfo, 'review blocked');

    const cutover = new CutoverStep(page);
    await cutover.open(blocked.id);
    await expect(cutover.refusal).toContainText('The cutover is closed for this plan');
    await expect(cutover.refusal).toContainText('1 error blocks it');
    await expect(cutover.start).toHaveCount(0);
    await checkStep(page, testInfo, 'cutover refused');
    await page.getByRole('link', { name: 'Back to the review' }).click();
    await review.expectShown();

    // The operator removes the leftover row in Nova, then plans again as Nova is now.
    await db.query('DELETE FROM users WHERE id = $1', [novaUserId]);
  } finally {
    await db.end();
  }
  await review.planAgainAsNovaIsNow();
  await expect(page.getByRole('status')).toContainText('nothing blocks the cutover any more');
  await expect(review.findingsOf('error')).toHaveCount(0);
  await review.acknowledgeEveryWarning();
  await review.expectCutoverOpen(true);
  await checkStep(page, testInfo, 'review unblocked');
  await review.continueToCutover();
  await expect(page.getByRole('button', { name: 'Start the migration' })).toBeVisible();
});

test('Cutover: the start waits for the exact cloud name; the job opens and is listed in past jobs', async ({
  page,
}, testInfo) => {
  test.setTimeout(240_000);
  const nova = await freshNova('nova_plan_cutover');
  const p = await api.acknowledgeAll(await plan(nova.id));
  const { cloudName } = await api.get<Summary>(`/api/plans/${p.id}`);

  const cutover = new CutoverStep(page);
  await cutover.open(p.id);
  await expect(page.getByText("Nova's database gets")).toBeVisible();
  await expect(page.getByText('Nothing is deleted or changed in Eucalyptus')).toBeVisible();
  await checkStep(page, testInfo, 'cutover');

  await cutover.typeCloudName(cloudName);
  await expect(cutover.start).toBeDisabled();
  await cutover.tickEverything();
  await cutover.typeCloudName(cloudName.slice(0, -1));
  await expect(cutover.start).toBeDisabled();
  await cutover.typeCloudName(`${cloudName} `);
  await expect(cutover.start).toBeDisabled();
  await cutover.typeCloudName(
    cloudName.toUpperCase() === cloudName ? `x${cloudName}` : cloudName.toUpperCase(),
  );
  await expect(cutover.start).toBeDisabled();
  await cutover.typeCloudName(cloudName);
  await expect(cutover.start).toBeEnabled();
  await checkStep(page, testInfo, 'cutover confirmed');

  // As if the plan had changed since the page showed it (acknowledged again in another tab): the
  // confirmation names another fingerprint, which the server refuses; the page says so.
  await page.route('**/api/jobs', async (route) => {
    const body = route.request().postDataJSON() as { planId: string };
    await route.continue({ postData: JSON.stringify({ ...body, fingerprint: '0'.repeat(64) }) });
  });
  await cutover.start.click();
  await expect(page.getByRole('alert')).toContainText('The plan changed since this page showed it');
  await expect(page).toHaveURL(new RegExp(`/plans/${p.id}/cutover$`));
  await page.unrouteAll();
  expect((await api.get<Summary>(`/api/plans/${p.id}`)).confirmedAt).toBeNull();

  const jobId = await cutover.startMigration();

  const confirmed = await api.get<Summary>(`/api/plans/${p.id}`);
  expect(confirmed.confirmedAt).not.toBeNull();
  // Back on the cutover of a confirmed plan: refused, with the way to its job.
  await cutover.open(p.id);
  await expect(cutover.refusal).toContainText('This plan was already confirmed');
  await expect(cutover.refusal.getByRole('link', { name: 'Open its migration' })).toHaveAttribute(
    'href',
    `/jobs/${jobId}`,
  );

  const jobs = new JobsPage(page);
  await jobs.open();
  await expect(jobs.rows.first()).toHaveAttribute('data-job-id', jobId);
  await expect(jobs.row(jobId)).toContainText('Migration');
  // The discovery reopens on Choose, against the Nova target it was last planned with.
  const choose = jobs.rows.locator(
    `a[href="/migrate/choose?inventory=${inventoryId}&target=${nova.id}"]`,
  );
  await expect(choose).toHaveCount(1);
  await expect(choose).toHaveAccessibleName(/^Choose from discovery/);
  await checkStep(page, testInfo, 'past jobs');
  await jobs.openProgress(jobId);

  // Once finished, its report opens from the list too.
  const done = await api.waitForJob(jobId, 150_000);
  expect(done.status).toBe('succeeded');
  await jobs.open();
  await expect(jobs.row(jobId)).toContainText('Succeeded');
  await expect(jobs.row(jobId).getByRole('link', { name: /^Report of migration/ })).toHaveAttribute(
    'href',
    `/jobs/${jobId}/report`,
  );
  // The home page lists it among the recent jobs.
  await page.goto('/');
  await expect(
    page
      .getByRole('table', { name: 'Recent jobs' })
      .getByRole('link', { name: /^Progress of migration/ })
      .first(),
  ).toHaveAttribute('href', `/jobs/${jobId}`);
  await checkStep(page, testInfo, 'home with recent jobs');
});
