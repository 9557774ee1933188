/**
 * Helpers shared by the screenshot script and the e2e test: a headless Chromium from the system (playwright
 * never downloads a browser here), and the dev-token sign-in as a user does it.
 */
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's chromium package; CHROMIUM_PATH overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true });
}

/** Opens the dashboard, pastes the token into the sign-in form and waits for the first view to load. */
export async function signIn(page: Page, baseUrl: string, token: string, path = '/'): Promise<void> {
  await page.goto(`${baseUrl}${path}`);
  await page.locator('#token').fill(token);
  await page.locator('[data-testid="sign-in"] button[type="submit"]').click();
  await waitForView(page);
}

/** Waits until the current view has rendered its data (or its "not available" notice) and its charts. */
export async function waitForView(page: Page): Promise<void> {
  await page.locator('[data-testid="view-content"][data-state="ready"]').waitFor();
  // A string expression, because this file is type-checked without the DOM library.
  await page.waitForFunction("[...document.querySelectorAll('.chart')].every((chart) => chart.querySelector('svg'))");
}
