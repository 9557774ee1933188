/**
 * Demo data for `npm start`: the fixtures of `test/fixtures/leads/`, then a simulated month of leads in the
 * formats the platforms send, then the nightly job over both periods, so the KPI API has something to show.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type Delivery,
  postDelivery,
  readFixtureDeliveries,
  readTenantDocument,
  type TenantDocument,
} from './deliveries';
import { DEMO_TENANT_DOCUMENT, FIXTURES_DIR, type LocalStack } from './stack';

/** Number of simulated leads; about 20 a day over 30 days. */
const SIMULATED_LEADS = 600;
const SIMULATED_DAYS = 30;
const PARALLEL_DELIVERIES = 8;
/** Month of the fixtures' `submittedAt` dates. */
const FIXTURE_MONTH = { from: '2026-11-01', to: '2026-11-30' };

const SITES = [
  { siteId: 'amiens-nord', name: 'Amiens Nord', vendorId: 'SITE-AMIENS-NORD', weight: 5 },
  { siteId: 'abbeville', name: 'Abbeville', vendorId: 'FR-00731', weight: 3 },
  { siteId: 'saint-denis-reunion', name: 'Saint-Denis (La Réunion)', vendorId: 'SITE-REUNION-SD', weight: 2 },
] as const;
type SimulatedSite = (typeof SITES)[number];

const VEHICLES = [
  { make: 'Peugeot', model: '208' },
  { make: 'Peugeot', model: '3008' },
  { make: 'Renault', model: 'Clio' },
  { make: 'Renault', model: 'Austral' },
  { make: 'Citroën', model: 'C5 Aircross' },
  { make: 'Dacia', model: 'Sandero' },
] as const;

interface SimulatedLead {
  delivery: Delivery;
  body: Buffer;
}

/** Loads every kind of demo data into a running stack; progress goes to `log`. */
export async function loadDemoData(stack: LocalStack, options: { log: (line: string) => void }): Promise<void> {
  const tenant = await readTenantDocument(DEMO_TENANT_DOCUMENT);

  const fixtures = await replayFixtures(stack.url, tenant);
  options.log(`Demo data: posted ${fixtures} fixture deliveries`);

  const now = new Date();
  const leads = simulateMonth(now, SIMULATED_LEADS);
  const rejected = await postAll(stack.url, tenant, leads);
  options.log(`Demo data: posted ${leads.length} simulated leads (${rejected} rejected)`);

  const lastDays = { from: isoDate(addDays(now, -SIMULATED_DAYS)), to: isoDate(now) };
  for (const range of [lastDays, FIXTURE_MONTH]) {
    await stack.runNightly({ tenantId: tenant.tenantId, ...range });
    options.log(`Demo data: nightly KPIs computed for ${range.from}..${range.to}`);
  }
}

/** Posts every fixture once, with the integration and content type that `expected.json` gives it, and returns how many were posted. */
export async function replayFixtures(baseUrl: string, tenant: TenantDocument): Promise<number> {
  const leadsDir = join(FIXTURES_DIR, 'leads');
  const deliveries = await readFixtureDeliveries(leadsDir);
  for (const [path, delivery] of deliveries) {
    const response = await postDelivery(baseUrl, tenant, delivery, await readFile(join(leadsDir, path)));
    if (response.status !== 202) {
      throw new Error(`Fixture ${path} was rejected with status ${response.status}: ${await response.text()}`);
    }
  }
  return deliveries.size;
}

/** Resends of one throttled delivery before it counts as rejected. */
const MAX_THROTTLED_ATTEMPTS = 5;

function retryAfterMs(response: Response): number {
  const seconds = Number(response.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 10) * 1000 : 1000;
}

async function postAll(baseUrl: string, tenant: TenantDocument, leads: SimulatedLead[]): Promise<number> {
  let next = 0;
  let rejected = 0;
  const worker = async () => {
    while (next < leads.length) {
      const lead = leads[next];
      next += 1;
      if (!lead) {
        continue;
      }
      let response = await postDelivery(baseUrl, tenant, lead.delivery, lead.body);
      await response.arrayBuffer();
      // The local gateway's rate limits answer 429 with Retry-After, as API Gateway does; a sender waits and resends.
      for (let attempt = 0; response.status === 429 && attempt < MAX_THROTTLED_ATTEMPTS; attempt += 1) {
        await delay(retryAfterMs(response));
        response = await postDelivery(baseUrl, tenant, lead.delivery, lead.body);
        await response.arrayBuffer();
      }
      if (response.status !== 202) {
        rejected += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_DELIVERIES }, worker));
  return rejected;
}

/**
 * Generates `count` leads dated over the 30 days before `now`, from a fixed seed so every start produces the
 * same month. Website forms (JSON) and ADF XML make up most of it, Google lead forms the rest. The people are
 * fake: "Prénom Test 0042", example.fr addresses and +33 6 00 numbers.
 */
export function simulateMonth(now: Date, count: number, seed = 20_261_101): SimulatedLead[] {
  const random = mulberry32(seed);
  const leads: SimulatedLead[] = [];
  for (let index = 1; index <= count; index += 1) {
    const person = fakePerson(index);
    const site = pickWeighted(random, SITES);
    const vehicle = VEHICLES[Math.floor(random() * VEHICLES.length)] ?? VEHICLES[0];
    // Office hours in mainland France: 08:00 to 19:59 UTC+1, on one of the last 30 days.
    const day = addDays(now, -Math.floor(random() * SIMULATED_DAYS));
    const submittedAt = new Date(
      Date.UTC(
        day.getUTCFullYear(),
        day.getUTCMonth(),
        day.getUTCDate(),
        7 + Math.floor(random() * 12),
        Math.floor(random() * 60),
      ),
    );
    if (submittedAt > now) {
      submittedAt.setUTCDate(submittedAt.getUTCDate() - 1);
    }
    const kind = random();
    const isNew = random() < 0.5;
    if (kind < 0.45) {
      leads.push(webFormLead(index, person, site, vehicle, isNew, submittedAt, random));
    } else if (kind < 0.85) {
      leads.push(adfLead(index, person, site, vehicle, isNew, submittedAt, random));
    } else {
      leads.push(googleLead(index, person, site, vehicle, isNew, submittedAt));
    }
  }
  return leads;
}

interface FakePerson {
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
}

function fakePerson(index: number): FakePerson {
  const number = String(index).padStart(4, '0');
  return {
    firstName: `Prénom Test ${number}`,
    lastName: `Nom Test ${number}`,
    email: `prenom.test.${number}@example.fr`,
    phone: `+33 6 00 ${number.slice(0, 2)} ${number.slice(2)} ${String(index % 100).padStart(2, '0')}`,
  };
}

function webFormLead(
  index: number,
  person: FakePerson,
  site: SimulatedSite,
  vehicle: (typeof VEHICLES)[number],
  isNew: boolean,
  submittedAt: Date,
  random: () => number,
): SimulatedLead {
  const channel = random();
  let marketing: Record<string, unknown> = {
    utm: { source: 'newsletter', medium: 'email', campaign: 'simulation-newsletter' },
  };
  if (channel < 0.3) {
    marketing = { utm: { source: 'google', medium: 'cpc', campaign: 'simulation-vn' }, gclid: `Sim-gclid-${index}` };
  } else if (channel < 0.5) {
    marketing = {
      utm: { source: 'facebook', medium: 'social', campaign: 'simulation-social' },
      fbclid: `Sim-fbclid-${index}`,
    };
  }
  const body = {
    formId: isNew ? 'essai-vn' : 'contact-vo',
    submittedAt: submittedAt.toISOString(),
    siteId: site.siteId,
    firstName: person.firstName,
    lastName: person.lastName,
    email: person.email,
    phone: person.phone,
    vehicle: { make: vehicle.make, model: vehicle.model, condition: isNew ? 'new' : 'used' },
    interest: isNew ? 'test-drive' : 'buy',
    consent: { email: true, sms: false, phone: true },
    ...marketing,
  };
  return {
    delivery: { integration: 'website', contentType: 'application/json' },
    body: Buffer.from(JSON.stringify(body), 'utf8'),
  };
}

function adfLead(
  index: number,
  person: FakePerson,
  site: SimulatedSite,
  vehicle: (typeof VEHICLES)[number],
  isNew: boolean,
  submittedAt: Date,
  random: () => number,
): SimulatedLead {
  const sender = random();
  let integration: 'lacentrale' | 'oem-portal' | 'website-adf' = 'website-adf';
  if (sender < 0.5) {
    integration = 'lacentrale';
  } else if (sender < 0.75) {
    integration = 'oem-portal';
  }
  const prefix = { lacentrale: 'LC-SIM', 'oem-portal': 'OEM-SIM', 'website-adf': 'WEB-SIM' }[integration];
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<?adf version="1.0"?>
<adf>
  <prospect status="new">
    <id sequence="1" source="${integration}">${prefix}-${String(index).padStart(6, '0')}</id>
    <requestdate>${submittedAt.toISOString()}</requestdate>
    <vehicle interest="buy" status="${isNew ? 'new' : 'used'}">
      <make>${vehicle.make}</make>
      <model>${vehicle.model}</model>
    </vehicle>
    <customer>
      <contact>
        <name part="first">${person.firstName}</name>
        <name part="last">${person.lastName}</name>
        <email>${person.email}</email>
        <phone type="cellphone">${person.phone}</phone>
      </contact>
    </customer>
    <vendor><id source="groupe">${site.vendorId}</id></vendor>
  </prospect>
</adf>
`;
  return { delivery: { integration, contentType: 'application/xml' }, body: Buffer.from(xml, 'utf8') };
}

function googleLead(
  index: number,
  person: FakePerson,
  site: SimulatedSite,
  vehicle: (typeof VEHICLES)[number],
  isNew: boolean,
  submittedAt: Date,
): SimulatedLead {
  const body = {
    lead_id: `Sim-google-${String(index).padStart(6, '0')}`,
    api_version: '1.0',
    form_id: 40000000002,
    campaign_id: 20000000009,
    gcl_id: `Sim-gclid-${index}`,
    google_key: 'demo-google-key-7Qx2',
    is_test: false,
    lead_submit_time: submittedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    user_column_data: [
      { column_id: 'FULL_NAME', string_value: `${person.firstName} ${person.lastName}` },
      { column_id: 'EMAIL', string_value: person.email },
      { column_id: 'PHONE_NUMBER', string_value: person.phone },
      { column_id: 'VEHICLE_MODEL', string_value: `${vehicle.make} ${vehicle.model}` },
      { column_id: 'VEHICLE_CONDITION', string_value: isNew ? 'Neuf' : 'Occasion' },
      { column_id: 'PREFERRED_DEALERSHIP', string_value: site.name },
    ],
  };
  return {
    delivery: { integration: 'google-ads', contentType: 'application/json' },
    body: Buffer.from(JSON.stringify(body), 'utf8'),
  };
}

/** Small seeded PRNG (mulberry32): the same seed gives the same sequence on every platform. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function pickWeighted<T extends { weight: number }>(random: () => number, items: readonly T[]): T {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let target = random() * total;
  for (const item of items) {
    target -= item.weight;
    if (target < 0) {
      return item;
    }
  }
  return items[items.length - 1] as T;
}

function addDays(date: Date, days: number): Date {
  const result = new Date(date.getTime());
  result.setUTCDate(result.getUTCDate() + days);
  return result;
}

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}
