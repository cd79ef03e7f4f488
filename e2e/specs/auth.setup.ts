import { test as setup } from '@playwright/test';
import { signIn } from '../support/auth.ts';
import { STORAGE_STATE } from '../support/env.ts';

setup('the operator signs in once for the wizard specs', async ({ page }) => {
  await page.goto('/');
  await signIn(page);
  await page.context().storageState({ path: STORAGE_STATE });
});
