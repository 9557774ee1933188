/**
 * `npm run spend -- import FILE.csv`: loads a tenant's marketing spend from a CSV file (French Excel
 * accepted) into the aggregates table, on the local stack or on a deployed one. The months in the file
 * replace the spend stored for them.
 */
import { readFile } from 'node:fs/promises';
import { LOCAL_TABLE_NAMES } from '#infra/local/stack';
import { DynamoDbSpendStore } from '#shared/adapters/spend-dynamodb';
import { replaceSpend } from '#shared/kpi/spend';
import { parseSpendCsv } from '#shared/kpi/spend-csv';
import { type CliContext, isDirectRun, parseToolArguments, reportError, runFromShell } from './run';
import { CliUsageError, openTarget, TARGET_OPTIONS, TARGET_USAGE } from './target';

const USAGE = `Usage: npm run spend -- import FILE.csv [--tenant TENANT] [options]

Commands:
  import FILE.csv
      Reads spend rows (month, source, optional campaign, optional site, amount in EUR) and replaces
      the tenant's spend of every month the file names. French Excel CSV is accepted: ";" between
      fields, decimal comma, UTF-8 with or without BOM. Header names in French or English:
      mois/month, source, campagne/campaign, site, montant/amount. Months are YYYY-MM or MM/YYYY.
      Spend without a site is spread over the sites by their share of the month's leads.

Options:
  --tenant TENANT            tenant id (default: demo)
  --aggregates-table NAME    physical name of the aggregates table (required with --target aws)
${TARGET_USAGE}

  -h, --help                 prints this help`;

const OPTIONS = {
  ...TARGET_OPTIONS,
  tenant: { type: 'string', default: 'demo' },
  'aggregates-table': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs the tool with `argv` (the arguments after the script name) and returns the exit code. */
export async function main(argv: string[], context: CliContext): Promise<number> {
  try {
    const { values, positionals } = parseToolArguments(argv, OPTIONS);
    if (values.help) {
      context.print(USAGE);
      return 0;
    }
    const [command, file, ...extra] = positionals;
    if (command !== 'import' || file === undefined || extra.length > 0) {
      throw new CliUsageError('The command is: import FILE.csv');
    }
    const aggregatesTable = values.target === 'aws' ? values['aggregates-table'] : LOCAL_TABLE_NAMES.aggregates;
    if (!aggregatesTable) {
      throw new CliUsageError('--aggregates-table is required with --target aws');
    }

    const rows = parseSpendCsv(await readFile(file));
    const target = await openTarget(values, context.dataDir);
    try {
      const store = new DynamoDbSpendStore({ client: target.documentClient, tableName: aggregatesTable });
      // The operator running the tool acts for the whole group.
      const caller = { tenantId: values.tenant, role: 'group-admin' as const, sites: '*' as const, subject: 'cli' };
      const result = await replaceSpend(store, caller, rows);
      context.print(
        `Stored ${result.rows} spend rows for ${values.tenant}, replacing months ${result.months.join(', ')}.`,
      );
      context.print(
        'GET /v1/kpis reads spend when it answers, so cost per lead, cost per sale and ROI use it at once.',
      );
    } finally {
      target.close();
    }
    return 0;
  } catch (error) {
    return reportError(error, USAGE, context);
  }
}

if (isDirectRun(import.meta.url)) {
  runFromShell(main);
}
