/**
 * `npm run quarantine -- <command>`: quarantined payloads and pending Meta fetches of a tenant, on the local
 * stack or on a deployed lead table. Payload bodies are never printed because they contain personal data.
 */
import { HttpGraphApi } from '#shared/adapters/graph-api-http';
import {
  DynamoLeadRepository,
  DynamoPendingFetchRepository,
  DynamoQuarantineRepository,
} from '#shared/adapters/lead-repository-dynamodb';
import { DynamoTenantRepository } from '#shared/adapters/tenant-repository-dynamodb';
import type { IngestDependencies } from '#shared/ingest/pipeline';
import { replayQuarantined, retryPendingFetches } from '#shared/ingest/replay';
import { type CliContext, isDirectRun, parseToolArguments, reportError, runFromShell } from './run';
import { type CliTarget, CliUsageError, openTarget, TARGET_OPTIONS, TARGET_USAGE } from './target';

const USAGE = `Usage: npm run quarantine -- <command> [--tenant TENANT] [options]

Commands:
  list
      Lists the tenant's quarantined payloads: id, integration, time received, reason code and message,
      and when each was replayed. Bodies are not shown.
  replay ID
      Runs the payload ID again through the webhook's parse, build and store steps with the current
      configuration, and prints the lead ids and which of them were already stored. The signature is
      not checked again; a Google body that never parsed must still carry the integration's google_key.
      The entry is kept and marked as replayed.
  retry-pending
      Fetches the tenant's pending Meta leads from the Graph API again; stored leads leave the pending
      list, failed fetches stay with their attempt count.

Options:
  --tenant TENANT     tenant id (default: demo)
${TARGET_USAGE}

  -h, --help          prints this help`;

const OPTIONS = {
  ...TARGET_OPTIONS,
  tenant: { type: 'string', default: 'demo' },
  help: { type: 'boolean', short: 'h' },
} as const;

const POSITIONALS: Record<string, number> = { list: 0, replay: 1, 'retry-pending': 0 };

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
    const expected = POSITIONALS[command];
    if (expected === undefined) {
      throw new CliUsageError(`Unknown command "${command}"`);
    }
    if (args.length !== expected) {
      throw new CliUsageError(`${command} takes ${expected === 1 ? 'one ID' : 'no argument'}, got ${args.length}`);
    }

    const target = await openTarget(values, context.dataDir);
    try {
      const deps = ingestDependencies(target, context);
      if (command === 'list') {
        await list(deps, values.tenant, context);
      } else if (command === 'replay') {
        await replay(deps, values.tenant, args[0] as string, context);
      } else {
        return await retryPending(deps, values.tenant, context);
      }
    } finally {
      target.close();
    }
    return 0;
  } catch (error) {
    return reportError(error, USAGE, context);
  }
}

/** Returns the webhook's dependencies on the target, with a Graph API client of the target's Graph API root. */
function ingestDependencies(target: CliTarget, context: CliContext): IngestDependencies {
  const table = { client: target.documentClient, tableName: target.tableName };
  return {
    tenants: new DynamoTenantRepository({ ...table, cacheTtlMs: 0 }),
    secrets: target.secrets,
    leads: new DynamoLeadRepository(table),
    quarantine: new DynamoQuarantineRepository(table),
    pending: new DynamoPendingFetchRepository(table),
    graph: new HttpGraphApi({ baseUrl: target.graphApiBaseUrl }),
    clock: context.clock,
  };
}

async function list(deps: IngestDependencies, tenantId: string, context: CliContext): Promise<void> {
  const entries = await deps.quarantine.list(tenantId);
  if (entries.length === 0) {
    context.print(`No quarantined payloads for tenant ${tenantId}.`);
    return;
  }
  context.print(['id', 'integration', 'received', 'reason', 'message', 'replayed'].join('\t'));
  for (const entry of entries) {
    context.print(
      [
        entry.quarantineId,
        entry.integrationId,
        entry.receivedAt,
        entry.reasonCode,
        // One entry per line: a multi-line parser message is folded.
        entry.reasonMessage.replace(/\s+/g, ' '),
        entry.replayedAt ?? '-',
      ].join('\t'),
    );
  }
}

async function replay(deps: IngestDependencies, tenantId: string, quarantineId: string, context: CliContext) {
  const result = await replayQuarantined(deps, tenantId, quarantineId);
  const duplicates = new Set(result.duplicates);
  context.print(`Replayed ${quarantineId}: ${result.leadIds.length} lead(s), ${duplicates.size} already stored.`);
  for (const leadId of result.leadIds) {
    context.print(`${leadId}\t${duplicates.has(leadId) ? 'duplicate' : 'created'}`);
  }
  for (const leadgenId of result.pending) {
    context.print(`${leadgenId}\tpending (Graph fetch failed; run retry-pending later)`);
  }
}

/** Returns 1 when some fetches failed again, so a schedule can alert on it. */
async function retryPending(deps: IngestDependencies, tenantId: string, context: CliContext): Promise<number> {
  const result = await retryPendingFetches(deps, tenantId);
  const duplicates = new Set(result.duplicates);
  context.print(
    `Retried pending Meta fetches of ${tenantId}: ${result.leadIds.length} stored ` +
      `(${duplicates.size} already stored), ${result.failed.length} still pending.`,
  );
  for (const leadId of result.leadIds) {
    context.print(`${leadId}\t${duplicates.has(leadId) ? 'duplicate' : 'created'}`);
  }
  for (const failed of result.failed) {
    context.print(
      `${failed.integrationId}/${failed.leadgenId}\tstill pending\t${failed.reasonCode}\tattempts ${failed.attempts}`,
    );
  }
  return result.failed.length > 0 ? 1 : 0;
}

if (isDirectRun(import.meta.url)) {
  runFromShell(main);
}
