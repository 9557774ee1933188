/** Process plumbing shared by the operator tools: output, exit codes and the direct-run check. */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { dataDirFromEnvironment } from '#infra/local/cli';
import { LocalStackError } from '#infra/local/errors';
import { DomainError } from '#shared/errors';
import { logger } from '#shared/logger';
import { type Clock, systemClock } from '#shared/ports/clock';
import { CliUsageError } from './target';

/** What a tool's `main` depends on besides its arguments; tests pass their own. */
export interface CliContext {
  /** Data directory of the local stack. */
  dataDir: string;
  /** Writes one line of the command's result to standard output. */
  print(line: string): void;
  /** Writes one line of diagnostics to standard error. */
  warn(line: string): void;
  clock: Clock;
}

/** Context of a tool run from the shell: LEADPILOT_DATA_DIR (default `.local`), stdout, stderr, system time. */
export function processContext(): CliContext {
  return {
    dataDir: dataDirFromEnvironment(),
    print: (line) => process.stdout.write(`${line}\n`),
    warn: (line) => process.stderr.write(`${line}\n`),
    clock: systemClock,
  };
}

/**
 * Reports an error of a command and returns the exit code: 2 with the usage for a command-line mistake,
 * 1 with the message for a known error (a domain error also shows its code), 1 with the stack otherwise.
 */
export function reportError(error: unknown, usage: string, context: CliContext): number {
  if (error instanceof CliUsageError) {
    context.warn(error.message);
    context.warn(usage);
    return 2;
  }
  if (error instanceof DomainError) {
    context.warn(`${error.code}: ${error.message}`);
    return 1;
  }
  if (error instanceof LocalStackError) {
    context.warn(error.message);
    return 1;
  }
  context.warn(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return 1;
}

/** True when the module at `moduleUrl` is the script that Node (or tsx) was started with. */
export function isDirectRun(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) {
    return false;
  }
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/** Runs `main` with the process arguments and sets the exit code it returns. */
export function runFromShell(main: (argv: string[], context: CliContext) => Promise<number>): void {
  // The tools print their own results on stdout; the shared code's INFO logs would interleave with them.
  logger.setLogLevel('WARN');
  main(process.argv.slice(2), processContext()).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

/**
 * Parses a tool's arguments: its options and positional arguments, with unknown options rejected.
 *
 * @throws CliUsageError with `parseArgs`'s message, so the tool prints it with its usage.
 */
export function parseToolArguments<Options extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: Options,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliUsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}
