import { expect, type Locator, type Page } from '@playwright/test';

type TargetStatus = 'empty' | 'bexar' | 'other-version' | 'not-nova' | 'incomplete';

/** Step 3: the Nova database and its image store. */
export class NovaStep {
  readonly heading: Locator;
  readonly continueButton: Locator;
  readonly initialiseButton: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 2, name: 'Nova', exact: true });
    this.continueButton = page.getByRole('link', { name: 'Continue to Discover' });
    this.initialiseButton = page.getByRole('button', { name: 'Create Nova’s Bexar schema' });
  }

  async open(source: string): Promise<void> {
    await this.page.goto(`/migrate/nova?source=${source}`);
    await expect(this.heading).toBeVisible({ timeout: 20_000 });
  }

  /** The schema row of the test's findings shows this status. */
  async expectStatus(status: TargetStatus): Promise<void> {
    await expect(
      this.page.getByRole('table', { name: 'What the test found in Nova' }),
    ).toContainText(`status “${status}”`, { timeout: 30_000 });
  }

  /** From a connection shown: the form for another database. */
  async connectAnother(): Promise<void> {
    await this.page.getByRole('button', { name: 'Connect another database' }).click();
  }

  async fill(databaseUrl: string, imagesPath: string): Promise<void> {
    await this.page.getByRole('textbox', { name: 'Nova database URL' }).fill(databaseUrl);
    await this.page.getByRole('textbox', { name: 'Images path' }).fill(imagesPath);
  }

  async saveAndTest(): Promise<void> {
    await this.page.getByRole('button', { name: 'Save and test' }).click();
    await this.page.waitForURL(/\/migrate\/nova\?source=[^&]+&target=/);
    await expect(
      this.page.getByTestId('target-found').or(this.page.getByTestId('target-problem')),
    ).toBeVisible({ timeout: 30_000 });
  }

  /** The trial path, first half: the warning's button opens the confirmation. */
  async askToInitialise(): Promise<Locator> {
    await this.initialiseButton.click();
    const dialog = this.page.getByRole('dialog', { name: 'Create the Bexar schema?' });
    await expect(dialog).toContainText('nova-manage db sync');
    return dialog;
  }

  /** The trial path: the warning, the confirmation, then the database tested again. */
  async initialise(): Promise<void> {
    const dialog = this.page.getByRole('dialog', { name: 'Create the Bexar schema?' });
    if (!(await dialog.isVisible())) await this.askToInitialise();
    await dialog.getByRole('button', { name: 'Create the schema' }).click();
    await expect(dialog).toBeHidden({ timeout: 60_000 });
  }

  problem(): Locator {
    return this.page.getByRole('alert').filter({ has: this.page.getByTestId('target-problem') });
  }

  async fillAndComplete(databaseUrl: string, imagesPath: string): Promise<void> {
    await this.fill(databaseUrl, imagesPath);
    await this.saveAndTest();
    await this.continueButton.click();
  }
}
