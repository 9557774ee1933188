/** Request schemas shared by the HTTP handlers. */
import { z } from 'zod';
import { identifierSchema } from '#shared/tenant/model';

export const webhookPathSchema = z.object({ tenantId: identifierSchema, integrationId: identifierSchema });

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), 'must be a real calendar date');

export const leadPathSchema = z.object({ leadId: z.string().regex(/^ld_[a-z2-7]{26}$/, 'must be a lead id (ld_...)') });

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
