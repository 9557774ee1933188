/**
 * The dashboard in headless Chromium against a local stack with demo data: sign-in with a dev token, filters,
 * figures equal to the API's, the English switch, the CSV export, the lead export job and the "not available"
 * state.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '#infra/local/stack';
import { startTestStack, type TestStack } from '#test/support/local-stack';
import { launchChromium, signIn, waitForView } from './browser';

/** Intl output uses narrow and plain no-break spaces; the check is about digits, separators and symbols. */
function normalizeSpaces(text: string | null): string {
  return (text ?? '').replace(/[\s\u00a0\u202f]+/g, ' ').trim();
}

/** Today in Paris and the "last 30 days" preset, computed here independently of the dashboard's code. */
function last30Days(): { from: string; to: string } {
  const to = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date());
  const from = new Date(`${to}T00:00:00Z`);
  from.setUTCDate(from.getUTCDate() - 29);
  return { from: from.toISOString().slice(0, 10), to };
}

const frInteger = (value: number) => new Intl.NumberFormat('fr-FR').format(value);
const frPercent = (value: number | null) =>
  value === null
    ? '—'
    : new Intl.NumberFormat('fr-FR', { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(
        value,
      );

interface ApiReport {
  rows: (Record<string, unknown> & { leads: number })[];
  totals: {
    leads: number;
    sales: number;
    rates: { handledRate: number | null; closeRate: number | null } | null;
  };
}

describe('dashboard', { timeout: 120_000 }, () => {
  let stack: TestStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let distDir: string;

  beforeAll(async () => {
    // A build of the current sources in its own folder, so web/dist (served by npm start) is left alone.
    distDir = await mkdtemp(join(tmpdir(), 'leadpilot-web-'));
    await build({
      configFile: join(REPOSITORY_ROOT, 'web', 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: distDir, emptyOutDir: true },
    });
    stack = await startTestStack({ demoData: true, webDistDir: distDir });
    browser = await launchChromium();
    context = await browser.newContext({
      locale: 'fr-FR',
      timezoneId: 'Europe/Paris',
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    page = await context.newPage();
  }, 600_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await stack?.stop();
    if (distDir) {
      await rm(distDir, { recursive: true, force: true });
    }
  });

  it('serves the app shell, its config and a fallback for its routes', async () => {
    const config = await fetch(`${stack.baseUrl}/config.json`);
    expect(await config.json()).toEqual({ auth: 'dev-token' });

    const route = await fetch(`${stack.baseUrl}/sources?period=this-month`);
    expect(route.status).toBe(200);
    expect(route.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await route.text();
    const script = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    expect(script).toBeDefined();

    const asset = await fetch(`${stack.baseUrl}${script}`);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fetch(`${stack.baseUrl}/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${stack.baseUrl}/v1/unknown`)).status).toBe(404);
    expect((await fetch(`${stack.baseUrl}/..%2f..%2fpackage.json`)).status).toBe(404);
  });

  it('rejects a malformed token on the sign-in screen', async () => {
    await page.goto(`${stack.baseUrl}/`);
    await page.locator('#token').fill('not-a-jwt');
    await page.locator('[data-testid="sign-in"] button[type="submit"]').click();

    await expect.poll(() => page.locator('#sign-in-error').textContent()).toContain("n'est pas un JWT valide");
  });

  it('signs in and shows the overview in French', async () => {
    await signIn(page, stack.baseUrl, await stack.token());

    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    expect(normalizeSpaces(await page.locator('[data-testid="view-title"]').textContent())).toContain("Vue d'ensemble");
    expect(await page.locator('[data-testid="kpi-cards"] > li').count()).toBe(6);
  });

  it('shows the API figures for a period and a site', async () => {
    await page.locator('#filter-period').selectOption('last-30-days');
    await page.locator('#filter-site option[value="amiens-nord"]').waitFor({ state: 'attached' });
    await page.locator('#filter-site').selectOption('amiens-nord');
    await page.locator('[data-testid="filters"] button[type="submit"]').click();
    await waitForView(page);

    const { from, to } = last30Days();
    const url = new URL(page.url());
    expect(url.searchParams.get('period')).toBe('last-30-days');
    expect(url.searchParams.get('site')).toBe('amiens-nord');
    const api = await stack.getJson(`/v1/kpis?from=${from}&to=${to}&groupBy=day&basis=cohort&site=amiens-nord`);
    expect(api.status).toBe(200);
    const report = api.body as ApiReport;
    // The demo data spreads about 600 leads over the last 30 days, half of them at Amiens Nord, so zero would hide a bug.
    expect(report.totals.leads).toBeGreaterThan(0);

    const text = async (testId: string) =>
      normalizeSpaces(await page.locator(`[data-testid="${testId}"]`).textContent());
    expect(await text('kpi-leads')).toBe(normalizeSpaces(frInteger(report.totals.leads)));
    expect(await text('kpi-handledRate')).toBe(normalizeSpaces(frPercent(report.totals.rates?.handledRate ?? null)));
    expect(await text('kpi-closeRate')).toBe(normalizeSpaces(frPercent(report.totals.rates?.closeRate ?? null)));
    expect(normalizeSpaces(await page.locator('[data-testid="view-title"]').textContent())).toContain(
      `${from.slice(8, 10)}/${from.slice(5, 7)}/${from.slice(0, 4)}`,
    );
  });

  it('shows the per-source leads of the API, sortable', async () => {
    await page.locator('nav a[data-view="/sources"]').click();
    await waitForView(page);

    const { from, to } = last30Days();
    const api = await stack.getJson(`/v1/kpis?from=${from}&to=${to}&groupBy=source&basis=cohort&site=amiens-nord`);
    const report = api.body as ApiReport;
    const shownRows = await page
      .locator('[data-testid="sources-table"] tbody tr')
      .evaluateAll((rows) =>
        rows.map((row) => [row.querySelector('th')?.textContent ?? '', row.querySelector('td')?.textContent ?? '']),
      );
    const expected = report.rows
      .map((row) => [String(row.source), normalizeSpaces(frInteger(row.leads))])
      .sort(([left], [right]) => String(left).localeCompare(String(right)));
    expect(
      shownRows
        .map(([source, leads]) => [source, normalizeSpaces(leads ?? '')])
        .sort(([left], [right]) => String(left).localeCompare(String(right))),
    ).toEqual(expected);

    const leadsHeader = page.locator('[data-testid="sources-table"] th:has(button[data-sort-key="leads"])');
    expect(await leadsHeader.getAttribute('aria-sort')).toBe('descending');
    await page.locator('[data-testid="sources-table"] button[data-sort-key="leads"]').click();
    expect(await leadsHeader.getAttribute('aria-sort')).toBe('ascending');
  });

  it('switches to English and keeps the choice after a reload', async () => {
    await page.locator('[data-testid="language-switch"]').click();

    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(normalizeSpaces(await page.locator('nav a[data-view="/"]').textContent())).toBe('Overview');
    await page.reload();
    await waitForView(page);
    expect(await page.title()).toBe('Sources · LeadPilot');
    expect(normalizeSpaces(await page.locator('table caption').first().textContent())).toMatch(
      /^Leads and results by source/,
    );
  });

  it('downloads the CSV export of the view', async () => {
    const downloading = page.waitForEvent('download');
    await page.locator('button[data-export="csv"]').click();
    const download = await downloading;
    const bytes = await readFile(await download.path());

    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header] = bytes.subarray(3).toString('utf8').split(/\r?\n/);
    expect(header).toContain(';');
    expect(normalizeSpaces(await page.locator('[data-testid="export-status"]').textContent())).toMatch(
      /^File downloaded: /,
    );
  });

  it('runs the lead export job and downloads its CSV', async () => {
    const { from, to } = last30Days();
    let expectedRows = 0;
    let cursor: string | undefined;
    do {
      const query = new URLSearchParams({ from, to, site: 'amiens-nord', limit: '200', ...(cursor ? { cursor } : {}) });
      const page = (await stack.getJson(`/v1/leads?${query}`)).body as { items: unknown[]; nextCursor?: string };
      expectedRows += page.items.length;
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    // Every text that the status line shows, in order, so that the progress steps can be checked afterwards.
    await page.evaluate(`(() => {
      const status = document.querySelector('[data-testid="export-status"]');
      window.statusTexts = [];
      new MutationObserver(() => window.statusTexts.push(status.textContent)).observe(status, {
        childList: true,
        characterData: true,
        subtree: true,
      });
    })()`);

    const downloading = page.waitForEvent('download');
    await page.locator('button[data-export="leads"]').click();
    const download = await downloading;
    const bytes = await readFile(await download.path());
    const records = bytes
      .subarray(3)
      .toString('utf8')
      .split('\r\n')
      .filter((line) => line !== '');
    await expect.poll(() => page.locator('[data-testid="export-status"]').textContent()).toMatch(/^File downloaded/);
    const statusTexts = (await page.evaluate('window.statusTexts')) as string[];

    expect(expectedRows).toBeGreaterThan(0);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(records[0]?.startsWith('Identifiant du lead;Reçu le (heure du site);Site;')).toBe(true);
    expect(records).toHaveLength(expectedRows + 1);
    expect(download.suggestedFilename()).toBe(`leadpilot-leads-${from}-${to}.csv`);
    expect(statusTexts[0]).toBe('Lead export queued…');
    const rows = new Intl.NumberFormat('en-GB').format(expectedRows);
    expect(normalizeSpaces(statusTexts.at(-1) ?? '')).toContain(
      `File downloaded: leadpilot-leads-${from}-${to}.csv (${rows} leads, `,
    );
    expect(await page.locator('[data-testid="export-status"]').getAttribute('aria-live')).toBe('polite');
  });

  it('shows the lead export progress in French numbers', async () => {
    await page.locator('[data-testid="language-switch"]').click();
    await page.route('**/v1/leads/exports', (route) =>
      route.fulfill({
        status: 202,
        contentType: 'application/json',
        headers: { location: '/v1/leads/exports/00000000-0000-4000-8000-000000000001' },
        body: JSON.stringify({ exportId: '00000000-0000-4000-8000-000000000001', status: 'running', rowCount: 12000 }),
      }),
    );
    await page.route('**/v1/leads/exports/00000000-0000-4000-8000-000000000001', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({
          exportId: '00000000-0000-4000-8000-000000000001',
          status: 'failed',
          rowCount: 12000,
          failure: { code: 'EXPORT_TIMED_OUT', message: 'The export stopped before it finished.' },
        }),
      }),
    );

    await page.locator('button[data-export="leads"]').click();

    await expect
      .poll(async () => normalizeSpaces(await page.locator('[data-testid="export-status"]').textContent()))
      .toBe(normalizeSpaces(`${frInteger(12000)} leads écrits…`));
    await expect
      .poll(async () => normalizeSpaces(await page.locator('[data-testid="export-status"]').textContent()))
      .toMatch(/^L'export des leads a échoué : l'export s'est arrêté avant la fin/);
    await page.unroute('**/v1/leads/exports');
    await page.unroute('**/v1/leads/exports/00000000-0000-4000-8000-000000000001');
    await page.locator('[data-testid="language-switch"]').click();
  });

  it('shows a notice when an endpoint is missing', async () => {
    await page.route('**/v1/kpis/live*', (route) =>
      route.fulfill({ status: 404, contentType: 'application/json', body: '{"message":"Not Found"}' }),
    );
    await page.locator('nav a[data-view="/live"]').click();
    await waitForView(page);

    expect(normalizeSpaces(await page.locator('[data-testid="not-available"]').textContent())).toContain(
      'This view is not available on this server yet.',
    );
    await page.unroute('**/v1/kpis/live*');
  });
});
