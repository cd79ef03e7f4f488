import { expect, type Locator, type Page } from '@playwright/test';

/** Fields typed into the Eucalyptus step (all optional: files can give them instead). */
export interface SourceFields {
  name?: string;
  ec2Url?: string;
  s3Url?: string;
  euareUrl?: string;
  accessKey?: string;
  secretKey?: string;
}

/** Step 2: the Eucalyptus connection, as the operator drives it. */
export class EucalyptusStep {
  readonly heading: Locator;
  readonly continueButton: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 2, name: 'Eucalyptus', exact: true });
    this.continueButton = page.getByRole('link', { name: 'Continue to Nova' });
  }

  async open(): Promise<void> {
    await this.page.goto('/migrate/eucalyptus');
    await expect(this.heading).toBeVisible({ timeout: 20_000 });
  }

  /** The demo in one click: both connections made, straight on to the Nova step. */
  async useDemo(): Promise<void> {
    await this.page.getByRole('button', { name: 'Use the demo cloud' }).click();
    await this.page.waitForURL(/\/migrate\/nova\?source=[^&]+&target=/);
  }

  /** Drops files on the drop area (through its file input, as a file dialog would). */
  async dropFiles(paths: string[]): Promise<void> {
    await this.page.getByLabel('Credential files', { exact: true }).setInputFiles(paths);
  }

  /** The files listed as attached, as the page names them. */
  attachedFiles(): Locator {
    return this.page.getByRole('region', { name: 'Attached files' }).getByRole('listitem');
  }

  async fill(fields: SourceFields): Promise<void> {
    const labels: Record<keyof SourceFields, string> = {
      name: 'Name of this cloud',
      ec2Url: 'EC2 URL',
      s3Url: 'Walrus (S3) URL',
      euareUrl: 'Euare URL',
      accessKey: 'Access key',
      secretKey: 'Secret key',
    };
    for (const [key, value] of Object.entries(fields) as [keyof SourceFields, string][])
      await this.page.getByRole('textbox', { name: labels[key], exact: true }).fill(value);
  }

  /** Saves and waits for the test's answer (found or the problem). */
  async saveAndTest(): Promise<void> {
    await this.page.getByRole('button', { name: 'Save and test connection' }).click();
    await this.page.waitForURL(/\/migrate\/eucalyptus\?source=/);
    await expect(this.found().or(this.problem())).toBeVisible({ timeout: 30_000 });
  }

  /** "Eucalyptus 2.0.3 with 5 users." when the test passed. */
  found(): Locator {
    return this.page.getByTestId('source-found');
  }

  /** The alert of a failed test. */
  problem(): Locator {
    return this.page.getByRole('alert').filter({ has: this.page.getByTestId('source-problem') });
  }

  async fillAndComplete(fields: SourceFields, files: string[] = []): Promise<void> {
    if (files.length > 0) await this.dropFiles(files);
    await this.fill(fields);
    await this.saveAndTest();
    await expect(this.found()).toBeVisible();
    await this.continueButton.click();
  }
}
