import { AxeBuilder } from '@axe-core/playwright';
import { expect, type Page, type TestInfo } from '@playwright/test';

/**
 * What every step gets checked for once it shows: no serious or critical accessibility violation
 * (axe-core), and a full-page screenshot kept with the test's artifacts (never committed).
 */
export async function checkStep(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await testInfo.attach(`step ${name}`, {
    body: await page.screenshot({ fullPage: true }),
    contentType: 'image/png',
  });
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    serious.map(
      (v) => `${name}: ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    ),
  ).toEqual([]);
}
