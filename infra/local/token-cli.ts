/**
 * `npm run token -- --tenant demo [--role site-manager --sites amiens-nord]`: prints a dev JWT for the local
 * gateway, signed with the secret of the data directory (LEADPILOT_DATA_DIR, default `.local/`).
 */
import { dataDirFromEnvironment, exitOnError, fail, parseTenantCommandLine } from './cli';
import { issueDevToken, readDevJwtSecret } from './dev-token';

const USAGE = `Usage: npm run token -- --tenant <tenantId> [--role <role>] [--sites <ids>] [--subject <sub>]
       [--salesperson <id>] [--ttl <seconds>]
  --tenant   tenant id (demo for the demo tenant)
  --role     role claim, default group-admin
  --sites    comma-separated site ids, or * (default) for every site
  --subject  sub claim, default dev-<tenant>-<role>
  --salesperson  salesperson id of the tenant team (salesperson role), default the sub claim
  --ttl      lifetime in seconds, default 43200 (12 h)`;

async function main(): Promise<void> {
  const values = parseTenantCommandLine(
    {
      role: { type: 'string' },
      sites: { type: 'string' },
      subject: { type: 'string' },
      salesperson: { type: 'string' },
      ttl: { type: 'string' },
    },
    USAGE,
  );
  if (!values) {
    return;
  }
  const ttlSeconds = values.ttl === undefined ? undefined : Number(values.ttl);
  if (ttlSeconds !== undefined && !(Number.isInteger(ttlSeconds) && ttlSeconds > 0)) {
    fail(`--ttl must be a positive number of seconds, got "${values.ttl}"`);
  }

  const secret = await readDevJwtSecret(dataDirFromEnvironment());
  const token = await issueDevToken(secret, {
    tenantId: values.tenant,
    role: values.role,
    sites: values.sites,
    subject: values.subject,
    salesperson: values.salesperson,
    ttlSeconds,
  });
  process.stdout.write(`${token}\n`);
}

main().catch(exitOnError);
