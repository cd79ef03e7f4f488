import { defineConfig, devices } from '@playwright/test';
import {
  BASE_URL,
  DATA_DIR,
  E2E_PORT,
  PG_PORT,
  SIM20_DIR,
  SIM20_EC2_URL,
  SIM20_PORT,
  STORAGE_STATE,
} from './support/env.ts';

const chromium = {
  ...devices['Desktop Chrome'],
  viewport: { width: 1440, height: 900 },
  // The system Chromium (Debian's package); Playwright never downloads a browser here.
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  },
};

export default defineConfig({
  testDir: './specs',
  outputDir: './artifacts/results',
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 60_000,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'artifacts/report' }]],
  use: {
    baseURL: BASE_URL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    // Sets the operator password (or signs in) once and saves the session for the wizard specs.
    { name: 'setup', testMatch: /.*\.setup\.ts/, use: chromium },
    // Sign-in itself, from a signed-out browser.
    { name: 'signed-out', testMatch: /foundation\.spec\.ts/, use: chromium },
    {
      name: 'wizard',
      testIgnore: /foundation\.spec\.ts/,
      // After the signed-out specs, which expect the demo Nova database still empty.
      dependencies: ['setup', 'signed-out'],
      use: { ...chromium, storageState: STORAGE_STATE },
    },
  ],
  webServer: [
    {
      command: `rm -rf "${DATA_DIR}" && mkdir -p -m 755 "${DATA_DIR}" && node apps/cli/bin/euca2nova.js serve`,
      cwd: '..',
      url: `${BASE_URL}healthz`,
      env: {
        EUCA2NOVA_DATA_DIR: DATA_DIR,
        PORT: String(E2E_PORT),
        EMBEDDED_PG_PORT: String(PG_PORT),
        LOG_LEVEL: 'warn',
      },
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: 'pipe',
      stderr: 'pipe',
    },
    {
      // Eucalyptus 2.0 for the second whole flow: its eucarc is uploaded through the wizard.
      command: `rm -rf "${SIM20_DIR}" && node apps/cli/bin/euca2nova.js sim --euca-version 2.0 --network-mode MANAGED-NOVLAN --port ${String(SIM20_PORT)} --dir "${SIM20_DIR}" --image-size 2097152 --assembly-ms 300`,
      cwd: '..',
      url: SIM20_EC2_URL,
      reuseExistingServer: false,
      timeout: 120_000,
      // It prints its eucarc, admin secret key included: not for the test log.
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
});
