import { expect, type Locator, type Page } from '@playwright/test';

/** A page arriving (its chunk, its data, or a plan made again) on a machine that may be busy. */
const ARRIVAL = { timeout: 20_000 };

/** Step 6, /plans/:planId/network: the mapping, the networks, the fixed IPs, nova.conf. */
export class NetworkStep {
  readonly mapping: Locator;
  readonly novaConf: Locator;
  readonly fixedIpCounts: Locator;
  readonly instances: Locator;
  readonly networks: Locator;

  constructor(readonly page: Page) {
    this.mapping = page.getByTestId('network-mapping');
    this.novaConf = page.getByTestId('nova-conf');
    this.fixedIpCounts = page.getByTestId('fixed-ip-counts');
    this.instances = page.getByRole('table', { name: 'Fixed IPs of the instances', exact: true });
    this.networks = page.getByRole('table', { name: 'Networks to be created', exact: true });
  }

  async open(planId: string): Promise<void> {
    await this.page.goto(`/plans/${planId}/network`);
    await this.expectShown();
  }

  async expectShown(): Promise<void> {
    await expect(this.page.getByRole('heading', { level: 2, name: 'Network' })).toBeVisible(
      ARRIVAL,
    );
    await expect(this.mapping).toBeVisible(ARRIVAL);
    await expect(this.novaConf).toBeVisible(ARRIVAL);
  }

  /** Filters the instance table by its "Show" choice (e.g. "Fixed IP changes"). */
  async showInstances(choice: RegExp | string): Promise<void> {
    await this.page.getByRole('combobox', { name: 'Show' }).click();
    await this.page.getByRole('option', { name: choice }).click();
  }

  /** The instance rows with a given fixed-IP status ("Kept", "Changes", …) now loaded. */
  rowsWithStatus(status: string): Locator {
    return this.instances.getByRole('row').filter({ hasText: status });
  }

  /** Chooses another manager and plans again; resolves on the new plan's page. */
  async planAgainWithManager(manager: string): Promise<void> {
    const before = this.page.url();
    await this.page.getByRole('radio', { name: new RegExp(`^${manager}`) }).check();
    await this.page.getByRole('button', { name: `Plan again with ${manager}` }).click();
    await expect(this.page).not.toHaveURL(before, ARRIVAL);
    await expect(this.page).toHaveURL(/\/plans\/[0-9a-f-]{36}\/network$/, ARRIVAL);
    await this.expectShown();
  }

  async continueToReview(): Promise<void> {
    await this.page.getByRole('link', { name: 'Continue to review' }).click();
    await expect(this.page).toHaveURL(/\/plans\/[0-9a-f-]{36}\/review$/, ARRIVAL);
  }
}
