import type * as z from 'zod';
import { ValidationError } from '#shared/errors';

/**
 * Parses request input with a zod schema; a failure becomes a `ValidationError` (400) whose message names
 * each invalid field, e.g. `query.from: must be a date YYYY-MM-DD`.
 */
export function validate<T>(schema: z.ZodType<T>, value: unknown, part: 'path' | 'query' | 'body'): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) {
    return result.data;
  }
  const detail = result.error.issues.map((issue) => `${[part, ...issue.path].join('.')}: ${issue.message}`).join('; ');
  throw new ValidationError(`Invalid request ${part}: ${detail}`, { cause: result.error });
}
