/**
 * The fields that a source parser extracts from one payload, before normalisation, routing and ids.
 * Values stay as the sender wrote them (strings), so that normalisation is the one place that
 * interprets phones, emails, dates and numbers.
 */
import type { ClickIds, Consent } from '#shared/lead/model';

export interface LeadDraft {
  /** The sender's id for the lead, or null when the format has none (see the web-form parser). */
  sourceLeadId: string | null;
  formId: string | null;
  campaign: { id: string | null; name: string | null };
  utm: {
    source: string | null;
    medium: string | null;
    campaign: string | null;
    term: string | null;
    content: string | null;
  };
  clickIds: ClickIds;
  interest: string | null;
  /** Raw date text or epoch seconds as sent; null when absent. */
  submittedAt: string | number | null;
  contact: {
    firstName: string | null;
    lastName: string | null;
    fullName: string | null;
    email: string | null;
    /** Raw phone strings in the order sent. */
    phones: string[];
    postalCode: string | null;
    city: string | null;
  };
  vehicle: {
    make: string | null;
    model: string | null;
    year: string | null;
    vin: string | null;
    stock: string | null;
    /** Raw condition or status word (`new`, `used`, `Neuf`, `Occasion`...). */
    condition: string | null;
    odometer: string | null;
    price: string | null;
  };
  comments: string | null;
  consent: Consent | null;
  customFields: Record<string, string>;
  isTest: boolean;
  /** Site references found in the payload; routing resolves them through the tenant's configuration. */
  siteHints: {
    /** An explicit site id (web forms). */
    siteId: string | null;
    /** Vendor ids and dealership names, in the order of preference. */
    aliases: string[];
  };
  /** Explicit business line, when the form states one (`VN`, `VO`, `APV`). */
  categoryHint: string | null;
}

/** Returns a draft with every field empty, which parsers overwrite with what they find. */
export function emptyDraft(): LeadDraft {
  return {
    sourceLeadId: null,
    formId: null,
    campaign: { id: null, name: null },
    utm: { source: null, medium: null, campaign: null, term: null, content: null },
    clickIds: {},
    interest: null,
    submittedAt: null,
    contact: { firstName: null, lastName: null, fullName: null, email: null, phones: [], postalCode: null, city: null },
    vehicle: {
      make: null,
      model: null,
      year: null,
      vin: null,
      stock: null,
      condition: null,
      odometer: null,
      price: null,
    },
    comments: null,
    consent: null,
    customFields: {},
    isTest: false,
    siteHints: { siteId: null, aliases: [] },
    categoryHint: null,
  };
}
