/**
 * `npm run tenant -- <command>`: tenant configuration as operators change it, on the local stack or on a
 * deployed lead table. Secrets are generated here and printed once; `show` never prints them.
 */
import { readFile } from 'node:fs/promises';
import { AUTH_TYPES, type AuthType, INTEGRATION_FORMATS, type IntegrationFormat } from '#shared/tenant/model';
import { type CliContext, isDirectRun, parseToolArguments, reportError, runFromShell } from './run';
import { CliUsageError, openTarget, TARGET_OPTIONS, TARGET_USAGE } from './target';
import {
  addAlias,
  addIntegration,
  addSourceRule,
  DEFAULT_GRACE_HOURS,
  importTenant,
  readTenant,
  rotateSecret,
} from './tenant-commands';

const USAGE = `Usage: npm run tenant -- <command> [options]

Commands:
  import FILE.json
      Stores a tenant document (the test/fixtures/tenants/demo.json format): its configuration in the lead
      table, its credentials in the secret store, and a new person-id key unless the tenant has one.
  show TENANT
      Prints the tenant configuration as JSON; credentials are not part of it.
  add-integration TENANT --id ID --format FORMAT --source SOURCE --channel CHANNEL --auth TYPE
                  [--app-secret-file FILE] [--access-token-file FILE]
      Adds an integration and generates its credential (HMAC secret, Google key or Meta verify token),
      printed once. FORMAT: ${INTEGRATION_FORMATS.join(', ')}. TYPE: ${AUTH_TYPES.join(', ')}.
      Meta integrations need the app secret that Meta issued, read from --app-secret-file; the page
      access token for Graph lead retrieval is read from --access-token-file.
  rotate-secret TENANT INTEGRATION [--grace-hours HOURS]
      Generates a new credential and prints it once. The previous HMAC secret stays valid for HOURS
      (default ${DEFAULT_GRACE_HOURS}); a Google key or a Meta verify token changes at once.
  add-alias TENANT SITE ALIAS
      Adds a vendor id or dealership name that routes leads to SITE.
  set-source-rule TENANT INTEGRATION --source SOURCE [--click-id NAME] [--utm-source LIST] [--utm-medium LIST]
      Appends a rule that sets the marketing source of matching leads; LIST is comma-separated.

${TARGET_USAGE}

  -h, --help          prints this help`;

const OPTIONS = {
  ...TARGET_OPTIONS,
  id: { type: 'string' },
  format: { type: 'string' },
  source: { type: 'string' },
  channel: { type: 'string' },
  auth: { type: 'string' },
  'app-secret-file': { type: 'string' },
  'access-token-file': { type: 'string' },
  'grace-hours': { type: 'string' },
  'click-id': { type: 'string' },
  'utm-source': { type: 'string' },
  'utm-medium': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionName = keyof typeof OPTIONS;
type Values = { [name in OptionName]?: (typeof OPTIONS)[name]['type'] extends 'boolean' ? boolean : string };

/** Positional arguments and command-specific options of each command. */
const COMMANDS: Record<string, { positionals: string[]; options: OptionName[] }> = {
  import: { positionals: ['FILE'], options: [] },
  show: { positionals: ['TENANT'], options: [] },
  'add-integration': {
    positionals: ['TENANT'],
    options: ['id', 'format', 'source', 'channel', 'auth', 'app-secret-file', 'access-token-file'],
  },
  'rotate-secret': { positionals: ['TENANT', 'INTEGRATION'], options: ['grace-hours'] },
  'add-alias': { positionals: ['TENANT', 'SITE', 'ALIAS'], options: [] },
  'set-source-rule': {
    positionals: ['TENANT', 'INTEGRATION'],
    options: ['source', 'click-id', 'utm-source', 'utm-medium'],
  },
};

/** Runs the tool with `argv` (the arguments after the script name) and returns the exit code. */
export async function main(argv: string[], context: CliContext): Promise<number> {
  try {
    const { values, positionals } = parseToolArguments(argv, OPTIONS);
    if (values.help) {
      context.print(USAGE);
      return 0;
    }
    const [command, ...args] = positionals;
    if (command === undefined) {
      throw new CliUsageError('A command is required');
    }
    const spec = COMMANDS[command];
    if (!spec) {
      throw new CliUsageError(`Unknown command "${command}"`);
    }
    checkArguments(command, spec, args, values);
    await run(command, args, values, context);
    return 0;
  } catch (error) {
    return reportError(error, USAGE, context);
  }
}

function checkArguments(
  command: string,
  spec: { positionals: string[]; options: OptionName[] },
  args: string[],
  values: Values,
): void {
  if (args.length !== spec.positionals.length) {
    throw new CliUsageError(`${command} takes ${spec.positionals.join(' ')}, got ${args.length} argument(s)`);
  }
  const allowed = new Set<string>([...Object.keys(TARGET_OPTIONS), 'help', ...spec.options]);
  const misplaced = Object.keys(values).filter((name) => !allowed.has(name));
  if (misplaced.length > 0) {
    throw new CliUsageError(`${command} does not take --${misplaced.join(', --')}`);
  }
}

async function run(command: string, args: string[], values: Values, context: CliContext): Promise<void> {
  // Input files are read before connecting, so a wrong path fails without touching the target.
  const document = command === 'import' ? await readJsonFile(args[0] as string) : undefined;
  const target = await openTarget(values, context.dataDir);
  try {
    switch (command) {
      case 'import': {
        const summary = await importTenant(target, document);
        context.print(
          `Tenant ${summary.tenantId} imported into ${target.tableName}: ${summary.sites} sites, ` +
            `${summary.integrations} integrations; person-id key ${summary.personIdKey}.`,
        );
        return;
      }
      case 'show': {
        const tenant = await readTenant(target, args[0] as string);
        context.print(JSON.stringify(tenant, null, 2));
        return;
      }
      case 'add-integration': {
        const [tenantId] = args as [string];
        const issued = await addIntegration(target, tenantId, {
          integrationId: required(values, 'id'),
          format: oneOf(values, 'format', INTEGRATION_FORMATS) as IntegrationFormat,
          source: required(values, 'source'),
          channel: required(values, 'channel'),
          auth: oneOf(values, 'auth', AUTH_TYPES) as AuthType,
          appSecret: await optionalFileText(values['app-secret-file']),
          accessToken: await optionalFileText(values['access-token-file']),
        });
        context.print(`Integration ${values.id} added to tenant ${tenantId}.`);
        context.print(`Webhook: POST /v1/webhooks/${tenantId}/${values.id}`);
        context.print(`${issued.field} (stored as ${issued.secretName}; shown this once, give it to the integrator):`);
        context.print(issued.value);
        context.warn(CACHE_NOTE);
        return;
      }
      case 'rotate-secret': {
        const [tenantId, integrationId] = args as [string, string];
        const rotation = await rotateSecret(target, tenantId, integrationId, {
          graceHours: graceHours(values['grace-hours']),
          now: context.clock(),
        });
        context.print(`New ${rotation.field} of ${tenantId}/${integrationId} (shown this once):`);
        context.print(rotation.value);
        context.warn(
          rotation.previousValidUntil
            ? `The previous secret is accepted until ${rotation.previousValidUntil}.`
            : `The previous ${rotation.field} is no longer valid; update it at the sender now.`,
        );
        return;
      }
      case 'add-alias': {
        const [tenantId, siteId, alias] = args as [string, string, string];
        const added = await addAlias(target, tenantId, siteId, alias);
        context.print(added ? `Alias "${alias}" added to site ${siteId}.` : `Site ${siteId} already has "${alias}".`);
        if (added) {
          context.warn(CACHE_NOTE);
        }
        return;
      }
      case 'set-source-rule': {
        const [tenantId, integrationId] = args as [string, string];
        const position = await addSourceRule(target, tenantId, integrationId, {
          when: {
            clickId: values['click-id'],
            utm_source: listOf(values['utm-source']),
            utm_medium: listOf(values['utm-medium']),
          },
          source: required(values, 'source'),
        });
        context.print(`Source rule ${position} of ${tenantId}/${integrationId} added.`);
        context.warn(CACHE_NOTE);
        return;
      }
    }
  } finally {
    target.close();
  }
}

/** The webhook caches tenant configurations for 30 s (`DynamoTenantRepository`'s default). */
const CACHE_NOTE = 'A running webhook applies the change within 30 s, when its cached configuration expires.';

function required(values: Values, name: 'id' | 'source' | 'channel'): string {
  const value = values[name];
  if (!value) {
    throw new CliUsageError(`--${name} is required`);
  }
  return value;
}

function oneOf(values: Values, name: 'format' | 'auth', allowed: readonly string[]): string {
  const value = values[name];
  if (!value || !allowed.includes(value)) {
    throw new CliUsageError(`--${name} must be one of ${allowed.join(', ')}${value ? `, got "${value}"` : ''}`);
  }
  return value;
}

function graceHours(text: string | undefined): number {
  if (text === undefined) {
    return DEFAULT_GRACE_HOURS;
  }
  const hours = Number(text);
  if (!/^\d+$/.test(text) || hours > 24 * 90) {
    throw new CliUsageError(`--grace-hours must be a whole number of hours from 0 to 2160, got "${text}"`);
  }
  return hours;
}

function listOf(text: string | undefined): string[] | undefined {
  if (text === undefined) {
    return undefined;
  }
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliUsageError(`Cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      cause: error,
    });
  }
  try {
    // The document is validated by tenantFromDemoDocument.
    return JSON.parse(text);
  } catch (error) {
    throw new CliUsageError(`${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

/** Reads a credential from a file, so that it does not appear in the shell history or the process list. */
async function optionalFileText(path: string | undefined): Promise<string | undefined> {
  if (path === undefined) {
    return undefined;
  }
  try {
    const text = (await readFile(path, 'utf8')).trim();
    if (text === '') {
      throw new CliUsageError(`${path} is empty`);
    }
    return text;
  } catch (error) {
    if (error instanceof CliUsageError) {
      throw error;
    }
    throw new CliUsageError(`Cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      cause: error,
    });
  }
}

if (isDirectRun(import.meta.url)) {
  runFromShell(main);
}
