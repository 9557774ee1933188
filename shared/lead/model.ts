/**
 * The lead resource: what the lead store keeps and what `GET /v1/leads/{leadId}` returns.
 */
import type { LeadLifecycle } from '#shared/lifecycle/derive';

/** Business line of a lead: new cars (VN), used cars (VO), after-sales (APV) or anything else. */
export const CATEGORIES = ['VN', 'VO', 'APV', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

/** Life-cycle status of a lead, derived from its recorded events (`new` until the first one). */
export const LEAD_STATUSES = [
  'new',
  'assigned',
  'contacted',
  'appointment',
  'show',
  'test-drive',
  'offer',
  'sale',
  'lost',
] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

/** Click identifiers recognised on landing pages and lead forms. */
export const CLICK_ID_NAMES = ['gclid', 'gbraid', 'wbraid', 'fbclid', 'msclkid', 'ttclid', 'li_fat_id'] as const;
export type ClickIdName = (typeof CLICK_ID_NAMES)[number];
export type ClickIds = Partial<Record<ClickIdName, string>>;

export interface Utm {
  source: string | null;
  medium: string | null;
  campaign: string | null;
  term: string | null;
  content: string | null;
}

export interface Contact {
  firstName: string | null;
  lastName: string | null;
  /** Kept as sent; never split into first and last name on a guess. */
  fullName: string | null;
  /** Trimmed and lower-cased. */
  email: string | null;
  /** E.164 strings (`+33639980001`); numbers that do not parse are dropped and the lead is flagged. */
  phones: string[];
  postalCode: string | null;
  city: string | null;
}

export interface Vehicle {
  make: string | null;
  model: string | null;
  year: number | null;
  vin: string | null;
  stock: string | null;
  condition: 'new' | 'used' | null;
  odometerKm: number | null;
  price: number | null;
}

export interface Consent {
  email?: boolean;
  sms?: boolean;
  phone?: boolean;
}

/**
 * A quality flag set during normalisation. The lead is kept; the flag tells why a field is missing
 * or approximated.
 */
export type LeadFlag = 'submitted-at-unreadable' | 'phone-invalid' | 'email-invalid' | 'site-unrouted' | (string & {});

/** A lead as ingest builds it, before the lead store assigns its number and version. */
export interface NewLead {
  leadId: string;
  tenantId: string;
  /** Null when neither the payload nor the tenant's aliases name a site ("unassigned" in KPIs). */
  siteId: string | null;
  integrationId: string;
  /** Marketing source after the integration's source rules (`google-ads`, `meta-ads`, `lacentrale`...). */
  source: string;
  channel: string;
  /** The sender's own id, kept as a string exactly as sent. */
  sourceLeadId: string;
  formId: string | null;
  campaign: { id: string | null; name: string | null };
  utm: Utm;
  clickIds: ClickIds;
  category: Category;
  interest: string | null;
  /** ISO 8601 UTC with milliseconds, or null when the source gives no readable time. */
  submittedAt: string | null;
  receivedAt: string;
  /** The instant that dates the lead in KPIs: `submittedAt` when known, else `receivedAt`. */
  datedAt: string;
  /** `datedAt` as a calendar date in the site's time zone (the tenant's default zone when unrouted). */
  localDate: string;
  contact: Contact;
  vehicle: Vehicle;
  comments: string | null;
  consent: Consent | null;
  /** Answers to custom questions, keyed by the form's own question id. */
  customFields: Record<string, string>;
  isTest: boolean;
  status: LeadStatus;
  /**
   * Pseudonymous id of the person (keyed hash of the normalised email or phone); what the lake carries.
   * A repeat lead carries the person id of the lead it repeats, which may come from another contact key.
   */
  personId: string | null;
  /**
   * Id of the first lead of the same person when this lead repeats it within the tenant's person window,
   * else null (see `linkToPerson` in shared/people/link.ts for the rule).
   */
  repeatOf: string | null;
  flags: LeadFlag[];
  /** State derived from the lead's life-cycle events; absent until the first event is recorded. */
  lifecycle?: LeadLifecycle;
}

/** A stored lead: what the lead store keeps and what `GET /v1/leads/{leadId}` returns. */
export interface Lead extends NewLead {
  /**
   * Number of the lead within its tenant (1, 2, 3...), assigned once when the lead is stored. Numbers rise with
   * arrival order and may skip values (a number drawn for a delivery that turns out to be a duplicate is not
   * reused). Short enough to quote on the phone, and the compact key the lake ranks a lead's changes by.
   */
  leadNumber: number;
  /** Count of writes to the lead item: 1 when stored, plus one per later update. The lake keeps the highest. */
  version: number;
  /**
   * True once the lead's personal data was erased on request; the anonymous facts stay and still count in
   * KPIs. Absent on leads never erased. A lead whose retention period ended has empty personal fields but no flag.
   */
  erased?: boolean;
  /** When the personal data was erased (ISO 8601 UTC); absent on leads never erased. */
  erasedAt?: string;
}
