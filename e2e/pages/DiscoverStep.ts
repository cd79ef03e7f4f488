import { expect, type Locator, type Page } from '@playwright/test';

/** Step 4: discovery with its progress, then the overview of the cloud. */
export class DiscoverStep {
  readonly heading: Locator;
  readonly chooseButton: Locator;
  readonly progressTable: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 2, name: 'Discover', exact: true });
    this.chooseButton = page.getByRole('link', { name: 'Choose what to migrate' });
    this.progressTable = page.getByRole('table', { name: 'Discovery progress per resource' });
  }

  /** Starts a discovery; its job id lands in the URL. */
  async start(): Promise<string> {
    await this.page.getByRole('button', { name: 'Discover the cloud' }).click();
    await this.page.waitForURL(/[?&]job=/);
    return new URL(this.page.url()).searchParams.get('job') ?? '';
  }

  /** The progress row of one resource ("Users and their keys", …): "<done> of <total>". */
  progressOf(resource: string): Locator {
    return this.page.getByTestId(`discovery-${resource}`);
  }

  /** Waits for the overview; the inventory id the Choose link carries. */
  async waitForOverview(): Promise<string> {
    await expect(this.chooseButton).toBeVisible({ timeout: 120_000 });
    const href = (await this.chooseButton.getAttribute('href')) ?? '';
    return new URL(href, this.page.url()).searchParams.get('inventory') ?? '';
  }

  /** The count shown for a kind in the overview. */
  count(kind: string): Locator {
    return this.page.getByTestId(`count-${kind}`);
  }

  async choose(): Promise<void> {
    await this.chooseButton.click();
    await this.page.waitForURL(/\/migrate\/choose\?/);
  }
}
