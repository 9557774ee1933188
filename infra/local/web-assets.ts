/**
 * The dealer dashboard on the local stack: the static files of web/dist at `/`, with the SPA fallback to
 * index.html for paths outside the API, and `/config.json` telling the dashboard to sign in with dev tokens.
 */
import { access, readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalPage, StaticResponse } from './gateway';

const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

/** Output folder of `npm run build:web`. */
export const WEB_DIST_DIR = join(WEB_ROOT, 'dist');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** Path prefixes that belong to the API or to the stack itself; they never fall back to the dashboard. */
const RESERVED_PREFIXES = ['/v1/', '/_local/'];

/** `/config.json` of the local stack: sign in by pasting a dev token. */
export function webConfigPage(): LocalPage {
  const body = Buffer.from(`${JSON.stringify({ auth: 'dev-token' })}\n`);
  return async () => ({ contentType: 'application/json; charset=utf-8', body });
}

/**
 * Returns the gateway's static handler for `distDir`: the file at the path when it exists, index.html for
 * other paths without a file extension (the dashboard's own routes), and undefined (a 404) otherwise.
 * Hashed files under `assets/` may be cached for a year; index.html must be revalidated so a rebuild shows.
 */
export function webAssets(distDir: string = WEB_DIST_DIR): (path: string) => Promise<StaticResponse | undefined> {
  const root = normalize(distDir + sep);
  return async (path) => {
    if (RESERVED_PREFIXES.some((prefix) => path.startsWith(prefix))) {
      return undefined;
    }
    let relative: string;
    try {
      relative = decodeURIComponent(path).replace(/^\/+/, '');
    } catch {
      return undefined;
    }
    const file = normalize(join(root, relative));
    // `..` segments or an encoded separator must not lead outside the build folder.
    if (!file.startsWith(root) || relative.includes('\0')) {
      return undefined;
    }
    if (relative !== '' && (await isFile(file))) {
      return {
        contentType: CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
        body: await readFile(file),
        cacheControl: relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      };
    }
    if (extname(relative) !== '') {
      return undefined;
    }
    const index = join(root, 'index.html');
    if (!(await isFile(index))) {
      return {
        contentType: 'text/plain; charset=utf-8',
        body: Buffer.from('The dashboard is not built; run npm run build:web, then reload.\n'),
        statusCode: 503,
        cacheControl: 'no-store',
      };
    }
    return { contentType: 'text/html; charset=utf-8', body: await readFile(index), cacheControl: 'no-cache' };
  };
}

/**
 * Builds the dashboard into web/dist with Vite when web/dist/index.html is missing. An existing build is
 * kept as it is, so after changing web/ run `npm run build:web` again.
 */
export async function ensureWebBuild(log: (line: string) => void = () => {}): Promise<void> {
  const index = join(WEB_DIST_DIR, 'index.html');
  if (
    await access(index).then(
      () => true,
      () => false,
    )
  ) {
    return;
  }
  log('Building the dashboard into web/dist (first start)');
  // Vite is a development dependency, loaded only when a build is needed.
  const { build } = await import('vite');
  await build({ configFile: join(WEB_ROOT, 'vite.config.ts'), logLevel: 'warn' });
  log('Dashboard built');
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
