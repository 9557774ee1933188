/**
 * The API reference page at `/docs`: Redoc's rendering of docs/openapi.json, built by the Redocly CLI with
 * its JavaScript inlined so the page loads nothing from outside the machine.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { LocalPage } from './gateway';

const run = promisify(execFile);
const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Returns a page that builds `<dataDir>/api-reference.html` on its first request and serves it from then
 * on. Building takes a few seconds, which is why it does not happen at start-up.
 */
export function apiReferencePage(dataDir: string): LocalPage {
  let built: Promise<Buffer> | undefined;
  const output = join(dataDir, 'api-reference.html');
  const build = async () => {
    await run(
      join(PROJECT_ROOT, 'node_modules', '.bin', 'redocly'),
      ['build-docs', join(PROJECT_ROOT, 'docs', 'openapi.json'), '--inlineBundle', '-o', output],
      { cwd: PROJECT_ROOT, env: { ...process.env, REDOCLY_TELEMETRY: 'off' } },
    );
    return readFile(output);
  };
  return async () => {
    built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return { contentType: 'text/html; charset=utf-8', body: await built };
  };
}
