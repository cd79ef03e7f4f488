import { expect, type Download, type Locator, type Page } from '@playwright/test';

export type ReportFormat = 'json' | 'html' | 'csv' | 'pdf';

const FORMAT_NAMES: Readonly<Record<ReportFormat, string>> = {
  json: 'JSON',
  html: 'HTML',
  csv: 'CSV',
  pdf: 'PDF',
};

/** Step 10, Report (/jobs/:id/report): the verified result, the ids, the users, the files. */
export class ReportStep {
  readonly heading: Locator;
  readonly verification: Locator;
  readonly counts: Locator;
  readonly timings: Locator;
  readonly timingsChart: Locator;
  readonly idMap: Locator;
  readonly users: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 2, name: 'Report' });
    this.verification = page.getByTestId('verification');
    this.counts = page.getByTestId('counts');
    this.timings = page.getByTestId('timings');
    this.timingsChart = page.getByTestId('timings-chart');
    this.idMap = page.getByRole('table', { name: 'Id map' });
    this.users = page.getByRole('table', { name: 'Users' });
  }

  async open(jobId: string): Promise<void> {
    await this.page.goto(`/jobs/${jobId}/report`);
    await this.expectLoaded();
  }

  async expectLoaded(): Promise<void> {
    await expect(this.heading).toBeVisible();
    await expect(this.verification).toBeVisible();
  }

  /** The count in a kind's row and a column (Created, Already there, …). */
  async count(kindLabel: string, column: string): Promise<number> {
    const headers = await this.counts.locator('thead th').allTextContents();
    const index = headers.indexOf(column);
    const row = this.counts.locator('tbody tr').filter({ hasText: kindLabel });
    const cells = await row.locator('th, td').allTextContents();
    return Number((cells[index] ?? 'NaN').replace(/,/g, ''));
  }

  idMapRows(): Locator {
    return this.idMap.locator('tbody tr[aria-rowindex]');
  }

  async searchIdMap(text: string): Promise<void> {
    await this.page.getByLabel('Search ids').fill(text);
  }

  usersRows(): Locator {
    return this.users.locator('tbody tr[aria-rowindex]');
  }

  /** Opens what changes for a user; their notice, once shown. */
  async showUser(user: string): Promise<Locator> {
    await this.page.getByRole('button', { name: `Show what changes for ${user}` }).click();
    await expect(
      this.page.getByRole('heading', { name: `What changes for ${user}` }),
    ).toBeVisible();
    return this.page.getByLabel(`Notice to send to ${user}`);
  }

  async setNovaEc2Url(url: string): Promise<void> {
    await this.page.getByLabel("Nova's EC2 URL").fill(url);
  }

  downloadLink(format: ReportFormat): Locator {
    return this.page.getByRole('link', { name: `Download ${FORMAT_NAMES[format]}` });
  }

  /** Clicks a download link as the operator would; the file the browser saved. */
  async download(format: ReportFormat): Promise<Download> {
    const [download] = await Promise.all([
      this.page.waitForEvent('download'),
      this.downloadLink(format).click(),
    ]);
    return download;
  }
}
