/**
 * `npm start`: starts the local stack and keeps it running until SIGINT or SIGTERM.
 *
 * Environment: PORT (gateway, default 3000), LEADPILOT_DATA_DIR (default `.local/`), DYNAMODB_PORT (default: a
 * free port). Flags: `--no-demo-data` skips the fixtures and the simulated month; `--fresh` deletes the data
 * directory first.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_PORT, dataDirFromEnvironment, exitOnError, fail, portFromEnvironment } from './cli';
import { type LocalStack, startLocalStack } from './stack';
import { ensureWebBuild } from './web-assets';

const USAGE = `Usage: npm start -- [--no-demo-data] [--fresh]
  --no-demo-data  start with only the demo tenant, no leads
  --fresh         delete the data directory (LEADPILOT_DATA_DIR, default .local/) first
Environment: PORT (default ${DEFAULT_PORT}), LEADPILOT_DATA_DIR, DYNAMODB_PORT`;

function parseFlags(): { demoData: boolean; fresh: boolean } {
  try {
    const { values } = parseArgs({
      options: {
        'no-demo-data': { type: 'boolean', default: false },
        fresh: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    return { demoData: !values['no-demo-data'], fresh: values.fresh };
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
}

async function main(): Promise<void> {
  const flags = parseFlags();
  const dataDir = dataDirFromEnvironment();
  const port = portFromEnvironment('PORT', DEFAULT_PORT);
  const log = (line: string) => process.stderr.write(`[local] ${line}\n`);
  // Handler logs (JSON, one line per request) and EMF metric lines would bury the stack's own output;
  // POWERTOOLS_LOG_LEVEL=INFO shows them again.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

  // Handlers go in before the stack starts: a signal during startup exits at once, and the 'exit' hook of
  // DynamoDB Local kills the JVM, so no java process is left behind.
  let stack: LocalStack | undefined;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    log(`Received ${signal}, stopping`);
    if (!stack) {
      process.exit(130);
    }
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => exitOnError(error),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  await ensureWebBuild(log);
  log(`Starting the local stack with data in ${dataDir}${flags.demoData ? ', loading demo data' : ''}`);
  stack = await startLocalStack({
    dataDir,
    port,
    dynamoPort: portFromEnvironment('DYNAMODB_PORT', undefined),
    demoData: flags.demoData,
    fresh: flags.fresh,
    log,
  });

  const token = await stack.issueToken();
  process.stdout.write(`
LeadPilot local stack is running at ${stack.url}
Dashboard: ${stack.url}/ (sign in with the dev token below)

Dev token (tenant ${stack.tenantId}, group-admin, valid 12 h; npm run token -- --help for others):
${token}

Try:
  curl -s ${stack.url}/health
  curl -s -H "Authorization: Bearer ${token}" "${stack.url}/v1/kpis?from=2026-11-01&to=2026-11-30&groupBy=source"
  npm run nightly -- --tenant ${stack.tenantId} --from 2026-11-01 --to 2026-11-30

Webhooks: POST ${stack.url}/v1/webhooks/${stack.tenantId}/{integrationId} with the integration's signature;
see the README for a signed example.
Press Ctrl+C to stop.
`);
}

main().catch(exitOnError);
