/**
 * `npm run nightly -- --tenant demo --from YYYY-MM-DD --to YYYY-MM-DD`: runs the nightly KPI job on the running
 * local stack (found through `<LEADPILOT_DATA_DIR>/stack.json`, or PORT when set) and prints its result.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { dataDirFromEnvironment, exitOnError, fail, parseTenantCommandLine, portFromEnvironment } from './cli';
import { StackNotFoundError } from './errors';

const USAGE = `Usage: npm run nightly -- --tenant <tenantId> [--from YYYY-MM-DD --to YYYY-MM-DD]
  --tenant  tenant id (demo for the demo tenant)
  --from    first local date to recompute; without --from and --to, the job's default window
  --to      last local date to recompute, included`;

const stackFileSchema = z.object({ port: z.number().int() });

async function stackPort(dataDir: string): Promise<number> {
  const explicit = portFromEnvironment('PORT', undefined);
  if (explicit !== undefined) {
    return explicit;
  }
  const path = join(dataDir, 'stack.json');
  try {
    return stackFileSchema.parse(JSON.parse(await readFile(path, 'utf8'))).port;
  } catch (error) {
    throw new StackNotFoundError(
      `No running local stack found (${path} is missing or invalid); start it with npm start, or set PORT`,
      { cause: error },
    );
  }
}

async function main(): Promise<void> {
  const values = parseTenantCommandLine({ from: { type: 'string' }, to: { type: 'string' } }, USAGE);
  if (!values) {
    return;
  }

  const port = await stackPort(dataDirFromEnvironment());
  let response: Response;
  try {
    response = await fetch(`http://127.0.0.1:${port}/_local/nightly`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: values.tenant, from: values.from, to: values.to }),
    });
  } catch (error) {
    throw new StackNotFoundError(`No local stack responds on port ${port}; start it with npm start`, { cause: error });
  }
  const text = await response.text();
  if (!response.ok) {
    fail(`Nightly run failed with HTTP ${response.status}: ${text}`);
  }
  process.stdout.write(`${text}\n`);
}

main().catch(exitOnError);
