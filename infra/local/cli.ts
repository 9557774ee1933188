/** Settings and error output shared by the local stack's command-line entry points. */
import { resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { LocalStackError } from './errors';

export const DEFAULT_PORT = 3000;

/** Data directory from LEADPILOT_DATA_DIR, `.local/` under the working directory by default. */
export function dataDirFromEnvironment(): string {
  return resolve(process.env.LEADPILOT_DATA_DIR ?? '.local');
}

/** Reads a TCP port from an environment variable; exits with a message when it is not a port number. */
export function portFromEnvironment(name: string, fallback: number): number;
export function portFromEnvironment(name: string, fallback: undefined): number | undefined;
export function portFromEnvironment(name: string, fallback: number | undefined): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') {
    return fallback;
  }
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    fail(`${name} must be a port number between 0 and 65535, got "${text}"`);
  }
  return port;
}

/** Prints the message of a known local-stack error (or the stack of an unexpected one) and exits 1. */
export function exitOnError(error: unknown): never {
  if (error instanceof LocalStackError) {
    fail(error.message);
  }
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}

export function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

type StringOptions<Names extends string> = Record<Names, { type: 'string' }>;

/**
 * Parses the command line of a local-stack command whose options are strings, with `--help` and a required
 * `--tenant`. Exits with the usage text on an unknown option or a missing tenant; returns null after
 * printing the usage for `--help`.
 */
export function parseTenantCommandLine<Names extends string>(
  options: StringOptions<Names>,
  usage: string,
): ({ tenant: string } & Partial<Record<Names, string>>) | null {
  let values: Record<string, string | boolean | undefined>;
  try {
    const config: ParseArgsConfig = {
      options: { ...options, tenant: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    };
    ({ values } = parseArgs(config) as { values: Record<string, string | boolean | undefined> });
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return null;
  }
  if (typeof values.tenant !== 'string' || values.tenant === '') {
    fail(`--tenant is required\n${usage}`);
  }
  return values as { tenant: string } & Partial<Record<Names, string>>;
}
