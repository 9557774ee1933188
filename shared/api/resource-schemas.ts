/**
 * Zod schemas of what the HTTP API sends and receives, from which `buildOpenApiDocument` generates the
 * OpenAPI components. Response schemas are checked at compile time against the TypeScript types that the
 * handlers return, so the document cannot describe a field that the code does not have.
 *
 * Metadata goes through zod's `.meta()`, which `@asteasolutions/zod-to-openapi` 9 reads like `.openapi()`
 * (`id` names the component). `.openapi()` exists only on schemas built after `extendZodWithOpenApi(z)`,
 * and the request schemas of shared/http and shared/kpi are built before any module could call it.
 */
import * as z from 'zod';
import { leadPathSchema } from '#shared/http/schemas';
import type { IngestResult } from '#shared/ingest/service';
import { KPI_BASES } from '#shared/kpi/aggregates';
import type { AttainmentReport } from '#shared/kpi/attainment';
import { KPI_COMPARISONS } from '#shared/kpi/compare';
import type { LiveReport } from '#shared/kpi/live-report';
import { PACED_KPIS, type PacedKpi, type PacingReport } from '#shared/kpi/pacing';
import type {
  KPI_GROUP_BY,
  KpiContacts,
  KpiCost,
  KpiFigures,
  KpiFiguresWithComparison,
  KpiGroupBy,
  KpiRates,
  KpiReport,
  WaitFigures,
} from '#shared/kpi/read';
import { MAX_SPEND_ROWS, type SpendUploadResult, type spendBodySchema, spendRowSchema } from '#shared/kpi/spend';
import { MAX_TARGET_ROWS, type TargetUploadResult, targetRowSchema, type targetsBodySchema } from '#shared/kpi/targets';
import { CATEGORIES, CLICK_ID_NAMES, LEAD_STATUSES, type Lead } from '#shared/lead/model';
import type { LeadLifecycle } from '#shared/lifecycle/derive';
import {
  ACTOR_TYPES,
  type LeadEventType,
  leadEventSchema,
  type leadEventsBodySchema,
  MAX_EVENTS_PER_REQUEST,
} from '#shared/lifecycle/events';
import type { RecordEventsResult } from '#shared/lifecycle/record';
import type { ErasureRecord } from '#shared/privacy/audit';
import type { LeadPage } from '#shared/store/lead-repository';
import { identifierSchema } from '#shared/tenant/model';

/** True when `A` and `B` are assignable to each other; used as `Assert<MutuallyAssignable<...>>`. */
type MutuallyAssignable<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;

const nullableText = z.string().nullable();
const countSchema = z.number().int().min(0);
const isoInstant = z.iso.datetime({ offset: false }).meta({ description: 'ISO 8601 UTC instant with milliseconds.' });
const calendarDate = z.iso.date().meta({ description: 'Calendar date, `YYYY-MM-DD`.' });
const leadIdSchema = leadPathSchema.shape.leadId.meta({ description: 'Lead id: `ld_` and 26 base32 characters.' });

// ---------------------------------------------------------------------------------------------------------
// Errors

/**
 * The stable code and status of every error class of shared/errors.ts, shared/ingest/errors.ts and
 * shared/sources/errors.ts, the modules whose errors reach the HTTP edge, plus `INTERNAL_ERROR`, the
 * code the middleware returns for an unexpected error. Lake and KPI job codes are left out because they never reach
 * a client. `GRAPH_API_UNAVAILABLE` is listed but no response documents it, because the ingest service
 * records the lead as pending instead of failing the delivery.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  MALFORMED_PAYLOAD: 400,
  XML_DOCTYPE_FORBIDDEN: 400,
  UNAUTHORIZED: 401,
  SIGNATURE_INVALID: 401,
  SIGNATURE_EXPIRED: 401,
  FORBIDDEN: 403,
  VERIFICATION_FAILED: 403,
  NOT_FOUND: 404,
  INTEGRATION_NOT_FOUND: 404,
  GRAPH_LEAD_NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_LEAD: 422,
  DEPENDENCY_THROTTLED: 429,
  INTERNAL_ERROR: 500,
  DEPENDENCY_UNAVAILABLE: 503,
  GRAPH_API_UNAVAILABLE: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

/** The body of every 4xx and 5xx that LeadPilot itself returns. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES).meta({ description: 'Stable error code; branch on it, not on the message.' }),
      message: z.string().meta({
        description: 'Human-readable detail for 4xx. For 5xx a generic text, so internals never reach the client.',
      }),
    }),
  })
  .meta({ id: 'ErrorBody', description: 'Error returned by LeadPilot: `{"error":{"code","message"}}`.' });
export type ErrorBody = z.infer<typeof errorBodySchema>;

/**
 * The body of errors that API Gateway returns before LeadPilot runs: throttling (429) and a rejected bearer
 * token (401). AWS fixes this shape, not LeadPilot.
 */
export const gatewayErrorBodySchema = z
  .object({ message: z.string().meta({ examples: ['Too Many Requests', 'Unauthorized'] }) })
  .meta({ id: 'GatewayErrorBody', description: 'Error returned by the API gateway itself.' });

// ---------------------------------------------------------------------------------------------------------
// Lead

const utmSchema = z
  .object({
    source: nullableText,
    medium: nullableText,
    campaign: nullableText,
    term: nullableText,
    content: nullableText,
  })
  .meta({ id: 'Utm', description: 'UTM parameters of the page or form the lead came from.' });

const clickIdsSchema = z
  .object({
    gclid: z.string().optional(),
    gbraid: z.string().optional(),
    wbraid: z.string().optional(),
    fbclid: z.string().optional(),
    msclkid: z.string().optional(),
    ttclid: z.string().optional(),
    li_fat_id: z.string().optional(),
  })
  .meta({ id: 'ClickIds', description: `Click identifiers found on the lead: ${CLICK_ID_NAMES.join(', ')}.` });

const contactSchema = z
  .object({
    firstName: nullableText,
    lastName: nullableText,
    fullName: nullableText.meta({ description: 'Kept as sent; never split into first and last name on a guess.' }),
    email: nullableText.meta({ description: 'Trimmed and lower-cased.' }),
    phones: z.array(z.string().regex(/^\+[1-9]\d{1,14}$/)).meta({
      description: 'E.164 numbers (`+33639980001`). Numbers that do not parse are dropped and flag `phone-invalid`.',
    }),
    postalCode: nullableText,
    city: nullableText,
  })
  .meta({ id: 'Contact' });

const vehicleSchema = z
  .object({
    make: nullableText,
    model: nullableText,
    year: z.number().int().nullable(),
    vin: nullableText,
    stock: nullableText.meta({ description: "The dealer's stock number." }),
    condition: z.enum(['new', 'used']).nullable(),
    odometerKm: z.number().nullable(),
    price: z.number().nullable().meta({ description: "In the tenant's currency." }),
  })
  .meta({ id: 'Vehicle' });

const consentSchema = z
  .object({ email: z.boolean().optional(), sms: z.boolean().optional(), phone: z.boolean().optional() })
  .meta({ id: 'Consent', description: 'Marketing consent per channel; a channel the form did not ask is absent.' });

const nullableInstant = isoInstant.nullable();
const nullableLocalDate = calendarDate.nullable();

const lifecycleSchema = z
  .object({
    eventCount: countSchema.meta({ description: 'Lifecycle events applied to compute this state.' }),
    assignedSalespersonId: nullableText,
    firstContactAt: nullableInstant.meta({
      description: 'First `contacted` event by any actor, automated ones included.',
    }),
    firstHumanContactAt: nullableInstant.meta({
      description: 'First `contacted` event by a salesperson or the call centre; `system` contacts never count.',
    }),
    timeToFirstContactBusinessMinutes: z
      .number()
      .int()
      .min(0)
      .nullable()
      .meta({
        description:
          "Minutes inside the site's opening hours from `receivedAt` to the first human contact, rounded down; " +
          'null before that contact and for sites without opening hours.',
      }),
    timeToFirstContactRawMinutes: z.number().int().min(0).nullable().meta({
      description: 'Calendar minutes from `receivedAt` to the first human contact, rounded down.',
    }),
    appointmentSetAt: nullableInstant,
    appointmentAt: nullableInstant.meta({ description: 'Time of the latest appointment set.' }),
    showAt: nullableInstant,
    testDriveAt: nullableInstant,
    offerAt: nullableInstant,
    offerAmount: z.number().nullable().meta({ description: 'Amount of the latest offer, in EUR.' }),
    saleAt: nullableInstant.meta({ description: 'First sale; a later `lost` event clears it.' }),
    saleRevenue: z.number().nullable().meta({ description: 'Revenue of the latest sale event, in EUR.' }),
    saleGrossMargin: z.number().nullable().meta({ description: 'Gross margin of the latest sale event, in EUR.' }),
    lostAt: nullableInstant,
    lostReason: nullableText,
    localDates: z
      .object({
        firstContact: nullableLocalDate,
        firstHumanContact: nullableLocalDate,
        appointmentSet: nullableLocalDate,
        appointment: nullableLocalDate,
        show: nullableLocalDate,
        testDrive: nullableLocalDate,
        offer: nullableLocalDate,
        sale: nullableLocalDate,
        lost: nullableLocalDate,
      })
      .meta({
        description: "The instants above as calendar dates in the site's time zone, which daily KPIs group by.",
      }),
  })
  .meta({
    id: 'LeadLifecycle',
    description:
      'State derived from all lifecycle events of the lead, ordered by `occurredAt`, so late events give the same state.',
  });

type _LifecycleMatchesModel = Assert<MutuallyAssignable<z.infer<typeof lifecycleSchema>, LeadLifecycle>>;

/** The lead resource of `GET /v1/leads/{leadId}`, field for field the `Lead` interface. */
export const leadSchema = z
  .object({
    leadId: leadIdSchema,
    tenantId: identifierSchema,
    siteId: identifierSchema
      .nullable()
      .meta({ description: 'Null when neither the payload nor the tenant aliases name a site.' }),
    integrationId: identifierSchema,
    source: z.string().meta({
      description: 'Marketing source after the integration source rules (`google-ads`, `meta-ads`, `lacentrale`...).',
    }),
    channel: z.string(),
    sourceLeadId: z.string().meta({ description: "The sender's own id, kept as a string exactly as sent." }),
    formId: nullableText,
    campaign: z.object({ id: nullableText, name: nullableText }),
    utm: utmSchema,
    clickIds: clickIdsSchema,
    category: z.enum(CATEGORIES).meta({ description: 'New cars (VN), used cars (VO), after-sales (APV) or other.' }),
    interest: nullableText,
    submittedAt: isoInstant.nullable().meta({ description: 'Null when the source gives no readable time.' }),
    receivedAt: isoInstant,
    datedAt: isoInstant.meta({
      description: 'The instant that dates the lead in KPIs: `submittedAt`, else `receivedAt`.',
    }),
    localDate: calendarDate.meta({ description: "`datedAt` as a calendar date in the site's time zone." }),
    contact: contactSchema,
    vehicle: vehicleSchema,
    comments: nullableText,
    consent: consentSchema.nullable(),
    customFields: z
      .record(z.string(), z.string())
      .meta({ description: "Answers to custom questions, keyed by the form's own question id." }),
    isTest: z.boolean(),
    status: z.enum(LEAD_STATUSES),
    personId: nullableText.meta({
      description: 'Pseudonymous id of the person (keyed hash of the normalised email or phone).',
    }),
    leadNumber: z
      .number()
      .int()
      .positive()
      .meta({
        description:
          'Number of the lead within its tenant, assigned when the lead is stored; rises with arrival order and ' +
          'may skip values. Short enough to quote on the phone.',
      }),
    version: z.number().int().positive().meta({
      description: 'Count of writes to the lead: 1 when stored, plus one per later update.',
    }),
    repeatOf: leadIdSchema.nullable().meta({
      description:
        'Id of the first lead of the same person when this lead repeats it within the person window, else null.',
    }),
    flags: z.array(z.string()).meta({
      description:
        'Quality flags set during normalisation: `submitted-at-unreadable`, `phone-invalid`, `email-invalid`, ' +
        '`site-unrouted`. More flags may be added; ignore the ones you do not know.',
    }),
    lifecycle: lifecycleSchema
      .optional()
      .meta({ description: 'Absent until the first lifecycle event of the lead is recorded.' }),
    erased: z
      .boolean()
      .optional()
      .meta({
        description:
          'True once the personal data of the lead was erased on request (`DELETE /v1/leads/{leadId}` or ' +
          '`POST /v1/erasures`): contact, comments, consent, custom answers and click ids are empty, and the ' +
          'lead still counts in KPIs. Absent on leads never erased.',
      }),
    erasedAt: isoInstant.optional().meta({ description: 'When the personal data was erased.' }),
  })
  .meta({ id: 'Lead', description: 'A captured lead, normalised.' });

type _LeadMatchesModel = Assert<MutuallyAssignable<z.infer<typeof leadSchema>, Lead>>;
// Mutual assignability ignores an optional field that only one side has, so the keys are compared too.
type _LeadKeysMatchModel = Assert<MutuallyAssignable<keyof z.infer<typeof leadSchema>, keyof Lead>>;

/** One page of `GET /v1/leads`. */
export const leadPageSchema = z
  .object({
    items: z.array(leadSchema),
    nextCursor: z
      .string()
      .optional()
      .meta({ description: 'Opaque cursor for the next page, passed back as `cursor`; absent on the last page.' }),
  })
  .meta({ id: 'LeadPage' });

type _LeadPageMatchesStore = Assert<MutuallyAssignable<z.infer<typeof leadPageSchema>, LeadPage>>;

// ---------------------------------------------------------------------------------------------------------
// Erasure

/** The body of `POST /v1/erasures`. */
export const erasureRequestSchema = z
  .union([
    z.strictObject({
      email: z.string().min(1).max(254).meta({ description: 'Email of the person; compared trimmed and lower-cased.' }),
    }),
    z.strictObject({
      phone: z.string().min(1).max(64).meta({
        description: 'Phone of the person, in any format that normalises to E.164 (French numbers without +33 too).',
      }),
    }),
  ])
  .meta({ id: 'ErasureRequest', description: 'Exactly one of `email` or `phone`.' });

/** The 200 body of an erasure: the audit record, which names no erased value. */
export const erasureResultSchema = z
  .object({
    erasureId: z.string().meta({ description: 'Id of the audit record of this request.' }),
    tenantId: identifierSchema,
    kind: z.enum(['lead', 'email', 'phone']).meta({ description: 'What the request named.' }),
    requestedBy: z.string().meta({ description: 'Token subject of the group admin who asked.' }),
    erasedAt: isoInstant,
    leadIds: z.array(leadIdSchema).meta({
      description: 'Leads whose personal data this request erased; empty when it was erased before.',
    }),
    quarantinedPayloads: z
      .number()
      .int()
      .nonnegative()
      .meta({ description: 'Quarantined payloads deleted because they mention the person.' }),
    personKeys: z
      .number()
      .int()
      .nonnegative()
      .meta({ description: 'Person-link entries deleted (keyed hashes of the email and phones).' }),
  })
  .meta({ id: 'ErasureResult', description: 'What an erasure removed, as the audit trail records it.' });

type _ErasureResultMatchesAudit = Assert<MutuallyAssignable<z.infer<typeof erasureResultSchema>, ErasureRecord>>;

// ---------------------------------------------------------------------------------------------------------
// Webhook result

/** The 202 body of a webhook delivery. */
export const ingestResultSchema = z
  .object({
    leadIds: z
      .array(leadIdSchema)
      .meta({ description: 'Every lead of the payload, new or already stored, in payload order.' }),
    duplicates: z
      .array(leadIdSchema)
      .meta({ description: 'The subset of `leadIds` that was stored before this delivery.' }),
    pending: z.array(z.string()).meta({
      description: 'Meta leadgen ids whose Graph API fetch failed; LeadPilot keeps them and fetches them again later.',
    }),
  })
  .meta({ id: 'IngestResult', description: 'Outcome of a delivery. Redelivering the same payload is safe.' });

type _IngestResultMatchesService = Assert<MutuallyAssignable<z.infer<typeof ingestResultSchema>, IngestResult>>;

// ---------------------------------------------------------------------------------------------------------
// KPI report

const euroAmount = z.number().meta({ description: 'EUR.' });
const nullableRatio = (formula: string) =>
  z
    .number()
    .nullable()
    .meta({ description: `${formula}, rounded to 4 decimals; null when the denominator is 0.` });
const nullableEuroRatio = (formula: string) =>
  z
    .number()
    .nullable()
    .meta({
      description: `${formula} in EUR, rounded to the cent; null when the denominator is 0 and on the activity basis.`,
    });

const waitFiguresSchema = z
  .object({
    leads: countSchema.meta({ description: 'Leads whose wait is known.' }),
    meanMinutes: z
      .number()
      .min(0)
      .nullable()
      .meta({ description: 'Mean wait, one decimal; null when no wait is known.' }),
    medianMinutes: z.number().min(0).nullable().meta({
      description:
        'Exact median of the whole-minute waits (the mean of the two middle values for an even count); null when no wait is known.',
    }),
  })
  .meta({ id: 'KpiWaitFigures', description: 'Time from `receivedAt` to the first human contact, in minutes.' });

type _WaitFiguresMatch = Assert<MutuallyAssignable<z.infer<typeof waitFiguresSchema>, WaitFigures>>;

const kpiRatesSchema = z
  .object({
    contactRate: nullableRatio('`contacted / leads`'),
    handledRate: nullableRatio('`handled / leads`'),
    handledWithinOneBusinessHourRate: nullableRatio('`handledWithinOneBusinessHour / leads`'),
    appointmentRate: nullableRatio('`appointments / leads`'),
    showRate: nullableRatio('`shows / appointmentsDue`'),
    testDriveRate: nullableRatio('`testDrives / leads`'),
    closeRate: nullableRatio('`sales / leads`'),
    closeRateWithin30Days: nullableRatio('`salesWithin30Days / leads`'),
    closeRateWithin90Days: nullableRatio('`salesWithin90Days / leads`'),
  })
  .meta({
    id: 'KpiRates',
    description:
      'Ratios of the cohort basis, computed from the counts summed over the range and group, never as an average of daily ratios.',
  });

type _KpiRatesMatch = Assert<MutuallyAssignable<z.infer<typeof kpiRatesSchema>, KpiRates>>;

const kpiCostSchema = z
  .object({
    spend: euroAmount.min(0).meta({
      description:
        'Marketing spend allocated to the range and group, in EUR: each month is spread evenly over its days, and ' +
        "spend without a site over the sites by their share of the month's leads of the source.",
    }),
    costPerLead: nullableEuroRatio('`spend / leads`'),
    costPerSale: nullableEuroRatio('`spend / sales`'),
    roi: z.number().nullable().meta({
      description:
        '`(grossMargin - spend) / spend`, rounded to 4 decimals; null when spend is 0 and on the activity basis.',
    }),
  })
  .meta({ id: 'KpiCost', description: 'Marketing spend of the group and what it bought.' });

type _KpiCostMatch = Assert<MutuallyAssignable<z.infer<typeof kpiCostSchema>, KpiCost>>;

const kpiContactsSchema = z
  .object({
    calls: countSchema,
    emails: countSchema,
    smsMessages: countSchema,
    visits: countSchema,
  })
  .meta({
    id: 'KpiContacts',
    description:
      'Every `contacted` event by a salesperson or the call centre, by contact channel. Cohort: contacts of the ' +
      "leads created in the range. Activity: contacts made on the range's days (UTC days), under the event's salesperson.",
  });

type _KpiContactsMatch = Assert<MutuallyAssignable<z.infer<typeof kpiContactsSchema>, KpiContacts>>;

const kpiFiguresShape = {
  leads: countSchema,
  uniqueProspects: countSchema.meta({
    description: 'Leads whose person sent no other lead in the 30 days before (leads without person id count).',
  }),
  contacted: countSchema.meta({ description: 'Leads contacted by any actor, automated messages included.' }),
  handled: countSchema.meta({
    description: 'Leads contacted by a salesperson or the call centre; contacts by `system` actors never count.',
  }),
  handledWithinOneBusinessHour: countSchema.meta({
    description: 'Handled leads whose first human contact came within 60 minutes of opening hours.',
  }),
  appointments: countSchema,
  appointmentsDue: countSchema.meta({
    description: 'Cohort: leads whose appointment falls on or before yesterday. Activity: appointments due on the day.',
  }),
  shows: countSchema,
  testDrives: countSchema,
  offers: countSchema,
  sales: countSchema.meta({ description: 'Sales; a `lost` event after a sale cancels it.' }),
  salesWithin30Days: countSchema.meta({ description: 'Sales within 30 days of the lead `datedAt`.' }),
  salesWithin90Days: countSchema.meta({ description: 'Sales within 90 days of the lead `datedAt`.' }),
  revenue: euroAmount.meta({ description: 'Revenue of the sales, in EUR, from the latest `sale` event of each lead.' }),
  grossMargin: euroAmount.meta({
    description: 'Gross margin of the sales, in EUR; negative when vehicles were sold at a loss.',
  }),
  timeToFirstContact: z
    .object({
      business: waitFiguresSchema.meta({
        description: "Minutes inside the site's opening hours; leads of sites without opening hours are left out.",
      }),
      raw: waitFiguresSchema.meta({ description: 'Calendar minutes.' }),
    })
    .meta({ description: 'Wait until the first human contact; contacts by `system` actors never end it.' }),
  rates: kpiRatesSchema.nullable().meta({
    description:
      "Null on the activity basis, whose numerators and denominators count different leads (April's sales over " +
      "April's leads can exceed 100%).",
  }),
  cost: kpiCostSchema.nullable().meta({
    description:
      'Null in rows grouped by channel, category, salesperson or team, and everywhere when the request filters on ' +
      'one of them, because spend is entered per source, campaign and site.',
  }),
  contacts: kpiContactsSchema,
};

const kpiFiguresSchema = z
  .object(kpiFiguresShape)
  .meta({ id: 'KpiFigures', description: 'Counts, sums, waits, rates and cost of a set of leads.' });

type _KpiFiguresMatch = Assert<MutuallyAssignable<z.infer<typeof kpiFiguresSchema>, KpiFigures>>;

const figureChangeSchema = z
  .object({
    absolute: z.number().nullable().meta({ description: 'current − previous; null when either is null.' }),
    relative: z
      .number()
      .nullable()
      .meta({ description: '(current − previous) / previous, 4 decimals; null when previous is 0 or null.' }),
  })
  .meta({ id: 'KpiFigureChange' });

const kpiComparisonShape = {
  previous: kpiFiguresSchema.optional().meta({
    description: 'With `compare`: the figures of the same group over the comparison range.',
  }),
  change: z
    .record(z.string(), figureChangeSchema)
    .optional()
    .meta({
      description:
        'With `compare`: the change of every numeric figure, by its dotted path (`leads`, `rates.closeRate`, ' +
        '`timeToFirstContact.business.medianMinutes`, `cost.spend`).',
    }),
};

const kpiTotalsSchema = z
  .object({ ...kpiFiguresShape, ...kpiComparisonShape })
  .meta({ id: 'KpiTotals', description: 'The figures of the whole range, with the comparison when requested.' });

type _KpiTotalsMatch = Assert<MutuallyAssignable<z.infer<typeof kpiTotalsSchema>, KpiFiguresWithComparison>>;

function kpiReportVariant<G extends KpiGroupBy>(groupBy: G, keyDescription: string) {
  const row = z.object({
    [groupBy]: z.string().meta({ description: keyDescription }),
    ...kpiFiguresShape,
    ...kpiComparisonShape,
  }) as z.ZodObject<Record<G, z.ZodString> & typeof kpiFiguresShape & typeof kpiComparisonShape>;
  return z.object({
    from: calendarDate,
    to: calendarDate,
    groupBy: z.literal(groupBy),
    basis: z.enum(KPI_BASES).meta({
      description:
        '`cohort`: the outcomes of the leads created in the range. `activity`: the events that happened in the range, ' +
        'whatever day their lead was created; it gives counts, sums and waits, and `rates` is null.',
    }),
    comparison: z
      .object({ compare: z.enum(KPI_COMPARISONS), from: calendarDate, to: calendarDate })
      .optional()
      .meta({ description: 'With `compare`: the range the report is compared with.' }),
    rows: z.array(row).meta({
      description:
        'Sorted by key. With `compare`, a group that had figures only in the comparison range has a row with zero figures.',
    }),
    totals: kpiTotalsSchema,
  });
}

const kpiReportBySourceSchema = kpiReportVariant('source', 'Marketing source.').meta({ id: 'KpiReportBySource' });
const kpiReportBySiteSchema = kpiReportVariant(
  'site',
  'Site id, or `unassigned` for leads with no site (visible to callers that see every site).',
).meta({ id: 'KpiReportBySite' });
const kpiReportByChannelSchema = kpiReportVariant(
  'channel',
  'Lead channel (`lead-form`, `web-form`...). Rows have `cost: null`.',
).meta({ id: 'KpiReportByChannel' });
const kpiReportByDaySchema = kpiReportVariant(
  'day',
  'Local date `YYYY-MM-DD`; every day of the range has a row, with zero figures when it had no lead.',
).meta({ id: 'KpiReportByDay' });
const kpiReportByTeamSchema = kpiReportVariant(
  'team',
  "Team of the salesperson in the tenant's team list; `''` for leads with no salesperson or one outside the list.",
).meta({ id: 'KpiReportByTeam' });
const kpiReportBySalespersonSchema = kpiReportVariant(
  'salesperson',
  "Salesperson id: the lead's assigned salesperson (cohort) or the event's salesperson (activity); `''` for none.",
).meta({ id: 'KpiReportBySalesperson' });
const kpiReportByCampaignSchema = kpiReportVariant('campaign', "Campaign id; `''` for leads with no campaign.").meta({
  id: 'KpiReportByCampaign',
});
const kpiReportByCategorySchema = kpiReportVariant('category', 'Lead category: `VN`, `VO` or `APV`.').meta({
  id: 'KpiReportByCategory',
});

/** The body of `GET /v1/kpis`: lead figures grouped by the requested `groupBy`. */
export const kpiReportSchema = z
  .discriminatedUnion('groupBy', [
    kpiReportBySourceSchema,
    kpiReportBySiteSchema,
    kpiReportByChannelSchema,
    kpiReportByDaySchema,
    kpiReportByTeamSchema,
    kpiReportBySalespersonSchema,
    kpiReportByCampaignSchema,
    kpiReportByCategorySchema,
  ])
  .meta({
    id: 'KpiReport',
    description:
      'Lead figures from the nightly aggregates, grouped by `groupBy`, with the totals of the range. Every ratio ' +
      'is computed from the counts summed over the range and group, and is null when its denominator is 0.',
  });

type _KpiReportBySourceMatches = Assert<
  MutuallyAssignable<z.infer<typeof kpiReportBySourceSchema>, KpiReport<'source'>>
>;
type _KpiReportBySiteMatches = Assert<MutuallyAssignable<z.infer<typeof kpiReportBySiteSchema>, KpiReport<'site'>>>;
type _KpiReportByChannelMatches = Assert<
  MutuallyAssignable<z.infer<typeof kpiReportByChannelSchema>, KpiReport<'channel'>>
>;
type _KpiReportByDayMatches = Assert<MutuallyAssignable<z.infer<typeof kpiReportByDaySchema>, KpiReport<'day'>>>;
type _KpiReportByTeamMatches = Assert<MutuallyAssignable<z.infer<typeof kpiReportByTeamSchema>, KpiReport<'team'>>>;
type _KpiReportBySalespersonMatches = Assert<
  MutuallyAssignable<z.infer<typeof kpiReportBySalespersonSchema>, KpiReport<'salesperson'>>
>;
type _KpiReportByCampaignMatches = Assert<
  MutuallyAssignable<z.infer<typeof kpiReportByCampaignSchema>, KpiReport<'campaign'>>
>;
type _KpiReportByCategoryMatches = Assert<
  MutuallyAssignable<z.infer<typeof kpiReportByCategorySchema>, KpiReport<'category'>>
>;
// Every `groupBy` value has a variant above: a new one fails here until it gets its schema.
type _KpiReportCoversGroupBy = Assert<
  MutuallyAssignable<z.infer<typeof kpiReportSchema>['groupBy'], (typeof KPI_GROUP_BY)[number]>
>;

// ---------------------------------------------------------------------------------------------------------
// Lead lifecycle events
//
// The request schemas below are the handler's own schemas with descriptions added field by field, so the
// document validates exactly what `POST /v1/leads/{leadId}/events` validates.

const EVENT_DESCRIPTIONS: Record<LeadEventType, string> = {
  assigned: 'The lead was assigned to a salesperson of the tenant team.',
  contacted: 'Someone contacted the person, or the person answered.',
  'appointment-set': 'An appointment was set or rescheduled; the latest one counts.',
  'appointment-show': 'The person came to the appointment.',
  'test-drive': 'The person test-drove a vehicle.',
  offer: 'An offer was made; the latest amount counts.',
  sale: 'A vehicle was sold. A DMS may re-send a sale with corrected figures; the latest one counts.',
  lost: 'The lead was lost. After a sale, it cancels the sale; a later progress or sale event reopens the lead.',
};

const eventBaseShape = {
  eventId: leadEventSchema.options[0].shape.eventId.meta({
    description:
      'Idempotency key chosen by the sender, unique per lead: an event whose id was already stored for the lead ' +
      'is not stored again and is listed in `duplicates`. Use the id of the CRM or DMS record.',
    examples: ['crm-7f3a91:call:1'],
  }),
  occurredAt: leadEventSchema.options[0].shape.occurredAt.meta({
    description:
      'When the event happened, not when it is sent, as ISO 8601 with an offset or `Z`. Events may arrive late ' +
      'and out of order: the lead is recomputed from all its events ordered by `occurredAt`, then `eventId`.',
  }),
  actor: z
    .object({
      type: z.enum(ACTOR_TYPES).meta({
        description:
          '`salesperson`, `call-centre`, or `system` for automated messages (auto-reply email or SMS). A `contacted` ' +
          'event of a `system` actor counts as contacted but never as the first human contact.',
      }),
      id: leadEventSchema.options[0].shape.actor.shape.id.meta({
        description: 'Id of the person or system in the sender, for audit; not personal data.',
      }),
    })
    .meta({ id: 'LeadEventActor', description: 'Who or what produced the event.' }),
};

const documentedEventVariants = leadEventSchema.options.map((variant) =>
  variant.extend(eventBaseShape).meta({
    id: `LeadEvent${pascalCase(variant.shape.type.value)}`,
    description: EVENT_DESCRIPTIONS[variant.shape.type.value],
  }),
);

type DocumentedEventVariant = (typeof documentedEventVariants)[number];

/** One lifecycle event of a lead, as a CRM, DMS or call centre sends it. */
export const leadEventRequestSchema = z
  .discriminatedUnion('type', documentedEventVariants as [DocumentedEventVariant, ...DocumentedEventVariant[]])
  .meta({
    id: 'LeadEvent',
    description:
      'A lifecycle event, told apart by `type`. Events carry no free text: a lost reason is a code, and a sold ' +
      'vehicle is its make, model and condition. Amounts are EUR with at most two decimals.',
  });

/** The body of `POST /v1/leads/{leadId}/events`: one event, or a batch of them. */
export const leadEventsRequestSchema = z
  .union([
    leadEventRequestSchema,
    z
      .object({
        events: z
          .array(leadEventRequestSchema)
          .min(1)
          .max(MAX_EVENTS_PER_REQUEST)
          .meta({ description: `1 to ${MAX_EVENTS_PER_REQUEST} events, in any order.` }),
      })
      .meta({ id: 'LeadEventBatch', description: 'A batch of events of the lead, as a CRM or DMS sync sends them.' }),
  ])
  .meta({ id: 'LeadEventsBody' });

type _LeadEventsRequestMatchesHandler = Assert<
  MutuallyAssignable<z.input<typeof leadEventsRequestSchema>, z.input<typeof leadEventsBodySchema>>
>;

/** The 202 body of `POST /v1/leads/{leadId}/events`. */
export const leadEventsResultSchema = z
  .object({
    accepted: z.array(z.string()).meta({ description: 'Ids of the events stored by this request, in request order.' }),
    duplicates: z.array(z.string()).meta({
      description: 'Ids of the events already stored before this request (a retry or a re-sync); they change nothing.',
    }),
  })
  .meta({
    id: 'LeadEventsResult',
    description: 'Outcome of a lead events request. Sending the same events again is safe.',
  });

type _LeadEventsResultMatchesService = Assert<
  MutuallyAssignable<z.infer<typeof leadEventsResultSchema>, RecordEventsResult>
>;

function pascalCase(value: string): string {
  return value
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

// ---------------------------------------------------------------------------------------------------------
// Marketing spend

const spendRowShape = spendRowSchema.shape;

/** The body of `PUT /v1/spend`, with the handler's own field schemas. */
export const spendRequestSchema = z
  .object({
    rows: z
      .array(
        z
          .object({
            month: spendRowShape.month.meta({ description: 'Month of the spend, `YYYY-MM`.', examples: ['2026-06'] }),
            source: spendRowShape.source.meta({
              description: 'Marketing source as leads carry it (`google-ads`, `meta-ads`...).',
            }),
            campaign: spendRowShape.campaign.meta({
              description: 'Campaign id as leads carry it; without it the spend covers every campaign of the source.',
            }),
            site: spendRowShape.site.meta({
              description:
                "Site id. Without it the spend is spread over the sites by their share of the month's leads of the " +
                "source (and campaign); when that source had no lead, by their share of all the month's leads; when " +
                'the tenant had no lead, it goes to `unassigned`.',
            }),
            amount: spendRowShape.amount.meta({ description: 'Amount in EUR, at most two decimals.' }),
          })
          .meta({ id: 'SpendRow' }),
      )
      .min(1)
      .max(MAX_SPEND_ROWS)
      .meta({ description: `1 to ${MAX_SPEND_ROWS} rows.` }),
  })
  .meta({
    id: 'SpendUpload',
    description: 'Monthly marketing spend; the rows replace all spend of every month they name.',
  });

type _SpendRequestMatchesHandler = Assert<
  MutuallyAssignable<z.input<typeof spendRequestSchema>, z.input<typeof spendBodySchema>>
>;

/** The 200 body of `PUT /v1/spend`. */
export const spendUploadResultSchema = z
  .object({
    months: z
      .array(z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/))
      .meta({ description: 'Months whose spend the rows replaced, `YYYY-MM`, sorted.' }),
    rows: countSchema.meta({ description: 'Rows stored.' }),
  })
  .meta({ id: 'SpendUploadResult' });

type _SpendUploadResultMatchesService = Assert<
  MutuallyAssignable<z.infer<typeof spendUploadResultSchema>, SpendUploadResult>
>;

// ---------------------------------------------------------------------------------------------------------
// Targets, pacing and live counts

const monthText = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
  .meta({ description: 'Month, `YYYY-MM`.' });
const targetRowShape = targetRowSchema.shape;
const targetKpiDescription =
  'KPI name: a figure of `GET /v1/kpis` (see docs/kpis.md). `higher` KPIs are attained at or above the ' +
  'target, `lower` ones (`medianTtfcBusinessMinutes`, `meanTtfcBusinessMinutes`, `spend`, `costPerLead`, ' +
  '`costPerSale`) at or below it.';
const targetRowFields = {
  month: targetRowShape.month.meta({ description: 'Month of the target, `YYYY-MM`.', examples: ['2026-06'] }),
  scope: targetRowShape.scope.meta({ description: 'What the target is set for.' }),
  scopeId: targetRowShape.scopeId.meta({
    description:
      'Site id, team name or salesperson id as the tenant configuration names them; absent for the `group` scope.',
  }),
  kpi: targetRowShape.kpi.meta({ description: targetKpiDescription }),
  target: targetRowShape.target.meta({
    description: "In the KPI's unit: rates from 0 to 1, amounts in EUR, times in business minutes.",
  }),
};

/** The body of `PUT /v1/targets`, with the handler's own field schemas. */
export const targetsRequestSchema = z
  .object({
    rows: z
      .array(z.object(targetRowFields).meta({ id: 'TargetRow' }))
      .min(1)
      .max(MAX_TARGET_ROWS)
      .meta({
        description: `1 to ${MAX_TARGET_ROWS} rows, at most one per month, scope, scopeId and kpi.`,
      }),
  })
  .meta({
    id: 'TargetUpload',
    description: 'Monthly targets; the rows replace all targets of every month they name.',
  });

type _TargetsRequestMatchesHandler = Assert<
  MutuallyAssignable<z.input<typeof targetsRequestSchema>, z.input<typeof targetsBodySchema>>
>;

/** The 200 body of `PUT /v1/targets`. */
export const targetUploadResultSchema = z
  .object({
    months: z.array(monthText).meta({ description: 'Months whose targets the rows replaced, sorted.' }),
    rows: countSchema.meta({ description: 'Rows stored.' }),
  })
  .meta({ id: 'TargetUploadResult' });

type _TargetUploadResultMatchesService = Assert<
  MutuallyAssignable<z.infer<typeof targetUploadResultSchema>, TargetUploadResult>
>;

const monthStatusSchema = z.enum(['closed', 'current', 'future']).meta({
  description: '`closed`: the month is over; `current`: it contains today; `future`: it has not started.',
});

const targetAttainmentSchema = z
  .object({
    ...targetRowFields,
    direction: z.enum(['higher', 'lower']).meta({
      description: '`higher`: attained when the actual value is at or above the target; `lower`: at or below it.',
    }),
    basis: z.enum(KPI_BASES).meta({
      description:
        'Basis of the actual value: `cohort` for figures of the leads created in the month, `activity` for ' +
        'appointments, sales, revenue and gross margin made in the month.',
    }),
    monthStatus: monthStatusSchema,
    actual: z
      .number()
      .nullable()
      .meta({
        description:
          'The KPI over the elapsed days of the month (all of them once closed). Null for a future month, on the ' +
          'first day of a month, and when a ratio has a zero denominator.',
      }),
    attained: z.boolean().nullable().meta({
      description: 'Whether `actual` meets the target (month to date for the current month); null when `actual` is.',
    }),
    pacing: z
      .object({
        projected: z.number().nullable().meta({
          description: '`actual / elapsed days × days in month`, rounded to 2 decimals; null when no day has elapsed.',
        }),
        projectedAttained: z.boolean().nullable().meta({ description: 'Whether the projection meets the target.' }),
      })
      .nullable()
      .meta({ description: 'Projection to the month end, for additive KPIs of the current month; null otherwise.' }),
  })
  .meta({ id: 'TargetAttainment' });

/** The 200 body of `GET /v1/targets/attainment`. */
export const attainmentReportSchema = z
  .object({
    from: monthText,
    to: monthText,
    rows: z.array(targetAttainmentSchema).meta({ description: 'Sorted by month, scope, scopeId and kpi.' }),
  })
  .meta({ id: 'AttainmentReport', description: 'The targets the caller may see, each with its actual value.' });

type _AttainmentReportMatchesService = Assert<
  MutuallyAssignable<z.infer<typeof attainmentReportSchema>, AttainmentReport>
>;

const pacedFigureSchema = z
  .object({
    monthToDate: z.number().meta({ description: 'Value over the elapsed days.' }),
    projected: z
      .number()
      .nullable()
      .meta({
        description:
          '`monthToDate / elapsedDays × daysInMonth`, rounded to 2 decimals; `monthToDate` for a closed month; ' +
          'null when no day has elapsed.',
      }),
  })
  .meta({ id: 'PacedFigure' });
const pacedFiguresShape = Object.fromEntries(PACED_KPIS.map((kpi) => [kpi, pacedFigureSchema])) as Record<
  PacedKpi,
  typeof pacedFigureSchema
>;

/** The 200 body of `GET /v1/kpis/pacing`. */
export const pacingReportSchema = z
  .object({
    month: monthText,
    status: monthStatusSchema,
    timeZone: z.string().meta({ description: "The tenant's default time zone, which decides which day is today." }),
    today: calendarDate,
    daysInMonth: countSchema,
    elapsedDays: countSchema.meta({
      description: 'Whole days of the month before today, which the nightly aggregates cover.',
    }),
    covered: z
      .object({ from: calendarDate, to: calendarDate })
      .nullable()
      .meta({ description: 'First and last elapsed days; null when no day has elapsed.' }),
    rows: z
      .array(z.object({ site: z.string().meta({ description: 'Site id or `unassigned`.' }), ...pacedFiguresShape }))
      .meta({ description: 'One row per site with figures in the month, sorted by site id.' }),
    totals: z.object(pacedFiguresShape).meta({ id: 'PacedFigures' }),
  })
  .meta({
    id: 'PacingReport',
    description:
      'Month-to-date leads, sales, revenue, gross margin (EUR) and spend (EUR), projected to the month end. Leads ' +
      'and spend are on the cohort basis, the others on the activity basis.',
  });

type _PacingReportMatchesService = Assert<MutuallyAssignable<z.infer<typeof pacingReportSchema>, PacingReport>>;

const liveCountsShape = {
  leads: countSchema.meta({ description: 'Leads received today.' }),
  handled: countSchema.meta({ description: 'Of those, leads contacted by a salesperson or the call centre.' }),
  waiting: countSchema.meta({ description: 'Of those, leads nobody has contacted yet.' }),
};

/** The 200 body of `GET /v1/kpis/live`. */
export const liveReportSchema = z
  .object({
    source: z.literal('live').meta({
      description: 'Counts kept from the lead stream; the nightly figures of `GET /v1/kpis` replace them.',
    }),
    asOf: isoInstant,
    rows: z
      .array(
        z.object({
          site: z.string().meta({ description: 'Site id, or `unassigned` when leads with no site arrived today.' }),
          date: calendarDate.meta({ description: "Today in the site's time zone." }),
          ...liveCountsShape,
        }),
      )
      .meta({ description: 'One row per site of the token, sorted by site id.' }),
    totals: z.object(liveCountsShape),
    waitingLeads: z
      .array(
        z.object({
          leadId: z.string(),
          site: z.string(),
          source: z.string(),
          receivedAt: isoInstant,
          localDate: calendarDate,
          waitedBusinessMinutes: z.number().int().min(0).nullable().meta({
            description: "Minutes of the site's opening hours since `receivedAt`; null without opening hours.",
          }),
          waitedMinutes: countSchema.meta({ description: 'Calendar minutes since `receivedAt`.' }),
        }),
      )
      .meta({ description: 'Leads of today and the two days before not contacted by a person yet, oldest first.' }),
  })
  .meta({ id: 'LiveReport' });

type _LiveReportMatchesService = Assert<MutuallyAssignable<z.infer<typeof liveReportSchema>, LiveReport>>;

// ---------------------------------------------------------------------------------------------------------
// Webhook payloads
//
// NOTE: these describe the payloads for integrators; the parsers in shared/sources validate with their own
// private zod schemas. The contract tests check that every fixture payload matches these schemas, but a field
// the parsers start to read is documented only once it is added here. Exporting the parsers' schemas and
// documenting those would remove the copy.

// A plain number, not `.int()`: zod bounds integers to the safe range, and senders' ids go beyond 2^53.
const senderId = z
  .union([z.string().min(1), z.number()])
  .meta({ description: 'Id as a string or a JSON integer; integers keep every digit, even beyond 2^53.' });

/** An ADF 1.0 XML document. */
export const adfXmlDocumentSchema = z.string().meta({
  id: 'AdfXmlDocument',
  description:
    'An ADF (Auto-lead Data Format) XML document: an `<adf>` root with one `<prospect>` per lead. ' +
    'Decoded by its BOM or the encoding of its XML declaration (UTF-8 when none). A DOCTYPE or ENTITY ' +
    'declaration is rejected with `XML_DOCTYPE_FORBIDDEN`.',
});

/** A Google Ads lead form webhook body. */
export const googleAdsLeadFormSchema = z
  .object({
    lead_id: senderId,
    api_version: z.string().optional(),
    form_id: senderId.nullish(),
    campaign_id: senderId.nullish(),
    adgroup_id: senderId.nullish(),
    creative_id: senderId.nullish(),
    gcl_id: z.string().nullish(),
    google_key: z.string().nullish().meta({
      description:
        'The key configured on the lead form; it authenticates the delivery and must match the integration key.',
    }),
    is_test: z.boolean().nullish(),
    lead_submit_time: z.string().nullish(),
    user_column_data: z
      .array(
        z.object({
          column_id: z.string().optional(),
          column_name: z.string().optional(),
          string_value: z.string().optional(),
        }),
      )
      .optional()
      .meta({ description: 'Answers, read by `column_id`; custom questions land in `customFields`.' }),
  })
  .meta({ id: 'GoogleAdsLeadForm', description: 'Google Ads lead form webhook body. Unknown fields are ignored.' });

/** A Meta webhook notification for the `leadgen` field of a page. */
export const metaLeadgenNotificationSchema = z
  .object({
    object: z
      .string()
      .optional()
      .meta({ examples: ['page'] }),
    entry: z.array(
      z.object({
        id: z.string().optional(),
        time: z.number().int().optional(),
        changes: z
          .array(
            z.object({
              field: z.string().meta({ description: 'Changes of other fields than `leadgen` are skipped.' }),
              value: z.object({
                leadgen_id: senderId,
                page_id: senderId.nullish(),
                form_id: senderId.nullish(),
                adgroup_id: senderId.nullish(),
                ad_id: senderId.nullish(),
                created_time: z.union([z.number().int(), z.string().regex(/^\d{1,12}$/)]).nullish(),
              }),
            }),
          )
          .optional(),
      }),
    ),
  })
  .meta({
    id: 'MetaLeadgenNotification',
    description:
      'Meta Lead Ads webhook notification. It carries ids only; LeadPilot fetches each lead from the Graph API.',
  });

const formText = z.union([z.string(), z.number()]).nullish();
const formFlag = z
  .union([z.boolean(), z.string(), z.number()])
  .nullish()
  .meta({ description: 'Boolean, or `true`/`1`/`on`/`yes`/`oui` and `false`/`0`/`off`/`no`/`non`.' });

/** Flat web form fields, in the camelCase spelling of JSON bodies. */
const WEB_FORM_TEXT_FIELDS = [
  'leadId',
  'submissionId',
  'formId',
  'siteId',
  'category',
  'interest',
  'message',
  'comments',
  'pageUrl',
  'firstName',
  'lastName',
  'fullName',
  'name',
  'email',
  'mobile',
  'postalCode',
  'zipCode',
  'city',
  'utmSource',
  'utmMedium',
  'utmCampaign',
  'utmTerm',
  'utmContent',
  ...['gclid', 'gbraid', 'wbraid', 'fbclid', 'msclkid', 'ttclid', 'liFatId'],
  'vehicleMake',
  'vehicleModel',
  'vehicleYear',
  'vehicleVin',
  'vehicleStock',
  'vehicleCondition',
  'vehicleOdometer',
  'vehicleMileage',
  'vehiclePrice',
] as const;
const WEB_FORM_FLAG_FIELDS = ['isTest', 'consentEmail', 'consentSms', 'consentPhone'] as const;

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** A website form posted as JSON. */
export const webFormJsonSchema = z
  .object({
    ...Object.fromEntries(WEB_FORM_TEXT_FIELDS.map((name) => [name, formText])),
    ...Object.fromEntries(WEB_FORM_FLAG_FIELDS.map((name) => [name, formFlag])),
    submittedAt: z.union([z.string(), z.number()]).nullish(),
    phone: z.union([formText, z.array(formText)]),
    phones: z.array(formText).nullish(),
    utm: z
      .object({ source: formText, medium: formText, campaign: formText, term: formText, content: formText })
      .nullish(),
    vehicle: z
      .object({
        make: formText,
        model: formText,
        year: formText,
        vin: formText,
        stock: formText,
        condition: formText,
        odometer: formText,
        mileage: formText,
        price: formText,
      })
      .nullish(),
    consent: z.object({ email: formFlag, sms: formFlag, phone: formFlag }).nullish(),
    customFields: z.record(z.string(), formText).nullish(),
  })
  .meta({
    id: 'WebFormJson',
    description:
      'Website form posted as JSON. Every field is optional; snake_case names (`first_name`) are accepted ' +
      'too. `leadId` or `submissionId` makes redeliveries idempotent; without them the body digest is the id.',
  });

/** A website form posted as `application/x-www-form-urlencoded`. */
export const webFormUrlencodedSchema = z
  .object({
    ...Object.fromEntries(WEB_FORM_TEXT_FIELDS.map((name) => [snakeCase(name), z.string().optional()])),
    ...Object.fromEntries(WEB_FORM_FLAG_FIELDS.map((name) => [snakeCase(name), z.string().optional()])),
    submitted_at: z.string().optional(),
    phone: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .meta({ description: 'May repeat.' }),
  })
  .catchall(z.string())
  .meta({
    id: 'WebFormUrlencoded',
    description:
      'Website form posted as `application/x-www-form-urlencoded`, with snake_case names (camelCase is ' +
      'accepted too). A field `custom_<id>` is the answer to the custom question `<id>`.',
  });
