/** Request schemas shared by the HTTP handlers. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import { ValidationError } from '#shared/errors';
import { EXPORT_LOCALES } from '#shared/export/table';
import { identifierSchema } from '#shared/tenant/model';
import { rawBody } from './event';

export { spendBodySchema } from '#shared/kpi/spend';
export { leadEventsBodySchema } from '#shared/lifecycle/events';

export const webhookPathSchema = z.object({ tenantId: identifierSchema, integrationId: identifierSchema });

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), 'must be a real calendar date');

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
  .refine((query) => query.from <= query.to, { message: 'from must not be after to', path: ['from'] });

/** Query of `GET /v1/leads/export.csv`: the filters of the lead list, without paging, and the export language. */
export const leadExportQuerySchema = z
  .object({
    from: isoDate,
    to: isoDate,
    site: z.string().min(1).optional(),
    source: z.string().min(1).optional(),
    locale: z.enum(EXPORT_LOCALES).default('fr'),
  })
  .refine((query) => query.from <= query.to, { message: 'from must not be after to', path: ['from'] });

/** Body of `POST /v1/leads/exports`: the filters and language of `GET /v1/leads/export.csv`. */
export const leadExportBodySchema = z
  .strictObject({
    from: isoDate,
    to: isoDate,
    site: z.string().min(1).optional(),
    source: z.string().min(1).optional(),
    locale: z.enum(EXPORT_LOCALES).default('fr'),
  })
  .refine((body) => body.from <= body.to, { message: 'from must not be after to', path: ['from'] });

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
