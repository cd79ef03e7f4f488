import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReportSchema } from '@euca2nova/model';
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { ChooseStep } from '../pages/ChooseStep.ts';
import { CutoverStep } from '../pages/CutoverStep.ts';
import { DiscoverStep } from '../pages/DiscoverStep.ts';
import { EucalyptusStep } from '../pages/EucalyptusStep.ts';
import { NetworkStep } from '../pages/NetworkStep.ts';
import { NovaStep } from '../pages/NovaStep.ts';
import { ProgressStep } from '../pages/ProgressStep.ts';
import { ReportStep } from '../pages/ReportStep.ts';
import { ReviewStep } from '../pages/ReviewStep.ts';
import { createEmptyDatabase } from '../support/api.ts';
import { SIM20_DIR } from '../support/env.ts';
import { checkStep } from '../support/steps.ts';

/*
 * The whole migration as an operator clicks through it, nothing prepared behind the page: sign-in
 * (the setup project), both connections, discovery, a subset chosen, the network mapped, the plan
 * reviewed, the cutover confirmed, the run watched through a reload, the report read and each
 * download checked. Once from the server's demo Eucalyptus 3.4 (one click) and once from a
 * Eucalyptus 2.0 whose eucarc and eucalyptus.conf are dropped as files; each into a fresh Nova
 * database that the Nova step itself gives Bexar's schema.
 */

interface Source {
  /** Connects the source on the Eucalyptus step; resolves on the Nova step. */
  connect(page: Page, testInfo: TestInfo): Promise<void>;
  /** The user whose resources are chosen (the users table names them so). */
  user: string;
  /** The network mode eucalyptus.conf says, and the Nova manager it maps to. */
  mode: string;
  manager: string;
  /** What the cutover asks to type. */
  cloudName: string;
}

const SOURCES: Record<string, Source> = {
  'the demo Eucalyptus 3.4': {
    connect: async (page) => {
      const euca = new EucalyptusStep(page);
      await euca.useDemo();
    },
    user: 'alice/admin',
    mode: 'MANAGED',
    manager: 'VlanManager',
    cloudName: 'demo',
  },
  'a Eucalyptus 2.0 from its dropped eucarc and eucalyptus.conf': {
    connect: async (page, testInfo) => {
      const euca = new EucalyptusStep(page);
      await euca.dropFiles([join(SIM20_DIR, 'eucarc'), join(SIM20_DIR, 'eucalyptus.conf')]);
      await euca.fill({ name: 'Old cloud 2.0' });
      await euca.saveAndTest();
      await expect(euca.found()).toHaveText(/^Eucalyptus 2\.\S+ with 6 users\.$/);
      await checkStep(page, testInfo, 'eucalyptus tested');
      await euca.continueButton.click();
    },
    user: 'bob',
    mode: 'MANAGED-NOVLAN',
    manager: 'FlatDHCPManager',
    cloudName: 'Old cloud 2.0',
  },
};

for (const [name, source] of Object.entries(SOURCES)) {
  test(`the whole migration from ${name}, through the browser`, async ({ page }, testInfo) => {
    test.setTimeout(300_000);
    const database = `nova_flow_${source.mode.toLowerCase().replace(/-/g, '_')}`;
    const databaseUrl = await createEmptyDatabase(database);
    const imagesPath = await mkdtemp(join(tmpdir(), `euca2nova-e2e-${database}-`));
    try {
      // 2. Eucalyptus.
      const euca = new EucalyptusStep(page);
      await euca.open();
      await checkStep(page, testInfo, 'eucalyptus');
      await source.connect(page, testInfo);

      // 3. Nova: a fresh database, given Bexar's schema here, for a trial.
      const nova = new NovaStep(page);
      await expect(nova.heading).toBeVisible({ timeout: 20_000 });
      // After the demo, its Nova is shown; otherwise the form is.
      const another = page.getByRole('button', { name: 'Connect another database' });
      const form = page.getByRole('textbox', { name: 'Nova database URL' });
      await expect(another.or(form)).toBeVisible({ timeout: 20_000 });
      if (await another.isVisible()) await nova.connectAnother();
      await nova.fill(databaseUrl, imagesPath);
      await nova.saveAndTest();
      await nova.expectStatus('empty');
      await nova.askToInitialise();
      await nova.initialise();
      await nova.expectStatus('bexar');
      await checkStep(page, testInfo, 'nova');
      await nova.continueButton.click();

      // 4. Discover.
      const discover = new DiscoverStep(page);
      await expect(discover.heading).toBeVisible({ timeout: 20_000 });
      await discover.start();
      await discover.waitForOverview();
      await checkStep(page, testInfo, 'discover');
      await discover.choose();

      // 5. Choose one user and what they own.
      const choose = new ChooseStep(page);
      await expect(choose.summary).toBeVisible({ timeout: 20_000 });
      await choose.selectUser(source.user);
      await expect(choose.summary).toContainText(source.user);
      await choose.expectPreviewSettled();
      await checkStep(page, testInfo, 'choose');
      await choose.makePlan();

      // 6. Network: the mode found and the manager it maps to.
      const network = new NetworkStep(page);
      await network.expectShown();
      await expect(network.mapping).toContainText(source.mode);
      await expect(network.mapping).toContainText(source.manager);
      await expect(network.novaConf).toContainText(
        `--network_manager=nova.network.manager.${source.manager}`,
      );
      await checkStep(page, testInfo, 'network');
      await network.continueToReview();

      // 7. Review: the warnings acknowledged, the way to the cutover open.
      const review = new ReviewStep(page);
      await review.expectShown();
      if (await page.getByRole('button', { name: 'Tick every warning' }).isVisible())
        await review.acknowledgeEveryWarning();
      await review.expectCutoverOpen(true);
      await checkStep(page, testInfo, 'review');
      await review.continueToCutover();

      // 8. Cutover: the checklist and the cloud's name typed.
      const cutover = new CutoverStep(page);
      await expect(cutover.cloudName).toBeVisible({ timeout: 20_000 });
      await cutover.tickEverything();
      await expect(cutover.start).toBeDisabled();
      await cutover.typeCloudName(source.cloudName);
      await checkStep(page, testInfo, 'cutover');
      const jobId = await cutover.startMigration();

      // 9. Progress, through a reload, to the end.
      const progress = new ProgressStep(page);
      await progress.expectLoaded();
      await page.reload();
      await progress.expectLoaded();
      await progress.expectStatus('Succeeded', 120_000);
      const items = await progress.items();
      expect(items.total).toBeGreaterThan(0);
      await expect(progress.overallBytes).toHaveText(/^([\d.]+ \w+) of \1$/);
      await checkStep(page, testInfo, 'progress');
      await progress.openReport();

      // 10. The report: verified, and every download what it says.
      const report = new ReportStep(page);
      await report.expectLoaded();
      await expect(report.verification).toHaveText(/Matching/);
      await checkStep(page, testInfo, 'report');
      const json = await report.download('json');
      const parsed = ReportSchema.parse(JSON.parse(await readFile(await json.path(), 'utf8')));
      expect(parsed.jobId).toBe(jobId);
      expect(parsed.verification.result).toBe('matching');
      const owners = new Set(parsed.idMap.flatMap((e) => (e.owner === undefined ? [] : [e.owner])));
      // Only the chosen user's resources, and what they need (public images have other owners).
      expect(owners.has(source.user)).toBe(true);
      const instances = parsed.idMap.filter((e) => e.kind === 'instance');
      expect(instances.length).toBeGreaterThan(0);
      expect(instances.every((e) => e.owner === source.user)).toBe(true);
      const csv = (await readFile(await (await report.download('csv')).path(), 'utf8'))
        .trim()
        .split(/\r?\n/);
      expect(csv[0]).toBe('kind,source_id,target_id,owner,changed');
      expect(csv).toHaveLength(parsed.idMap.length + 1);
      for (const i of instances)
        expect(csv.some((l) => l.startsWith(`instance,${i.sourceId},${i.targetId},`))).toBe(true);
      const html = await readFile(await (await report.download('html')).path(), 'utf8');
      expect(html).toContain('<html');
      expect(html).toContain(jobId);
      const pdf = await readFile(await (await report.download('pdf')).path());
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    } finally {
      await rm(imagesPath, { recursive: true, force: true });
    }
  });
}
