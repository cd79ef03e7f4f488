import { expect, type Locator, type Page } from '@playwright/test';

/** A page arriving (its chunk, its data, or a plan made again) on a machine that may be busy. */
const ARRIVAL = { timeout: 20_000 };

/** Step 8, /plans/:planId/cutover: the checklist and the typed confirmation. */
export class CutoverStep {
  readonly refusal: Locator;
  readonly cloudName: Locator;
  readonly start: Locator;

  constructor(readonly page: Page) {
    this.refusal = page.getByTestId('cutover-refused');
    this.cloudName = page.getByRole('textbox', { name: 'Cloud name' });
    this.start = page.getByRole('button', { name: 'Start the migration' });
  }

  async open(planId: string): Promise<void> {
    await this.page.goto(`/plans/${planId}/cutover`);
    await expect(this.page.getByRole('heading', { level: 2, name: 'Cutover' })).toBeVisible(
      ARRIVAL,
    );
  }

  /** Ticks every item of the checklist. */
  async tickEverything(): Promise<void> {
    const boxes = this.page.getByRole('checkbox');
    await expect(boxes.first()).toBeVisible();
    for (const box of await boxes.all()) await box.check();
  }

  async typeCloudName(text: string): Promise<void> {
    await this.cloudName.fill(text);
  }

  /** Starts the migration; resolves on its progress page with the job's id. */
  async startMigration(): Promise<string> {
    await this.start.click();
    await expect(this.page).toHaveURL(/\/jobs\/[0-9a-f-]{36}$/, ARRIVAL);
    return new URL(this.page.url()).pathname.split('/').at(-1) ?? '';
  }
}
