/**
 * Figure 1: time of the webhook's work per lead, by format. Each delivery runs `ingestDelivery` (authenticate,
 * parse, validate, normalise, store) against DynamoDB Local. Each delivery carries one lead with a new sender
 * id and a new signature, so every store is a conditional put of a new item.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  DynamoLeadRepository,
  DynamoPendingFetchRepository,
  DynamoQuarantineRepository,
} from '#shared/adapters/lead-repository-dynamodb';
import { FileSecretStore } from '#shared/adapters/secret-store-file';
import { DynamoTenantRepository } from '#shared/adapters/tenant-repository-dynamodb';
import { type Delivery, type IngestDependencies, ingestDelivery } from '#shared/ingest/service';
import { systemClock } from '#shared/ports/clock';
import type { GraphApi } from '#shared/ports/graph-api';
import type { CreateOutcome } from '#shared/store/lead-repository';
import { signHmac, signMeta } from '#shared/tenant/auth';
import { tenantFromDemoDocument } from '#shared/tenant/import';
import { integrationSecretName, integrationSecretSchema, personIdKeySecretName } from '#shared/tenant/model';
import type { BenchEnvironment } from './environment';
import type { Figure } from './results';
import { median, quantile, round } from './stats';

const FIXTURES = 'test/fixtures';
const DEMO_TENANT = 'demo';

/** Deliveries per format before measuring, so JIT compilation, connection set-up and caches are warm. */
const WARM_UP_DELIVERIES = 30;

/** A webhook format under test: how to build the n-th delivery, each with its own sender lead id. */
export interface DeliveryFormat {
  key: string;
  label: string;
  integrationId: string;
  build(sequence: number): Delivery;
}

async function fixtureText(path: string): Promise<string> {
  return readFile(join(FIXTURES, path), 'utf8');
}

/**
 * Creates a Graph API that returns the fixture lead object for every leadgen id, with the id replaced. It makes
 * no network call, because the fetch from Meta is not part of the handler's own work.
 */
export function fixtureGraphApi(graphLeadText: string): GraphApi {
  return {
    async fetchLead(leadgenId: string): Promise<unknown> {
      const graphLead: unknown = JSON.parse(graphLeadText);
      return { ...(graphLead as Record<string, unknown>), id: leadgenId };
    },
  };
}

const encoder = new TextEncoder();

/** Builds the five formats from the test fixtures of the demo tenant. */
export async function deliveryFormats(secrets: Record<string, string>): Promise<DeliveryFormat[]> {
  const secretOf = (integrationId: string) =>
    integrationSecretSchema.parse(JSON.parse(secrets[integrationSecretName(DEMO_TENANT, integrationId)] ?? '{}'));
  const lacentraleSecret = secretOf('lacentrale').secret ?? '';
  const websiteSecret = secretOf('website').secret ?? '';
  const metaAppSecret = secretOf('meta-leads').appSecret ?? '';

  const adf = await fixtureText('leads/adf/lacentrale-vo.xml');
  const googleAds = await fixtureText('leads/google-ads/lead-form.json');
  const webFormJson = await fixtureText('leads/web-form/contact.json');
  const webFormUrlencoded = (await fixtureText('leads/web-form/service-booking.urlencoded')).trim();

  const hmacDelivery = (integrationId: string, secret: string, contentType: string, text: string): Delivery => {
    const body = encoder.encode(text);
    return {
      tenantId: DEMO_TENANT,
      integrationId,
      headers: { 'content-type': contentType, 'x-signature': signHmac(secret, body, Date.now() / 1000) },
      body,
    };
  };

  return [
    {
      key: 'Adf',
      label: 'ADF/XML',
      integrationId: 'lacentrale',
      build: (sequence) =>
        hmacDelivery(
          'lacentrale',
          lacentraleSecret,
          'application/xml',
          adf.replace('LC-2026-000417', `LC-BENCH-${sequence}`),
        ),
    },
    {
      key: 'GoogleAds',
      label: 'Google Ads lead form',
      integrationId: 'google-ads',
      build: (sequence) => ({
        tenantId: DEMO_TENANT,
        integrationId: 'google-ads',
        headers: { 'content-type': 'application/json' },
        body: encoder.encode(googleAds.replace('TeSter-b9c3e1f0-0417', `bench-${sequence}`)),
      }),
    },
    {
      key: 'Meta',
      label: 'Meta leadgen',
      integrationId: 'meta-leads',
      build: (sequence) => {
        const body = encoder.encode(metaWebhookFor(`93${String(sequence).padStart(13, '0')}`));
        return {
          tenantId: DEMO_TENANT,
          integrationId: 'meta-leads',
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(metaAppSecret, body) },
          body,
        };
      },
    },
    {
      key: 'WebFormJson',
      label: 'Web form JSON',
      integrationId: 'website',
      build: (sequence) =>
        hmacDelivery(
          'website',
          websiteSecret,
          'application/json',
          webFormJson.replace('{', `{"submissionId":"bench-json-${sequence}",`),
        ),
    },
    {
      key: 'WebFormUrlencoded',
      label: 'Web form urlencoded',
      integrationId: 'website',
      build: (sequence) =>
        hmacDelivery(
          'website',
          websiteSecret,
          'application/x-www-form-urlencoded',
          `submission_id=bench-form-${sequence}&${webFormUrlencoded}`,
        ),
    },
  ];
}

/** Builds a Meta webhook body with a single `leadgen` change, shaped like the fixture's first change. */
export function metaWebhookFor(leadgenId: string): string {
  const createdTime = Math.floor(Date.now() / 1000);
  return JSON.stringify({
    object: 'page',
    entry: [
      {
        id: '104200000000001',
        time: createdTime,
        changes: [
          {
            field: 'leadgen',
            value: {
              leadgen_id: leadgenId,
              page_id: '104200000000001',
              form_id: '330000000000001',
              adgroup_id: '444000000000001',
              ad_id: '444000000000001',
              created_time: createdTime,
            },
          },
        ],
      },
    ],
  });
}

/** Stores the demo tenant, its integration secrets and a person-id key, and returns the handler's dependencies. */
export async function demoTenantDependencies(
  env: BenchEnvironment,
): Promise<{ deps: IngestDependencies; leads: TimedLeadRepository; secrets: Record<string, string> }> {
  const document: unknown = JSON.parse(await fixtureText('tenants/demo.json'));
  const { config, secrets } = tenantFromDemoDocument(document);
  const tableOptions = { client: env.documentClient, tableName: env.leadsTable };
  const tenants = new DynamoTenantRepository(tableOptions);
  await tenants.put(config);

  const secretsFile = join(env.dir, 'secrets.json');
  await writeFile(secretsFile, '{}\n', { mode: 0o600 });
  await FileSecretStore.write(secretsFile, { ...secrets, [personIdKeySecretName(DEMO_TENANT)]: 'a1'.repeat(32) });

  const leads = new TimedLeadRepository(tableOptions);
  const deps: IngestDependencies = {
    tenants,
    secrets: new FileSecretStore(secretsFile),
    leads,
    quarantine: new DynamoQuarantineRepository(tableOptions),
    pending: new DynamoPendingFetchRepository(tableOptions),
    graph: fixtureGraphApi(await fixtureText('leads/meta/graph/920000000000001.json')),
    clock: systemClock,
  };
  return { deps, leads, secrets };
}

/** The lead store on DynamoDB, measuring the time spent in `createIfAbsent`: the store's share of a delivery. */
class TimedLeadRepository extends DynamoLeadRepository {
  storeMs = 0;

  override async createIfAbsent(...args: Parameters<DynamoLeadRepository['createIfAbsent']>): Promise<CreateOutcome> {
    const start = performance.now();
    try {
      return await super.createIfAbsent(...args);
    } finally {
      this.storeMs += performance.now() - start;
    }
  }
}

interface DeliverySample {
  totalMs: number;
  storeMs: number;
}

async function deliverOne(
  deps: IngestDependencies,
  leads: TimedLeadRepository,
  format: DeliveryFormat,
  sequence: number,
): Promise<DeliverySample> {
  const delivery = format.build(sequence);
  leads.storeMs = 0;
  const start = performance.now();
  const result = await ingestDelivery(deps, delivery);
  const totalMs = performance.now() - start;
  if (result.leadIds.length !== 1 || result.duplicates.length !== 0 || result.pending.length !== 0) {
    throw new Error(
      `${format.label} delivery ${sequence} did not store exactly one new lead: ${JSON.stringify(result)}`,
    );
  }
  return { totalMs, storeMs: leads.storeMs };
}

/** Measures `ingestDelivery` per format and returns median and p95 milliseconds per lead. */
export async function benchWebhook(env: BenchEnvironment, deliveriesPerFormat: number): Promise<Figure[]> {
  const { deps, leads, secrets } = await demoTenantDependencies(env);
  const formats = await deliveryFormats(secrets);
  const figures: Figure[] = [];
  let sequence = 0;

  for (const format of formats) {
    for (let index = 0; index < WARM_UP_DELIVERIES; index += 1) {
      sequence += 1;
      await deliverOne(deps, leads, format, sequence);
    }
    const samples: DeliverySample[] = [];
    for (let index = 0; index < deliveriesPerFormat; index += 1) {
      sequence += 1;
      samples.push(await deliverOne(deps, leads, format, sequence));
    }
    const totals = samples.map((sample) => sample.totalMs);
    const outsideStore = samples.map((sample) => sample.totalMs - sample.storeMs);
    figures.push(
      {
        key: `webhook${format.key}MsPerLeadMedian`,
        label: `${format.label}, median`,
        value: round(median(totals), 3),
        unit: 'ms/lead',
      },
      {
        key: `webhook${format.key}MsPerLeadP95`,
        label: `${format.label}, p95`,
        value: round(quantile(totals, 0.95), 3),
        unit: 'ms/lead',
      },
      {
        key: `webhook${format.key}MsPerLeadOutsideStoreMedian`,
        label: `${format.label}, without the lead store put, median`,
        value: round(median(outsideStore), 3),
        unit: 'ms/lead',
      },
    );
  }
  figures.push({
    key: 'webhookDeliveriesPerFormat',
    label: 'Deliveries measured per format',
    value: deliveriesPerFormat,
    unit: 'deliveries',
  });
  return figures;
}
