/**
 * The personal part of a lead: what identifies or describes the person rather than the marketing facts.
 * The lead store keeps it in an item of its own, so that erasure and retention can remove it while the
 * lead item, which the KPIs count, stays.
 */
import * as z from 'zod';
import type { ClickIds, Consent, Contact, NewLead } from '#shared/lead/model';

/**
 * The personal fields of a lead. Click ids (gclid, fbclid...) are online identifiers of one browser, and
 * custom answers and comments are free text the person typed, so all of them count as personal data.
 */
export interface PersonalData {
  contact: Contact;
  comments: string | null;
  consent: Consent | null;
  customFields: Record<string, string>;
  clickIds: ClickIds;
}

const nullableString = z.string().nullable();

/** Validates `PersonalData` read back from the lead store. */
export const personalDataSchema = z.object({
  contact: z.object({
    firstName: nullableString,
    lastName: nullableString,
    fullName: nullableString,
    email: nullableString,
    phones: z.array(z.string()),
    postalCode: nullableString,
    city: nullableString,
  }),
  comments: nullableString,
  consent: z
    .object({ email: z.boolean().optional(), sms: z.boolean().optional(), phone: z.boolean().optional() })
    .nullable(),
  customFields: z.record(z.string(), z.string()),
  clickIds: z.record(z.string(), z.string()),
});

/** The values a lead shows once its personal data is erased or expired. */
export function emptyPersonalData(): PersonalData {
  return {
    contact: {
      firstName: null,
      lastName: null,
      fullName: null,
      email: null,
      phones: [],
      postalCode: null,
      city: null,
    },
    comments: null,
    consent: null,
    customFields: {},
    clickIds: {},
  };
}

/** Splits a lead into its anonymous facts (personal fields emptied) and its personal data. */
export function splitPersonalData<T extends NewLead>(lead: T): { facts: T; personal: PersonalData } {
  const personal: PersonalData = {
    contact: lead.contact,
    comments: lead.comments,
    consent: lead.consent,
    customFields: lead.customFields,
    clickIds: lead.clickIds,
  };
  return { facts: { ...lead, ...emptyPersonalData() }, personal };
}

/** Whether a personal-data value carries anything at all (an erased or empty lead carries nothing). */
export function hasPersonalData(personal: PersonalData): boolean {
  const { contact } = personal;
  return (
    [contact.firstName, contact.lastName, contact.fullName, contact.email, contact.postalCode, contact.city].some(
      (value) => value !== null,
    ) ||
    contact.phones.length > 0 ||
    personal.comments !== null ||
    personal.consent !== null ||
    Object.keys(personal.customFields).length > 0 ||
    Object.keys(personal.clickIds).length > 0
  );
}
