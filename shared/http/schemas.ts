/** Request schemas shared by the HTTP handlers. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import { ValidationError } from '#shared/errors';
import { EXPORT_LOCALES } from '#shared/export/table';
import { addMonths, isCalendarDate } from '#shared/kpi/dates';
import { identifierSchema } from '#shared/tenant/model';
import { rawBody } from './event';

export { spendBodySchema } from '#shared/kpi/spend';
export { leadEventsBodySchema } from '#shared/lifecycle/events';

export const webhookPathSchema = z.object({ tenantId: identifierSchema, integrationId: identifierSchema });

// `Date.parse` rolls 2026-02-30 over to 2 March, so the check compares the parsed date with the text.
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date YYYY-MM-DD', abort: true })
  .refine(isCalendarDate, 'must be a calendar date');

/** Months that one lead export may cover, as for `GET /v1/kpis`: a year and its comparison month. */
export const MAX_LEAD_EXPORT_MONTHS = 13;

/** Adds an issue unless `from` is on or before `to`, and when `maxMonths` is given, `to` within that many months. */
function checkRange(range: { from: string; to: string }, context: z.RefinementCtx, maxMonths?: number): void {
  // Zod 4 runs this refinement even when a date failed its own check.
  if (!isCalendarDate(range.from) || !isCalendarDate(range.to)) {
    return;
  }
  if (range.from > range.to) {
    context.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
  } else if (maxMonths !== undefined && range.to >= addMonths(range.from, maxMonths)) {
    context.addIssue({ code: 'custom', path: ['to'], message: `must be within ${maxMonths} months of from` });
  }
}

export const leadPathSchema = z.object({ leadId: z.string().regex(/^ld_[a-z2-7]{26}$/, 'must be a lead id (ld_...)') });

/** Body of `POST /v1/erasures`: the person's email or phone as they gave it, exactly one of the two. */
export const erasureBodySchema = z.union([
  z.strictObject({ email: z.string().min(1).max(254) }),
  z.strictObject({ phone: z.string().min(1).max(64) }),
]);

export const leadListQuerySchema = z
  .object({
    from: isoDate,
    to: isoDate,
    site: z.string().min(1).optional(),
    source: z.string().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(2048).optional(),
  })
  .superRefine((query, context) => checkRange(query, context));

/** Query of `GET /v1/leads/export.csv`: the filters of the lead list, without paging, and the export language. */
export const leadExportQuerySchema = z
  .object({
    from: isoDate,
    to: isoDate,
    site: z.string().min(1).optional(),
    source: z.string().min(1).optional(),
    locale: z.enum(EXPORT_LOCALES).default('fr'),
  })
  .superRefine((query, context) => checkRange(query, context, MAX_LEAD_EXPORT_MONTHS));

/** Body of `POST /v1/leads/exports`: the filters and language of `GET /v1/leads/export.csv`. */
export const leadExportBodySchema = z
  .strictObject({
    from: isoDate,
    to: isoDate,
    site: z.string().min(1).optional(),
    source: z.string().min(1).optional(),
    locale: z.enum(EXPORT_LOCALES).default('fr'),
  })
  .superRefine((body, context) => checkRange(body, context, MAX_LEAD_EXPORT_MONTHS));

/** Path of `GET /v1/leads/exports/{exportId}`; export ids are UUIDs. */
export const leadExportPathSchema = z.object({ exportId: z.uuid('must be an export id (a UUID)') });

/** Maximum size of a JSON request body; a batch of 100 lead events takes about 30 KB. */
export const MAX_JSON_BODY_BYTES = 256 * 1024;

/**
 * Parses a JSON request body into an unvalidated value, for `validate` to check against a schema.
 *
 * @throws ValidationError when the body is missing, larger than 256 KB or not JSON.
 */
export function parseJsonBody(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): unknown {
  const bytes = rawBody(event);
  if (bytes.length === 0) {
    throw new ValidationError('Invalid request body: a JSON body is required');
  }
  if (bytes.length > MAX_JSON_BODY_BYTES) {
    throw new ValidationError(
      `Invalid request body: ${bytes.length} bytes, at most ${MAX_JSON_BODY_BYTES} allowed; split the batch`,
    );
  }
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ValidationError('Invalid request body: not valid JSON', { cause: error });
  }
}
