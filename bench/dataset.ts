/**
 * A synthetic, seeded history of lead changes for one tenant: leads as the webhook stores them (personal
 * fields included), later status changes and re-routings (MODIFY) and a few deletions (REMOVE), in stream
 * order. The lake benchmarks turn it into stream records and Parquet files, the export benchmark into a
 * DynamoDB table export.
 */
import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { leadIdOf, personIdOf } from '#shared/lead/build-lead';
import type { Category, Lead, LeadStatus } from '#shared/lead/model';
import { localDateIn } from '#shared/lead/normalise';
import { LEAD_ENTITY, leadKeys } from '#shared/store/tables';
import { pick, pickWeighted, type Random, randomHex, randomInt, seededRandom } from './random';

export const BENCH_TENANT = 'bench';

export interface DatasetOptions {
  leads: number;
  /** MODIFY events as a share of the number of leads. */
  modifyShare: number;
  /** Share of leads deleted later (REMOVE events). */
  removeShare: number;
  /** First UTC date of lead submissions, `yyyy-mm-dd`. */
  firstDate: string;
  days: number;
  seed: number;
}

export interface LeadChange {
  eventId: string;
  /** Decimal stream sequence number; numeric order is event order. */
  sequenceNumber: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  eventTimeMs: number;
  /** The item after the change; absent for REMOVE. */
  newImage?: Lead;
  /** The item before the change; absent for INSERT. */
  oldImage?: Lead;
}

export interface Dataset {
  /** Every change, in stream order. */
  changes: LeadChange[];
  /** Each lead in its latest state, without the deleted ones: what a table export contains. */
  finalLeads: Lead[];
}

interface SiteProfile {
  siteId: string;
  timeZone: string;
  /** Towns where the site's customers live, with their postal codes. */
  towns: (readonly [string, string])[];
  weight: number;
}

const SITES: SiteProfile[] = [
  {
    siteId: 'amiens-nord',
    timeZone: 'Europe/Paris',
    towns: [
      ['Amiens', '80000'],
      ['Amiens', '80080'],
      ['Amiens', '80090'],
      ['Longueau', '80330'],
      ['Camon', '80450'],
      ['Dury', '80480'],
      ['Villers-Bocage', '80260'],
      ['Corbie', '80800'],
      ['Doullens', '80600'],
      ['Albert', '80300'],
    ],
    weight: 0.5,
  },
  {
    siteId: 'abbeville',
    timeZone: 'Europe/Paris',
    towns: [
      ['Abbeville', '80100'],
      ['Saint-Valery-sur-Somme', '80230'],
      ['Rue', '80120'],
      ['Friville-Escarbotin', '80130'],
      ['Le Crotoy', '80550'],
      ['Pont-Remy', '80580'],
    ],
    weight: 0.35,
  },
  {
    siteId: 'saint-denis-reunion',
    timeZone: 'Indian/Reunion',
    towns: [
      ['Saint-Denis', '97400'],
      ['Sainte-Marie', '97438'],
      ['Saint-André', '97440'],
      ['Le Port', '97420'],
      ['La Possession', '97419'],
    ],
    weight: 0.15,
  },
];

/** Time zone of leads that no site claims: the tenant's default zone. */
const DEFAULT_TIME_ZONE = 'Europe/Paris';

interface SourceProfile {
  source: string;
  channel: string;
  integrationId: string;
  weight: number;
  /** Campaign ids and names that leads of this source carry; empty when the source has no campaigns. */
  campaigns: { id: string; name: string }[];
}

const SOURCES: SourceProfile[] = [
  { source: 'lacentrale', channel: 'classified', integrationId: 'lacentrale', weight: 0.18, campaigns: [] },
  { source: 'leboncoin', channel: 'classified', integrationId: 'leboncoin', weight: 0.14, campaigns: [] },
  { source: 'autoscout24', channel: 'classified', integrationId: 'autoscout24', weight: 0.06, campaigns: [] },
  {
    source: 'oem',
    channel: 'manufacturer',
    integrationId: 'oem-portal',
    weight: 0.12,
    campaigns: [
      { id: 'oem-vn-rentree', name: 'Offres rentrée VN' },
      { id: 'oem-electrique', name: 'Gamme électrique' },
    ],
  },
  { source: 'website', channel: 'web-form', integrationId: 'website', weight: 0.2, campaigns: [] },
  {
    source: 'google-ads',
    channel: 'lead-form',
    integrationId: 'google-ads',
    weight: 0.12,
    campaigns: [
      { id: '20000000002', name: 'VN Search Picardie' },
      { id: '20000000003', name: 'VO Performance Max' },
      { id: '20000000004', name: 'Atelier Hiver' },
    ],
  },
  {
    source: 'meta-ads',
    channel: 'lead-form',
    integrationId: 'meta-leads',
    weight: 0.12,
    campaigns: [
      { id: '666000000000001', name: 'VN Promo Novembre' },
      { id: '666000000000002', name: 'VO Reprise' },
      { id: '666000000000003', name: 'Essais électriques' },
    ],
  },
  { source: 'call-tracking', channel: 'phone', integrationId: 'call-tracking', weight: 0.06, campaigns: [] },
];

const CATEGORY_WEIGHTS: [Category, number][] = [
  ['VN', 0.38],
  ['VO', 0.4],
  ['APV', 0.17],
  ['other', 0.05],
];

const INTEREST_BY_CATEGORY: Record<Category, string[]> = {
  VN: ['buy', 'test-drive', 'quote'],
  VO: ['buy', 'trade-in', 'availability'],
  APV: ['service', 'entretien', 'pneus'],
  other: ['information', 'financing'],
};

const FIRST_NAMES = [
  'Camille',
  'Julien',
  'Sophie',
  'Karim',
  'Léa',
  'Thomas',
  'Nathalie',
  'Inès',
  'Paul',
  'Chloé',
  'Nicolas',
  'Marie',
  'Sébastien',
  'Aurélie',
  'Mehdi',
  'Émilie',
  'Christophe',
  'Sandrine',
  'Hugo',
  'Manon',
  'Laurent',
  'Céline',
  'Yanis',
  'Pauline',
  'Frédéric',
  'Isabelle',
  'Lucas',
  'Audrey',
  'Olivier',
  'Jessica',
  'Antoine',
  'Valérie',
  'Romain',
  'Sarah',
  'Stéphane',
  'Élodie',
  'Mathieu',
  'Nadia',
  'Guillaume',
  'Laetitia',
];
const LAST_NAMES = [
  'Fontaine',
  'Morel',
  'Bernard',
  'Haddad',
  'Petit',
  'Garnier',
  'Roux',
  'Lemaire',
  'Caron',
  'Dupuis',
  'Martin',
  'Lefebvre',
  'Leroy',
  'Moreau',
  'Dubois',
  'Lambert',
  'Bonnet',
  'François',
  'Mercier',
  'Boyer',
  'Payet',
  'Hoarau',
  'Grondin',
  'Fournier',
  'Vasseur',
  'Delattre',
  'Lecomte',
  'Carpentier',
  'Dumont',
  'Benali',
  'Lefèvre',
  'Devaux',
  'Poulain',
  'Dufour',
  'Hamel',
  'Masson',
  'Sanchez',
  'Nguyen',
  'Rivière',
  'Boucher',
];
const EMAIL_DOMAINS = [
  'gmail.com',
  'orange.fr',
  'hotmail.fr',
  'free.fr',
  'yahoo.fr',
  'sfr.fr',
  'laposte.net',
  'outlook.fr',
];
const VEHICLES = [
  ['Peugeot', '208'],
  ['Peugeot', '3008'],
  ['Renault', 'Austral'],
  ['Renault', 'Clio'],
  ['Citroën', 'C5 Aircross'],
  ['Dacia', 'Duster'],
  ['Toyota', 'Yaris Cross'],
] as const;
/** Sentences that customers' free-text comments are assembled from, with numbers drawn per lead. */
const COMMENT_PARTS: ((random: Random) => string)[] = [
  (random) =>
    `Reprise possible de ma ${pick(random, ['Clio', 'C3', '308', 'Golf', 'Sandero'])} de ${randomInt(random, 2008, 2020)} (${randomInt(random, 40, 210)} 000 km).`,
  (random) =>
    `Merci de me rappeler après ${randomInt(random, 17, 19)}h, ${pick(random, ['pas le samedi', 'de préférence le mardi', 'sauf le mercredi'])}.`,
  (random) =>
    `Quel est le délai de livraison pour une commande avant le ${randomInt(random, 1, 28)}/${randomInt(random, 1, 12)} ?`,
  (random) =>
    `Budget maximum ${randomInt(random, 12, 45)} 000 €, financement en LOA sur ${pick(random, ['36', '48', '60'])} mois.`,
  (random) =>
    `Disponible pour un essai ${pick(random, ['lundi', 'jeudi', 'vendredi', 'samedi'])} ${pick(random, ['matin', 'après-midi'])}.`,
  (random) =>
    `Le véhicule réf. ${randomInt(random, 1000, 9999)} est-il toujours disponible ? Garantie ${pick(random, ['12', '24'])} mois incluse ?`,
  (random) =>
    `Bruit au freinage depuis ${randomInt(random, 2, 15)} jours, révision des ${randomInt(random, 2, 12)}0 000 km à prévoir.`,
  (random) =>
    `Pneus ${randomInt(random, 195, 245)}/${randomInt(random, 40, 65)} R${randomInt(random, 15, 19)} à changer, ${pick(random, ['été', 'hiver', '4 saisons'])}.`,
];
const LATER_STATUSES: LeadStatus[] = [
  'assigned',
  'contacted',
  'appointment',
  'show',
  'test-drive',
  'offer',
  'sale',
  'lost',
];

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Stream sequence numbers of one shard grow from a 21-digit base, like DynamoDB's. */
const SEQUENCE_BASE = 49_600_000_000_000_000_000n;

/** Key used to compute person ids; any fixed value gives comparable data between runs. */
const PERSON_ID_KEY = 'b3f1c0de'.repeat(8);

interface PendingEvent {
  leadIndex: number;
  eventName: LeadChange['eventName'];
  eventTimeMs: number;
}

/**
 * Generates the history. Every INSERT happens within seconds of the lead's submission. Each MODIFY picks a
 * random lead and happens between 10 minutes and 10 days after its INSERT. A REMOVE happens 11 to 40 days
 * after the INSERT, so after every MODIFY of that lead.
 */
export function generateDataset(options: DatasetOptions): Dataset {
  const random = seededRandom(options.seed);
  const firstDayMs = Date.parse(`${options.firstDate}T00:00:00Z`);

  const inserted: Lead[] = [];
  const events: PendingEvent[] = [];
  for (let index = 0; index < options.leads; index += 1) {
    const lead = generateLead(random, index, firstDayMs + randomInt(random, 0, options.days - 1) * DAY_MS);
    inserted.push(lead);
    events.push({ leadIndex: index, eventName: 'INSERT', eventTimeMs: insertTimeOf(lead) });
  }
  for (let count = 0; count < Math.round(options.leads * options.modifyShare); count += 1) {
    const leadIndex = randomInt(random, 0, options.leads - 1);
    const delayMs = 10 * 60_000 + Math.floor(random() * random() * 10 * DAY_MS);
    events.push({ leadIndex, eventName: 'MODIFY', eventTimeMs: insertTimeOf(inserted[leadIndex] as Lead) + delayMs });
  }
  for (let count = 0; count < Math.round(options.leads * options.removeShare); count += 1) {
    const leadIndex = randomInt(random, 0, options.leads - 1);
    const delayMs = randomInt(random, 11, 40) * DAY_MS;
    events.push({ leadIndex, eventName: 'REMOVE', eventTimeMs: insertTimeOf(inserted[leadIndex] as Lead) + delayMs });
  }
  events.sort((left, right) => left.eventTimeMs - right.eventTimeMs || left.leadIndex - right.leadIndex);

  const current: (Lead | undefined)[] = new Array(options.leads);
  const changes: LeadChange[] = [];
  for (const event of events) {
    const before = current[event.leadIndex];
    if (event.eventName !== 'INSERT' && before === undefined) {
      // A second REMOVE drawn for a lead that is already deleted.
      continue;
    }
    const after =
      event.eventName === 'INSERT'
        ? inserted[event.leadIndex]
        : event.eventName === 'MODIFY'
          ? modifiedLead(random, before as Lead)
          : undefined;
    current[event.leadIndex] = after;
    changes.push({
      eventId: randomHex(random, 32),
      sequenceNumber: (SEQUENCE_BASE + BigInt(changes.length) * 100n).toString(),
      eventName: event.eventName,
      eventTimeMs: event.eventTimeMs,
      ...(after ? { newImage: after } : {}),
      ...(before ? { oldImage: before } : {}),
    });
  }

  return { changes, finalLeads: current.filter((lead): lead is Lead => lead !== undefined) };
}

/** Time of a lead's INSERT: the put lands 150 ms after the webhook received the lead. */
function insertTimeOf(lead: Lead): number {
  return Date.parse(lead.receivedAt) + 150;
}

function generateLead(random: Random, index: number, dayStartMs: number): Lead {
  const unrouted = random() < 0.03;
  const site = pickWeighted(
    random,
    SITES.map((profile) => [profile, profile.weight] as const),
  );
  const profile = pickWeighted(
    random,
    SOURCES.map((candidate) => [candidate, candidate.weight] as const),
  );
  const category = pickWeighted(random, CATEGORY_WEIGHTS);
  const campaign = profile.campaigns.length > 0 ? pick(random, profile.campaigns) : null;

  // Submissions between 06:00 and 21:59 UTC, seconds apart from the receipt.
  const datedAtMs = dayStartMs + 6 * HOUR_MS + Math.floor(random() * 16 * HOUR_MS);
  const receivedAtMs = datedAtMs + randomInt(random, 1_000, 90_000);
  const datedAt = new Date(datedAtMs);
  const timeZone = unrouted ? DEFAULT_TIME_ZONE : site.timeZone;

  const firstName = pick(random, FIRST_NAMES);
  const lastName = pick(random, LAST_NAMES);
  const [city, postalCode] = pick(random, site.towns);
  const email = `${foldName(firstName)}${pick(random, ['.', '_', ''])}${foldName(lastName)}${randomInt(random, 1, 9999)}@${pick(random, EMAIL_DOMAINS)}`;
  const phone = `+336${String(randomInt(random, 0, 99_999_999)).padStart(8, '0')}`;
  const [make, model] = pick(random, VEHICLES);
  const used = category === 'VO';
  const sourceLeadId = `${profile.source.toUpperCase()}-${String(index).padStart(8, '0')}`;
  const isTest = random() < 0.01;
  const hasUtm = profile.source === 'website' || profile.channel === 'lead-form';

  return {
    leadId: leadIdOf(BENCH_TENANT, profile.integrationId, sourceLeadId),
    leadNumber: index + 1,
    version: 1,
    tenantId: BENCH_TENANT,
    siteId: unrouted ? null : site.siteId,
    integrationId: profile.integrationId,
    source: profile.source,
    channel: profile.channel,
    sourceLeadId,
    formId: profile.channel === 'lead-form' ? `form-${randomInt(random, 1, 6)}` : null,
    campaign: { id: campaign?.id ?? null, name: campaign?.name ?? null },
    utm: {
      source: hasUtm ? pick(random, ['google', 'facebook', 'instagram', 'newsletter']) : null,
      medium: hasUtm ? pick(random, ['cpc', 'social', 'email']) : null,
      campaign: hasUtm ? (campaign?.id ?? 'site-organique') : null,
      term: null,
      content: null,
    },
    clickIds: profile.source === 'google-ads' ? { gclid: `EAIaIQob${randomHex(random, 20)}` } : {},
    category,
    interest: pick(random, INTEREST_BY_CATEGORY[category]),
    submittedAt: datedAt.toISOString(),
    receivedAt: new Date(receivedAtMs).toISOString(),
    datedAt: datedAt.toISOString(),
    localDate: localDateIn(datedAt, timeZone),
    contact: {
      firstName,
      lastName,
      fullName: null,
      email,
      phones: [phone],
      postalCode,
      city,
    },
    vehicle: {
      make,
      model,
      year: used ? randomInt(random, 2015, 2024) : null,
      vin: used ? `VF3${randomHex(random, 14).toUpperCase()}` : null,
      stock: used ? `VO-${randomInt(random, 1000, 9999)}` : null,
      condition: conditionOf(category),
      odometerKm: used ? randomInt(random, 5_000, 150_000) : null,
      price: used ? randomInt(random, 8_000, 45_000) : null,
    },
    comments: random() < 0.5 ? commentOf(random) : null,
    consent: { email: random() < 0.6, sms: random() < 0.3, phone: true },
    customFields:
      profile.channel === 'lead-form' ? { purchase_timeline: pick(random, ['1 mois', '3 mois', '6 mois']) } : {},
    isTest,
    status: 'new',
    personId: personIdOf(PERSON_ID_KEY, BENCH_TENANT, email, phone),
    repeatOf: null,
    flags: unrouted ? ['site-unrouted'] : [],
  };
}

/**
 * Returns the lead after a later change: a new status, and for one change in ten a site for an unrouted lead
 * or a move between the two sites in Europe/Paris (so the local date stays right). One change in fifty marks
 * the lead as a test lead, which removes it from KPIs.
 */
function modifiedLead(random: Random, lead: Lead): Lead {
  const changed: Lead = { ...lead, version: lead.version + 1, status: pick(random, LATER_STATUSES) };
  const roll = random();
  if (roll < 0.1 && (lead.siteId === null || lead.siteId !== 'saint-denis-reunion')) {
    changed.siteId = lead.siteId === 'amiens-nord' ? 'abbeville' : 'amiens-nord';
    changed.flags = lead.flags.filter((flag) => flag !== 'site-unrouted');
  } else if (roll < 0.12) {
    changed.isTest = true;
  }
  return changed;
}

function conditionOf(category: Category): Lead['vehicle']['condition'] {
  if (category === 'VN') {
    return 'new';
  }
  return category === 'VO' ? 'used' : null;
}

function commentOf(random: Random): string {
  const parts = [pick(random, COMMENT_PARTS)(random)];
  if (random() < 0.5) {
    parts.push(pick(random, COMMENT_PARTS)(random));
  }
  return parts.join(' ');
}

function foldName(name: string): string {
  return name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** Returns the item that the lead store writes for a lead: its fields plus the key attributes of the single table. */
export function leadItem(lead: Lead): Record<string, unknown> {
  return {
    ...lead,
    pk: leadKeys.pk(lead.tenantId, lead.leadId),
    sk: leadKeys.sk,
    entity: LEAD_ENTITY,
    gsi1pk: leadKeys.gsi1pk(lead.tenantId, lead.localDate.slice(0, 7)),
    gsi1sk: leadKeys.gsi1sk(lead.localDate, lead.datedAt, lead.leadId),
  };
}

/** Marshals an item with the options of the project's document client. */
export function marshallItem(item: Record<string, unknown>): Record<string, SdkAttributeValue> {
  return marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false });
}

type StreamImage = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;

/** Builds the DynamoDB Streams record (NEW_AND_OLD_IMAGES view) that Lambda would pass for a change. */
export function streamRecordOf(change: LeadChange): DynamoDBRecord {
  const lead = (change.newImage ?? change.oldImage) as Lead;
  const newImage = change.newImage ? marshallItem(leadItem(change.newImage)) : undefined;
  const oldImage = change.oldImage ? marshallItem(leadItem(change.oldImage)) : undefined;
  return {
    eventID: change.eventId,
    eventName: change.eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-3',
    dynamodb: {
      ApproximateCreationDateTime: change.eventTimeMs / 1000,
      Keys: marshallItem({ pk: leadKeys.pk(lead.tenantId, lead.leadId), sk: leadKeys.sk }) as StreamImage,
      ...(newImage ? { NewImage: newImage as StreamImage } : {}),
      ...(oldImage ? { OldImage: oldImage as StreamImage } : {}),
      SequenceNumber: change.sequenceNumber,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

/** Returns the KPI cell key of a lead, with the values in the column order of `DAILY_LEADS_SQL`'s output. */
export function cellKeyOf(lead: Lead): string {
  return [
    lead.localDate,
    lead.siteId ?? 'unassigned',
    lead.source,
    lead.channel,
    lead.campaign.id ?? '',
    lead.category,
  ].join('|');
}

/**
 * Computes the expected KPI cells directly from the final leads: non-test leads whose local date is in the
 * range, counted per cell. The SQL results on the lake and on the export must both equal this.
 */
export function expectedCells(finalLeads: readonly Lead[], from: string, to: string): Map<string, number> {
  const cells = new Map<string, number>();
  for (const lead of finalLeads) {
    if (lead.isTest || lead.localDate < from || lead.localDate > to) {
      continue;
    }
    const key = cellKeyOf(lead);
    cells.set(key, (cells.get(key) ?? 0) + 1);
  }
  return cells;
}
