import { expect, type Locator, type Page } from '@playwright/test';

/** Step 5: what moves, by user, by kind and item by item, with the live preview. */
export class ChooseStep {
  readonly heading: Locator;
  readonly makePlanButton: Locator;
  readonly summary: Locator;
  readonly pulledIn: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 2, name: 'Choose', exact: true });
    this.makePlanButton = page.getByRole('button', { name: 'Make the plan' });
    this.summary = page.getByTestId('selection-summary');
    this.pulledIn = page.getByRole('table', { name: 'Resources pulled in, with the reason' });
  }

  /** Selects a user in the users table (the filter narrows to the users selected). */
  async selectUser(user: string): Promise<void> {
    await this.page
      .getByRole('table', { name: 'Users', exact: true })
      .getByRole('checkbox', { name: `Select ${user}` })
      .check();
  }

  /** Unchecks a kind ("Snapshots") in the kind filter. */
  async uncheckKind(label: string): Promise<void> {
    await this.page
      .getByRole('group', { name: 'By kind' })
      .getByRole('checkbox', { name: new RegExp(`^${label} \\(`) })
      .uncheck();
  }

  /** Opens a kind's tab of the item tables. */
  async openKind(label: string): Promise<void> {
    await this.page.getByRole('tab', { name: new RegExp(`^${label} \\(`) }).click();
  }

  /** The preview row of a kind: selected and pulled in. */
  previewOf(kind: string): Locator {
    return this.page.getByTestId(`preview-${kind}`);
  }

  /** Makes the plan and waits for the Network step; the plan's id. */
  async makePlan(): Promise<string> {
    await this.makePlanButton.click();
    await this.page.waitForURL(/\/plans\/[0-9a-f-]{36}\/network$/, { timeout: 60_000 });
    return /\/plans\/([0-9a-f-]{36})\//.exec(this.page.url())?.[1] ?? '';
  }

  async expectPreviewSettled(): Promise<void> {
    await expect(this.page.getByText('Updating…')).toBeHidden({ timeout: 30_000 });
  }
}
