import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { ChooseStep } from '../pages/ChooseStep.ts';
import { DiscoverStep } from '../pages/DiscoverStep.ts';
import { EucalyptusStep } from '../pages/EucalyptusStep.ts';
import { NovaStep } from '../pages/NovaStep.ts';
import { Api, createEmptyDatabase } from '../support/api.ts';
import { SIM20_DIR } from '../support/env.ts';
import { checkStep } from '../support/steps.ts';

/*
 * Steps 2-5 in the browser: connect Eucalyptus and Nova, discover, choose, plan. Only the
 * server's own demo (Eucalyptus 3.4, an empty demo Nova) and the 2.0 simulator are used, and the
 * demo Nova database is never written: the trial schema goes into a database of this spec.
 */

interface Overview {
  overview: { counts: Record<string, number> };
}

/** A value of the 2.0 simulator's eucarc (export NAME='value'). */
function eucarcValue(text: string, name: string): string {
  const m = new RegExp(`^\\s*(?:export\\s+)?${name}=['"]?([^'"\\n]*)`, 'm').exec(text);
  if (m?.[1] === undefined) throw new Error(`the eucarc sets no ${name}`);
  return m[1];
}

test.describe('connecting both sides, discovering and choosing', () => {
  test('the demo in one click, a trial Nova initialised, discovery per kind, a subset chosen, the plan made', async ({
    page,
  }, testInfo) => {
    test.setTimeout(240_000);
    const euca = new EucalyptusStep(page);
    await euca.open();
    await checkStep(page, testInfo, 'eucalyptus');
    await euca.useDemo();

    // The demo Nova database is empty: the test says so and offers the trial path.
    const nova = new NovaStep(page);
    await nova.expectStatus('empty');
    await expect(nova.initialiseButton).toBeVisible();
    await expect(nova.continueButton).toHaveCount(0);
    await checkStep(page, testInfo, 'nova demo (empty)');

    // A scratch database of this spec takes the trial schema, so the demo one stays empty.
    const databaseUrl = await createEmptyDatabase('nova_e2e_connect');
    const password = new URL(databaseUrl).password;
    const imagesPath = await mkdtemp(join(tmpdir(), 'euca2nova-e2e-connect-images-'));
    await nova.connectAnother();
    await checkStep(page, testInfo, 'nova form');
    await nova.fill(databaseUrl, imagesPath);
    await nova.saveAndTest();
    await nova.expectStatus('empty');
    await nova.askToInitialise();
    await checkStep(page, testInfo, 'nova (confirm the trial schema)');
    await nova.initialise();
    await nova.expectStatus('bexar');
    await expect(page.getByTestId('target-found')).toContainText('Nova 2011.1 (Bexar)');
    await expect(page.getByText('password stored').first()).toBeVisible();
    expect(await page.content()).not.toContain(password);
    await checkStep(page, testInfo, 'nova initialised');
    await nova.continueButton.click();

    // Discovery: progress per resource, the same after a reload, then the overview.
    const discover = new DiscoverStep(page);
    await expect(discover.heading).toBeVisible({ timeout: 20_000 });
    await checkStep(page, testInfo, 'discover (start)');
    const jobId = await discover.start();
    await page.reload();
    expect(new URL(page.url()).searchParams.get('job')).toBe(jobId);
    const inventoryId = await discover.waitForOverview();
    for (const resource of ['users', 'images', 'instances'])
      await expect(discover.progressOf(resource)).toContainText(/(\d+) of \1 ✓/);
    await checkStep(page, testInfo, 'discover (overview)');
    const api = await Api.signIn();
    const inventory = await api.get<Overview>(`/api/inventories/${inventoryId}`);
    await api.dispose();
    for (const [kind, n] of Object.entries(inventory.overview.counts))
      await expect(discover.count(kind)).toHaveText(n.toLocaleString('en'));
    await discover.choose();

    // Choose: one user, without snapshots; the preview shows what comes with it and why.
    const choose = new ChooseStep(page);
    await expect(choose.summary).toHaveText('Everything: every user and all they own.', {
      timeout: 20_000,
    });
    await checkStep(page, testInfo, 'choose (everything)');
    await choose.selectUser('alice/admin');
    await choose.uncheckKind('Snapshots');
    await expect(choose.summary).toHaveText('Everything but snapshots, of user alice/admin.');
    await choose.expectPreviewSettled();
    await expect(choose.previewOf('snapshot')).toContainText(/Snapshots\s*0/);
    await expect(choose.pulledIn).toContainText(
      /image e[mkr]i-[0-9A-F]{8} needed by instance i-[0-9A-F]{8} \(image\)/,
    );
    await choose.openKind('Instances');
    await expect(
      page.getByRole('table', { name: 'Instances', exact: true }).getByRole('row'),
    ).not.toHaveCount(0);
    await checkStep(page, testInfo, 'choose (alice without snapshots)');

    // The selection survives a reload.
    await page.reload();
    await expect(choose.summary).toHaveText('Everything but snapshots, of user alice/admin.', {
      timeout: 20_000,
    });
    const planId = await choose.makePlan();
    expect(planId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('the 2.0 simulator from its eucarc and eucalyptus.conf dropped as files', async ({
    page,
  }, testInfo) => {
    const euca = new EucalyptusStep(page);
    await euca.open();
    await euca.dropFiles([join(SIM20_DIR, 'eucarc'), join(SIM20_DIR, 'eucalyptus.conf')]);
    await expect(euca.attachedFiles()).toHaveCount(2);
    await expect(euca.attachedFiles().filter({ hasText: 'eucarc — eucarc' })).toBeVisible();
    await expect(
      euca.attachedFiles().filter({ hasText: 'eucalyptus.conf — eucalyptus.conf' }),
    ).toBeVisible();
    // eucalyptus.conf says the network mode: no need to ask.
    await expect(page.getByLabel('Network mode')).toHaveCount(0);
    await checkStep(page, testInfo, 'eucalyptus (2.0 files dropped)');
    await euca.fill({ name: 'the 2.0 test cloud' });
    await euca.saveAndTest();
    const scenario = JSON.parse(await readFile(join(SIM20_DIR, 'scenario.json'), 'utf8')) as {
      users: unknown[];
    };
    await expect(euca.found()).toHaveText(
      new RegExp(`^Eucalyptus 2\\.(x|0[\\d.]*) with ${String(scenario.users.length)} users\\.$`),
    );
    await expect(page.getByRole('table', { name: 'What the test found' })).toContainText(
      'MANAGED-NOVLAN',
    );
    await expect(euca.continueButton).toBeVisible();
    await checkStep(page, testInfo, 'eucalyptus (2.0 tested)');
  });

  test('wrong keys and an unreachable Nova database: the problem in words, no way on, no password shown', async ({
    page,
  }, testInfo) => {
    const eucarc = await readFile(join(SIM20_DIR, 'eucarc'), 'utf8');
    const euca = new EucalyptusStep(page);
    await euca.open();
    await euca.fill({
      ec2Url: eucarcValue(eucarc, 'EC2_URL'),
      accessKey: eucarcValue(eucarc, 'EC2_ACCESS_KEY'),
      secretKey: 'this-is-not-the-secret-key',
    });
    await euca.saveAndTest();
    await expect(euca.problem()).toContainText('The cloud refused the keys');
    await expect(euca.problem()).toContainText(/rejected.*Check the access key and secret key/);
    await expect(euca.continueButton).toHaveCount(0);
    await expect(page.getByText('this-is-not-the-secret-key')).toHaveCount(0);
    await checkStep(page, testInfo, 'eucalyptus (wrong keys)');

    // The way out: the form again with what may be shown, the secret to type again.
    await page.getByRole('button', { name: 'Change the connection' }).click();
    await expect(page.getByRole('textbox', { name: 'Access key' })).toHaveValue(
      eucarcValue(eucarc, 'EC2_ACCESS_KEY'),
    );
    await expect(page.getByRole('textbox', { name: 'Secret key' })).toHaveValue('');
    await checkStep(page, testInfo, 'eucalyptus (change the connection)');

    const api = await Api.signIn();
    const { eucalyptus } = await api.demoConnections();
    await api.dispose();
    const nova = new NovaStep(page);
    await nova.open(eucalyptus.id);
    await nova.fill('postgres://nova:secret@127.0.0.1:1/nova', '/tmp');
    await nova.saveAndTest();
    await expect(nova.problem()).toContainText('The Nova database could not be reached');
    await expect(nova.problem()).toContainText('ECONNREFUSED');
    await expect(nova.problem()).toContainText('pg_hba.conf');
    await expect(nova.continueButton).toHaveCount(0);
    await expect(page.getByText('password stored').first()).toBeVisible();
    expect(await page.content()).not.toContain('secret');
    await checkStep(page, testInfo, 'nova (unreachable)');
  });
});
