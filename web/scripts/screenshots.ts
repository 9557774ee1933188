/**
 * `npm run screenshots`: builds the dashboard, starts the local stack with demo data on a free loopback port
 * and a temporary data folder, signs in with a dev token and captures every view at desktop (1440×900) and
 * phone (390×844) sizes into docs/screenshots/.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { REPOSITORY_ROOT, startLocalStack } from '#infra/local/stack';
import { launchChromium, signIn, waitForView } from '#test/e2e/browser';

const OUTPUT_DIR = join(REPOSITORY_ROOT, 'docs', 'screenshots');

const VIEWS = [
  { name: 'overview', path: '/' },
  { name: 'sources', path: '/sources' },
  { name: 'sites', path: '/sites' },
  { name: 'salespeople', path: '/salespeople' },
  { name: 'funnel', path: '/funnel' },
  { name: 'trend', path: '/trend' },
  { name: 'live', path: '/live' },
] as const;

const SIZES = [
  { name: 'desktop', viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, isMobile: false },
  { name: 'phone', viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true },
] as const;

/** The demo data covers the 30 days before today, so this preset shows all of it. */
const QUERY = '?period=last-30-days';

const log = (line: string) => process.stderr.write(`[screenshots] ${line}\n`);

async function main(): Promise<void> {
  log('Building the dashboard');
  await build({ configFile: join(REPOSITORY_ROOT, 'web', 'vite.config.ts'), logLevel: 'warn' });

  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const dataDir = await mkdtemp(join(tmpdir(), 'leadpilot-screenshots-'));
  log(`Starting the local stack with demo data in ${dataDir}`);
  const stack = await startLocalStack({ dataDir, port: 0, demoData: true, fresh: false, log });
  const browser = await launchChromium();
  try {
    await mkdir(OUTPUT_DIR, { recursive: true });
    const token = await stack.issueToken();
    for (const size of SIZES) {
      const context = await browser.newContext({
        viewport: size.viewport,
        deviceScaleFactor: size.deviceScaleFactor,
        isMobile: size.isMobile,
        hasTouch: size.isMobile,
        locale: 'fr-FR',
        timezoneId: 'Europe/Paris',
      });
      const page = await context.newPage();
      await page.goto(`${stack.url}/`);
      await page.locator('#token').waitFor();
      await page.screenshot({ path: join(OUTPUT_DIR, `sign-in-${size.name}.png`) });
      await signIn(page, stack.url, token, `/${QUERY}`);
      for (const view of VIEWS) {
        await page.goto(`${stack.url}${view.path}${QUERY}`);
        await waitForView(page);
        const file = join(OUTPUT_DIR, `${view.name}-${size.name}.png`);
        await page.screenshot({ path: file, fullPage: true });
        log(`Wrote ${file}`);
      }
      await context.close();
    }
  } finally {
    await browser.close();
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  log(`Failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
