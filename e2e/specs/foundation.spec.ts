import { AxeBuilder } from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { signIn } from '../support/auth.ts';

test.describe('the stack on embedded defaults', () => {
  test('the page shows the state database migrated, the empty demo Nova database and the demo Eucalyptus', async ({
    page,
  }, testInfo) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1, name: 'euca2nova' })).toBeVisible();
    await signIn(page);
    await expect(page.getByRole('heading', { name: 'The stack is running' })).toBeVisible();
    await expect(
      page.getByText(/State database: PostgreSQL \d+(\.\d+)? \(embedded\)/),
    ).toBeVisible();
    await expect(page.getByTestId('migrations')).toHaveText(/0001_jobs/);
    await expect(page.getByText('nova_demo')).toBeVisible();
    await expect(page.getByText('(0 tables)')).toBeVisible();
    await expect(page.getByTestId('demo-eucalyptus')).toHaveText(
      /^3\.4 at http:\/\/127\.0\.0\.1:\d+\/services\/Eucalyptus, 6 users, \d+ instances, \d+ images$/,
    );
    await testInfo.attach('home', {
      body: await page.screenshot({ fullPage: true }),
      contentType: 'image/png',
    });
  });

  test('a deep link is served by the wizard, not a 404', async ({ page }) => {
    const response = await page.goto('/jobs/some-job');
    expect(response?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1, name: 'euca2nova' })).toBeVisible();
  });

  test('the page has no serious or critical accessibility violation', async ({ page }) => {
    await page.goto('/');
    await signIn(page);
    await expect(page.getByRole('heading', { name: 'The stack is running' })).toBeVisible();
    const { violations } = await new AxeBuilder({ page }).analyze();
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(
      serious.map(
        (v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
      ),
    ).toEqual([]);
  });
});

test.describe('signing in', () => {
  test('the API refuses a caller without a session, and signing out ends it', async ({
    page,
    request,
  }) => {
    expect((await request.get('/api/status')).status()).toBe(401);
    await page.goto('/');
    await signIn(page);
    await expect(page.getByRole('heading', { name: 'The stack is running' })).toBeVisible();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  });

  test('a wrong password is refused with a message', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await page.getByLabel('Password', { exact: true }).fill('not the right password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('That password is not right.');
  });
});
