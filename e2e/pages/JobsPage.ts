import { expect, type Locator, type Page } from '@playwright/test';

/** A page arriving (its chunk, its data, or a plan made again) on a machine that may be busy. */
const ARRIVAL = { timeout: 20_000 };

/** /jobs: past discoveries and migrations, each reopenable. */
export class JobsPage {
  readonly rows: Locator;

  constructor(readonly page: Page) {
    this.rows = page.getByTestId('job-row');
  }

  async open(): Promise<void> {
    await this.page.goto('/jobs');
    await expect(this.page.getByRole('heading', { level: 2, name: 'Past jobs' })).toBeVisible(
      ARRIVAL,
    );
  }

  row(jobId: string): Locator {
    return this.page.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`);
  }

  /** Reopens a migration's progress from its row. */
  async openProgress(jobId: string): Promise<void> {
    await this.row(jobId)
      .getByRole('link', { name: /^Progress of migration/ })
      .click();
    await expect(this.page).toHaveURL(new RegExp(`/jobs/${jobId}$`), ARRIVAL);
  }
}
