import { expect, type Page } from '@playwright/test';
import { OPERATOR_PASSWORD } from './env.ts';

/**
 * Signs in from the first page: on a fresh data folder the first caller sets the password, later
 * ones (each in a new browser context) sign in with it.
 */
export async function signIn(page: Page): Promise<void> {
  const setPassword = page.getByRole('heading', { name: 'Set the operator password' });
  const signInForm = page.getByRole('heading', { name: 'Sign in' });
  await expect(setPassword.or(signInForm)).toBeVisible();
  if (await setPassword.isVisible()) {
    await page.getByLabel('Password', { exact: true }).fill(OPERATOR_PASSWORD);
    await page.getByLabel('Repeat the password').fill(OPERATOR_PASSWORD);
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
  } else {
    await page.getByLabel('Password', { exact: true }).fill(OPERATOR_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}
