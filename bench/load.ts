/**
 * Figure 6: a load test of the whole local stack. Concurrent senders post signed deliveries through the local
 * gateway: mostly new leads in four formats of three integrations, some exact resends of a delivery already
 * sent, and some signed payloads that do not parse. Afterwards the stored leads, the quarantine and the
 * nightly KPI totals must match what was sent, or the run fails.
 *
 * The gateway's rate limits are set far above what the stack can serve (`BENCH_RATE_LIMITS`), so that no
 * delivery is throttled and the figures measure the handlers, DynamoDB Local and the gateway, not the limits.
 *
 * `npx tsx bench/load.ts --leads 2000` runs it alone and prints the figures without writing results;
 * `--json FILE` also writes them to FILE, which is how `npm run bench` runs it (see `benchInChildProcess` in bench/suite.ts).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { readTenantDocument, signatureHeaders, type TenantDocument } from '#infra/local/deliveries';
import { DynamoQuarantineRepository } from '#shared/adapters/lead-repository-dynamodb';
import { LEAD_ENTITY } from '#shared/store/tables';
import type { Figure } from './results';
import { quantile, round } from './stats';

const FIXTURES = 'test/fixtures';

export interface LoadOptions {
  /** Deliveries to post in all: new leads, resends and malformed payloads. */
  deliveries: number;
  senders: number;
  /** Share of deliveries that resend an earlier delivery byte for byte, signature included. */
  duplicateShare: number;
  /** Share of deliveries whose payload is signed but cannot be parsed, so it is quarantined. */
  malformedShare: number;
  /** Prints progress lines; the suite passes its own. */
  progress?: (message: string) => void;
}

export const FULL_LOAD: Omit<LoadOptions, 'progress'> = {
  deliveries: 20_000,
  senders: 20,
  duplicateShare: 0.05,
  malformedShare: 0.01,
};

/** Far above the stack's capacity, so that no delivery is throttled. */
const BENCH_RATE_LIMITS = {
  routes: false,
  perTenant: { ratePerSecond: 1_000_000, burst: 1_000_000 },
  perIntegration: { ratePerSecond: 1_000_000, burst: 1_000_000 },
} as const;

/** Resends pick among the most recent deliveries, so their signature is still inside the 300 s window. */
const RESEND_WINDOW = 200;

interface Request {
  integrationId: string;
  contentType: string;
  body: Buffer;
  headers: Record<string, string>;
}

type Kind = 'new' | 'resend' | 'malformed';

/** Builds the n-th new lead of one format, each with its own sender lead id. */
type Builder = (sequence: number) => Request;

const ingestResultSchema = z.object({ leadIds: z.array(z.string()), duplicates: z.array(z.string()) });
const kpiReportSchema = z.object({ totals: z.object({ leads: z.number() }) });

interface LoadCounts {
  newSent: number;
  resendsSent: number;
  malformedSent: number;
  /** Responses whose status was not the one expected for their kind (202, or 400 for malformed payloads). */
  unexpected: Map<string, number>;
  latenciesMs: number[];
}

/**
 * Runs the load test on a fresh local stack in a temporary folder and returns its figures.
 *
 * @throws Error when the stored leads, the quarantine or the nightly totals differ from what was sent, or
 * when a response had an unexpected status.
 */
export async function benchLoad(options: LoadOptions): Promise<Figure[]> {
  const progress = options.progress ?? (() => {});
  // Loaded here, not at the top, so that a standalone run sets the Powertools variables before any handler loads.
  const { startLocalStack, DEMO_TENANT_DOCUMENT, LOCAL_TABLE_NAMES } = await import('#infra/local/stack');
  const dataDir = await mkdtemp(join(tmpdir(), 'leadpilot-load-'));
  const logs: string[] = [];
  const stack = await startLocalStack({
    dataDir,
    port: 0,
    demoData: false,
    fresh: false,
    log: (line) => logs.push(line),
    rateLimits: BENCH_RATE_LIMITS,
  });
  try {
    const tenant = await readTenantDocument(DEMO_TENANT_DOCUMENT);
    const builders = await formatBuilders(tenant);

    progress(`load: ${options.deliveries} deliveries from ${options.senders} concurrent senders`);
    const started = performance.now();
    const counts = await send(stack.url, tenant, builders, options);
    const sendSeconds = (performance.now() - started) / 1000;

    progress('load: counting stored leads and quarantined payloads');
    const stored = await countLeads(stack.documentClient, LOCAL_TABLE_NAMES.leads, tenant.tenantId);
    const quarantined = await countQuarantined(stack.documentClient, LOCAL_TABLE_NAMES.leads, tenant.tenantId);

    progress('load: draining the stream poller and running the nightly job');
    const range = { from: stored.firstDate, to: stored.lastDate };
    await stack.runNightly({ tenantId: tenant.tenantId, ...range });
    const nightlyLeads = await kpiTotalLeads(stack.url, await stack.issueToken(), range);

    const mismatches = [
      stored.count === counts.newSent ? '' : `${stored.count} leads stored, ${counts.newSent} distinct sent`,
      quarantined === counts.malformedSent ? '' : `${quarantined} quarantined, ${counts.malformedSent} malformed sent`,
      nightlyLeads === counts.newSent ? '' : `nightly total ${nightlyLeads}, ${counts.newSent} distinct sent`,
      counts.unexpected.size === 0
        ? ''
        : `unexpected statuses ${JSON.stringify(Object.fromEntries(counts.unexpected))}`,
    ].filter(Boolean);
    if (mismatches.length > 0) {
      throw new Error(`Load test failed: ${mismatches.join('; ')}; stack log: ${logs.slice(-5).join(' | ')}`);
    }

    const sent = counts.newSent + counts.resendsSent + counts.malformedSent;
    return [
      { key: 'loadDeliveriesSent', label: 'Deliveries sent', value: sent, unit: 'requests' },
      { key: 'loadSenders', label: 'Concurrent senders', value: options.senders, unit: 'senders' },
      { key: 'loadDistinctLeadsSent', label: 'Distinct valid leads sent', value: counts.newSent, unit: 'leads' },
      { key: 'loadResendsSent', label: 'Exact resends sent', value: counts.resendsSent, unit: 'requests' },
      { key: 'loadMalformedSent', label: 'Malformed payloads sent', value: counts.malformedSent, unit: 'requests' },
      { key: 'loadLeadsStored', label: 'Leads stored', value: stored.count, unit: 'leads' },
      { key: 'loadQuarantined', label: 'Payloads quarantined', value: quarantined, unit: 'payloads' },
      { key: 'loadNightlyTotalLeads', label: 'Nightly KPI total', value: nightlyLeads, unit: 'leads' },
      {
        key: 'loadRequestsPerSecond',
        label: 'Throughput, all deliveries',
        value: round(sent / sendSeconds, 4),
        unit: 'requests/s',
      },
      {
        key: 'loadLeadsPerSecond',
        label: 'Throughput, distinct leads',
        value: round(counts.newSent / sendSeconds, 4),
        unit: 'leads/s',
      },
      ...([0.5, 0.95, 0.99] as const).map((q) => ({
        key: `loadLatencyMsP${q * 100}`,
        label: `Latency, p${q * 100}`,
        value: round(quantile(counts.latenciesMs, q), 4),
        unit: 'ms',
      })),
    ];
  } finally {
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** New-lead builders for ADF/XML, Google Ads lead forms and web forms (JSON and urlencoded), from the fixtures. */
async function formatBuilders(tenant: TenantDocument): Promise<Builder[]> {
  const text = (path: string) => readFile(join(FIXTURES, path), 'utf8');
  const adf = await text('leads/adf/lacentrale-vo.xml');
  const googleAds = await text('leads/google-ads/lead-form.json');
  const webFormJson = await text('leads/web-form/contact.json');
  const webFormUrlencoded = (await text('leads/web-form/service-booking.urlencoded')).trim();

  const request = (integrationId: string, contentType: string, bodyText: string): Request => {
    const body = Buffer.from(bodyText);
    return { integrationId, contentType, body, headers: signatureHeaders(tenant, integrationId, body) };
  };
  return [
    (n) => request('lacentrale', 'application/xml', adf.replace('LC-2026-000417', `LC-LOAD-${n}`)),
    (n) => request('google-ads', 'application/json', googleAds.replace('TeSter-b9c3e1f0-0417', `load-${n}`)),
    (n) => request('website', 'application/json', webFormJson.replace('{', `{"submissionId":"load-json-${n}",`)),
    (n) => request('website', 'application/x-www-form-urlencoded', `submission_id=load-form-${n}&${webFormUrlencoded}`),
  ];
}

/** Builds a signed payload that fails parsing: truncated XML for ADF, truncated JSON for the web form. */
function malformedRequest(tenant: TenantDocument, sequence: number): Request {
  const [integrationId, contentType, bodyText] =
    sequence % 2 === 0
      ? ['lacentrale', 'application/xml', `<?xml version="1.0"?><adf><prospect><id>LOAD-BAD-${sequence}</id>`]
      : ['website', 'application/json', `{"submissionId":"load-bad-${sequence}","email":`];
  const body = Buffer.from(bodyText);
  return { integrationId, contentType, body, headers: signatureHeaders(tenant, integrationId, body) };
}

/**
 * Returns the kind of each delivery: `round(share * deliveries)` resends and malformed payloads, spread evenly over
 * the run. An even spread, not a random one, keeps the counts exact at every size.
 */
export function deliveryKinds(options: Pick<LoadOptions, 'deliveries' | 'duplicateShare' | 'malformedShare'>): Kind[] {
  const kinds: Kind[] = Array.from({ length: options.deliveries }, () => 'new');
  const place = (kind: Kind, count: number, phase: number) => {
    for (let k = 0; k < count; k += 1) {
      let position = Math.floor(((k + phase) * options.deliveries) / count);
      // A position taken by the other kind moves to the next free one.
      while (kinds[position] !== 'new') {
        position = (position + 1) % options.deliveries;
      }
      kinds[position] = kind;
    }
  };
  place('malformed', Math.round(options.deliveries * options.malformedShare), 0.5);
  // Resends start late enough in their period that a new lead was sent before the first one.
  place('resend', Math.round(options.deliveries * options.duplicateShare), 0.75);
  return kinds;
}

async function send(baseUrl: string, tenant: TenantDocument, builders: Builder[], options: LoadOptions) {
  const counts: LoadCounts = { newSent: 0, resendsSent: 0, malformedSent: 0, unexpected: new Map(), latenciesMs: [] };
  const recent: Request[] = [];
  const kinds = deliveryKinds(options);
  let next = 0;

  const sender = async () => {
    while (next < options.deliveries) {
      const index = next;
      next += 1;
      const kind = kinds[index] ?? 'new';
      if (kind === 'resend' && recent.length === 0) {
        throw new Error(`Delivery ${index} is a resend, but no delivery was sent before it`);
      }
      const request = pickRequest(kind, index, tenant, builders, recent);
      if (kind === 'new') {
        recent.push(request);
        if (recent.length > RESEND_WINDOW) {
          recent.shift();
        }
      }
      if (kind === 'new') {
        counts.newSent += 1;
      } else if (kind === 'resend') {
        counts.resendsSent += 1;
      } else {
        counts.malformedSent += 1;
      }

      const start = performance.now();
      const response = await fetch(`${baseUrl}/v1/webhooks/${tenant.tenantId}/${request.integrationId}`, {
        method: 'POST',
        headers: { 'content-type': request.contentType, ...request.headers },
        body: request.body,
      });
      const text = await response.text();
      counts.latenciesMs.push(performance.now() - start);
      recordStatus(counts, kind, response.status, text);
    }
  };
  await Promise.all(Array.from({ length: options.senders }, sender));
  return counts;
}

function pickRequest(kind: Kind, index: number, tenant: TenantDocument, builders: Builder[], recent: Request[]) {
  if (kind === 'malformed') {
    return malformedRequest(tenant, index);
  }
  if (kind === 'resend') {
    return recent[index % recent.length] as Request;
  }
  const builder = builders[index % builders.length] as Builder;
  return builder(index);
}

function recordStatus(counts: LoadCounts, kind: Kind, status: number, body: string): void {
  const expected = kind === 'malformed' ? 400 : 202;
  if (status === expected && (kind === 'malformed' || ingestResultSchema.safeParse(JSON.parse(body)).success)) {
    return;
  }
  const key = `${kind} ${status}`;
  counts.unexpected.set(key, (counts.unexpected.get(key) ?? 0) + 1);
}

/** Counts the tenant's lead items and the range of their local dates, with a paginated scan. */
async function countLeads(
  client: DynamoDBDocumentClient,
  tableName: string,
  tenantId: string,
): Promise<{ count: number; firstDate: string; lastDate: string }> {
  let count = 0;
  let firstDate = '9999-12-31';
  let lastDate = '0000-01-01';
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: 'entity = :lead AND tenantId = :tenant',
        ExpressionAttributeValues: { ':lead': LEAD_ENTITY, ':tenant': tenantId },
        ProjectionExpression: 'localDate',
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const date = String(item.localDate);
      count += 1;
      firstDate = date < firstDate ? date : firstDate;
      lastDate = date > lastDate ? date : lastDate;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { count, firstDate, lastDate };
}

async function countQuarantined(client: DynamoDBDocumentClient, tableName: string, tenantId: string) {
  const quarantine = new DynamoQuarantineRepository({ client, tableName });
  return (await quarantine.list(tenantId)).length;
}

async function kpiTotalLeads(baseUrl: string, token: string, range: { from: string; to: string }): Promise<number> {
  const response = await fetch(`${baseUrl}/v1/kpis?from=${range.from}&to=${range.to}&groupBy=site`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (response.status !== 200) {
    throw new Error(`GET /v1/kpis returned ${response.status}: ${await response.text()}`);
  }
  return kpiReportSchema.parse(await response.json()).totals.leads;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { leads: { type: 'string' }, json: { type: 'string' } } });
  const deliveries = Number(values.leads ?? FULL_LOAD.deliveries);
  if (!(Number.isInteger(deliveries) && deliveries > 0)) {
    throw new Error(`--leads must be a positive whole number of deliveries, got "${values.leads}"`);
  }
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const loadAtStart = loadavg()[0] ?? 0;
  const figures = await benchLoad({
    ...FULL_LOAD,
    deliveries,
    progress: (message) => process.stderr.write(`${message}\n`),
  });
  if (values.json) {
    await writeFile(values.json, JSON.stringify(figures));
  }
  const { formatTable } = await import('./results');
  process.stdout.write(`${formatTable([{ title: '6. Load test through the local gateway', figures }])}\n`);
  // Throughput and latency depend on what else runs on the machine; the load average shows it.
  const loadAtEnd = loadavg()[0] ?? 0;
  process.stdout.write(
    `1-minute load average: ${loadAtStart.toFixed(2)} at the start, ${loadAtEnd.toFixed(2)} at the end\n`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
