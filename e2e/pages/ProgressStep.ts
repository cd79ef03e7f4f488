import { expect, type Locator, type Page } from '@playwright/test';

/** Numbers as the page prints them (1,234), back to numbers. */
function count(text: string): number {
  return Number(text.replace(/,/g, ''));
}

const UNIT: Readonly<Record<string, number>> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};

/** "1.50 MiB" back to bytes (approximately: the page rounds). */
export function bytesOf(text: string): number {
  const m = /([\d.,]+)\s*(B|KiB|MiB|GiB|TiB)/.exec(text);
  if (m === null) throw new Error(`no byte amount in "${text}"`);
  return Number((m[1] ?? '0').replace(/,/g, '')) * (UNIT[m[2] ?? 'B'] ?? 1);
}

/** Step 9, Progress (/jobs/:id): the run as the operator watches and steers it. */
export class ProgressStep {
  readonly heading: Locator;
  readonly status: Locator;
  readonly feed: Locator;
  readonly overallItems: Locator;
  readonly overallBytes: Locator;
  readonly phases: Locator;
  readonly transfers: Locator;
  readonly log: Locator;
  readonly openReportButton: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 2, name: 'Progress' });
    this.status = page.getByTestId('job-status');
    this.feed = page.getByTestId('feed-state');
    this.overallItems = page.getByTestId('overall-items');
    this.overallBytes = page.getByTestId('overall-bytes');
    this.phases = page.getByTestId('phases');
    this.transfers = page.getByTestId('transfers');
    this.log = page.getByTestId('log');
    this.openReportButton = page.getByRole('link', { name: 'Open the report' });
  }

  async open(jobId: string): Promise<void> {
    await this.page.goto(`/jobs/${jobId}`);
    await this.expectLoaded();
  }

  async expectLoaded(): Promise<void> {
    await expect(this.heading).toBeVisible();
    await expect(this.status).toBeVisible();
  }

  /** Waits until the job's status reads `label` (Running, Paused, Succeeded, …). */
  async expectStatus(label: string, timeout = 30_000): Promise<void> {
    await expect(this.status).toHaveText(new RegExp(label), { timeout });
  }

  async expectLive(): Promise<void> {
    await expect(this.feed).toContainText(/Live|Up to date/);
  }

  /** Items done and the total, from "12 of 40 items". */
  async items(): Promise<{ done: number; total: number }> {
    const text = (await this.overallItems.textContent()) ?? '';
    const m = /([\d,]+) of ([\d,]+) items/.exec(text);
    if (m === null) return { done: 0, total: Number.NaN };
    return { done: count(m[1] ?? '0'), total: count(m[2] ?? '0') };
  }

  /** Image bytes copied so far, from "1.50 MiB of 32.0 MiB". */
  async bytesDone(): Promise<number> {
    const text = (await this.overallBytes.textContent()) ?? '';
    return /of/.test(text) ? bytesOf(text.split(' of ')[0] ?? '') : 0;
  }

  phaseRow(label: string): Locator {
    return this.phases.getByRole('row').filter({ hasText: label });
  }

  transferRows(): Locator {
    return this.transfers.locator('tbody tr[aria-rowindex]');
  }

  /** A copy in flight that shows a rate above zero: "Copying" and "256 KiB/s". */
  copyingRow(): Locator {
    return this.transferRows()
      .filter({ hasText: 'Copying' })
      .filter({ hasText: /(^|[^\d.])([1-9][\d.]*|0\.\d*[1-9]\d*)\s*(B|KiB|MiB|GiB)\/s/ });
  }

  async pause(): Promise<void> {
    await this.page.getByRole('button', { name: 'Pause', exact: true }).click();
  }

  async resume(): Promise<void> {
    await this.page.getByRole('button', { name: 'Resume', exact: true }).click();
  }

  async retryFailed(): Promise<void> {
    await this.page.getByRole('button', { name: 'Retry failed items' }).click();
  }

  /** Cancel, through its confirmation (which says that cancelling is final). */
  async cancel(): Promise<void> {
    await this.page.getByRole('button', { name: 'Cancel…' }).click();
    const dialog = this.page.getByRole('dialog', { name: 'Cancel this migration?' });
    await expect(dialog).toContainText('final');
    await expect(dialog).toContainText('stays there');
    await dialog.getByRole('button', { name: 'Cancel the migration' }).click();
    await expect(dialog).toBeHidden();
  }

  /** Shows or hides log lines of a level (Error, Warning, Info, Debug). */
  async showLogLevel(label: string, shown: boolean): Promise<void> {
    const box = this.page.getByRole('checkbox', { name: label, exact: true });
    if (shown) await box.check();
    else await box.uncheck();
  }

  async openReport(): Promise<void> {
    await this.openReportButton.click();
    await expect(this.page).toHaveURL(/\/jobs\/[0-9a-f-]+\/report$/);
  }
}
