import { expect, type Locator, type Page } from '@playwright/test';

/** A page arriving (its chunk, its data, or a plan made again) on a machine that may be busy. */
const ARRIVAL = { timeout: 20_000 };

/** Step 7, /plans/:planId/review: the plan, its findings, acknowledgements and decisions. */
export class ReviewStep {
  readonly gate: Locator;
  readonly counts: Locator;
  readonly items: Locator;
  readonly findings: Locator;
  /** "N rows" under the items table. */
  readonly itemsTotal: Locator;

  constructor(readonly page: Page) {
    this.gate = page.getByTestId('cutover-gate');
    this.counts = page.getByTestId('plan-counts');
    this.items = page.getByRole('table', { name: 'Plan items', exact: true });
    this.findings = page.getByTestId('finding');
    this.itemsTotal = page
      .getByRole('region', { name: 'The items', exact: true })
      .getByText(/^[\d,]+ rows?\b/);
  }

  async open(planId: string): Promise<void> {
    await this.page.goto(`/plans/${planId}/review`);
    await this.expectShown();
  }

  async expectShown(): Promise<void> {
    await expect(this.page.getByRole('heading', { level: 2, name: 'Review' })).toBeVisible(ARRIVAL);
    await expect(this.gate).toBeVisible(ARRIVAL);
  }

  /** Findings of one severity, by the words of their badge. */
  findingsOf(severity: 'error' | 'warning' | 'info'): Locator {
    const label = {
      error: 'Error: blocks the cutover',
      warning: /Warning: (acknowledge to continue|acknowledged)/,
      info: 'Information',
    }[severity];
    return this.findings.filter({ hasText: label });
  }

  /** Picks a value of one of the items table's filters ("Kind", "Action", …). */
  async filterItems(filter: string, value: string): Promise<void> {
    await this.page.getByRole('combobox', { name: filter }).click();
    await this.page.getByRole('option', { name: value, exact: true }).click();
  }

  /** The way on: a link when the cutover is open, a disabled button when it is closed. */
  async expectCutoverOpen(open: boolean): Promise<void> {
    if (open) {
      await expect(this.page.getByRole('link', { name: 'Continue to cutover' })).toBeVisible();
      await expect(this.gate).toContainText('Ready for the cutover');
    } else {
      await expect(this.page.getByRole('button', { name: 'Continue to cutover' })).toBeDisabled();
    }
  }

  /** Ticks every open warning and acknowledges them; the page updates in place. */
  async acknowledgeEveryWarning(): Promise<void> {
    await this.page.getByRole('button', { name: 'Tick every warning' }).click();
    await this.page.getByRole('button', { name: /^Acknowledge \d+ warnings?$/ }).click();
    await expect(this.page.getByRole('button', { name: 'Tick every warning' })).toBeHidden(ARRIVAL);
  }

  /** Changes a decision and plans again; resolves on the new plan's review. */
  async planAgainWithDecision(decision: string | RegExp): Promise<void> {
    const before = this.page.url();
    await this.page.getByRole('radio', { name: decision }).check();
    await this.page.getByRole('button', { name: 'Plan again with these decisions' }).click();
    await expect(this.page).not.toHaveURL(before, ARRIVAL);
    await this.expectShown();
  }

  /** Plans again with nothing changed (Nova read as it is now); resolves on the new plan. */
  async planAgainAsNovaIsNow(): Promise<void> {
    const before = this.page.url();
    await this.page.getByRole('button', { name: 'Plan again as Nova is now' }).click();
    await expect(this.page).not.toHaveURL(before, ARRIVAL);
    await this.expectShown();
  }

  async continueToCutover(): Promise<void> {
    await this.page.getByRole('link', { name: 'Continue to cutover' }).click();
    await expect(this.page).toHaveURL(/\/plans\/[0-9a-f-]{36}\/cutover$/, ARRIVAL);
  }
}
