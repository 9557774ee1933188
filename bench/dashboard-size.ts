/**
 * First-load size of the dealer dashboard: builds web/ with its Vite config and sums the gzip size of the
 * JavaScript and CSS that index.html loads (entry script, module preloads and style sheets). Chunks loaded
 * later with `import()`, such as the ECharts chunk, are reported apart. The target is 300 KB (300 × 1024
 * bytes) for the first load.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import type { Figure } from './results';

const FIRST_LOAD_TARGET_BYTES = 300 * 1024;

/** Paths of the scripts and style sheets that an HTML page loads before any code runs. */
export function firstLoadAssets(html: string): string[] {
  const paths = new Set<string>();
  for (const tag of html.match(/<(script|link)\b[^>]*>/g) ?? []) {
    const isScript = tag.startsWith('<script');
    const rel = tag.match(/\brel="([^"]+)"/)?.[1];
    if (!isScript && rel !== 'stylesheet' && rel !== 'modulepreload') {
      continue;
    }
    const url = tag.match(isScript ? /\bsrc="([^"]+)"/ : /\bhref="([^"]+)"/)?.[1];
    if (url?.startsWith('/')) {
      paths.add(url);
    }
  }
  return [...paths];
}

/** Builds the dashboard into `<projectRoot>/.tmp/bench-web` and measures it. */
export async function benchDashboardSize(projectRoot: string): Promise<Figure[]> {
  const outDir = join(projectRoot, '.tmp', 'bench-web');
  try {
    await build({
      configFile: join(projectRoot, 'web', 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
    const html = await readFile(join(outDir, 'index.html'), 'utf8');
    const firstLoad = firstLoadAssets(html);
    let firstLoadBytes = gzipSync(Buffer.from(html)).length;
    for (const path of firstLoad) {
      firstLoadBytes += gzipSync(await readFile(join(outDir, path))).length;
    }
    let allBytes = 0;
    for (const name of await readdir(join(outDir, 'assets'))) {
      if (name.endsWith('.js') || name.endsWith('.css')) {
        allBytes += gzipSync(await readFile(join(outDir, 'assets', name))).length;
      }
    }
    return [
      {
        key: 'dashboardFirstLoadGzipBytes',
        label: `dashboard first load (index.html and its ${firstLoad.length} JS/CSS files, gzip)`,
        value: firstLoadBytes,
        unit: 'bytes',
        target: { max: FIRST_LOAD_TARGET_BYTES },
      },
      {
        key: 'dashboardAllAssetsGzipBytes',
        label: 'dashboard JS and CSS including lazily loaded chunks, gzip',
        value: allBytes,
        unit: 'bytes',
      },
    ];
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
