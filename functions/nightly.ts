/**
 * The nightly KPI job for one tenant, started by a schedule (one event per tenant) or by hand with an explicit
 * range: compacts the tenant's closed lake partitions, recomputes the daily cells and replaces them in the
 * aggregates table.
 */
import { fileURLToPath } from 'node:url';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import * as z from 'zod';
import { loadNightlyConfig, type NightlyConfig } from '#functions/config';
import { DynamoDbAggregateStore } from '#shared/adapters/aggregates-dynamodb';
import { createDocumentClient } from '#shared/adapters/dynamodb';
import { createObjectStore } from '#shared/adapters/object-store';
import { AthenaQueryEngine } from '#shared/adapters/query-engine-athena';
import { DuckDbQueryEngine } from '#shared/adapters/query-engine-duckdb';
import { ValidationError } from '#shared/errors';
import { isCalendarDate } from '#shared/kpi/dates';
import { defaultNightlyRange, type NightlyResult, runNightly } from '#shared/kpi/nightly';
import type { QueryEngine } from '#shared/kpi/query-engine';
import { logger } from '#shared/logger';
import { systemClock } from '#shared/ports/clock';
import { identifierSchema } from '#shared/tenant/model';

const config = loadNightlyConfig();
const documentClient = createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION });
const aggregates = new DynamoDbAggregateStore({ client: documentClient, tableName: config.AGGREGATES_TABLE_NAME });
const lake = createObjectStore(config.LAKE_URI, { s3Client: new S3Client({ region: config.AWS_REGION }) });
const engine = createQueryEngine(config);

/** Input event. Without `from` and `to`, the run covers the 120 days that end yesterday in Europe/Paris. */
const nightlyEventSchema = z
  .object({
    tenantId: identifierSchema,
    from: z.string().refine(isCalendarDate, 'must be a calendar date as YYYY-MM-DD').optional(),
    to: z.string().refine(isCalendarDate, 'must be a calendar date as YYYY-MM-DD').optional(),
  })
  .refine((event) => (event.from === undefined) === (event.to === undefined), {
    message: 'from and to must be given together or not at all',
    path: ['to'],
  });
export type NightlyEvent = z.input<typeof nightlyEventSchema>;

function createQueryEngine(nightlyConfig: NightlyConfig): QueryEngine {
  if (nightlyConfig.QUERY_ENGINE === 'athena') {
    return new AthenaQueryEngine({
      client: new AthenaClient({ region: nightlyConfig.AWS_REGION }),
      workGroup: nightlyConfig.ATHENA_WORKGROUP,
      database: nightlyConfig.ATHENA_DATABASE,
    });
  }
  if (!nightlyConfig.LAKE_URI.startsWith('file:///')) {
    throw new Error(
      `Invalid nightly configuration: QUERY_ENGINE duckdb needs a file:/// LAKE_URI, got ${nightlyConfig.LAKE_URI}`,
    );
  }
  return new DuckDbQueryEngine({ lakeRoot: fileURLToPath(nightlyConfig.LAKE_URI) });
}

function parseNightlyEvent(event: unknown): { tenantId: string; from: string; to: string } {
  const result = nightlyEventSchema.safeParse(event);
  if (!result.success) {
    const details = result.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`);
    throw new ValidationError(`Invalid nightly event: ${details.join('; ')}`);
  }
  const { tenantId, from, to } = result.data;
  return from !== undefined && to !== undefined
    ? { tenantId, from, to }
    : { tenantId, ...defaultNightlyRange(systemClock) };
}

async function runNightlyJob(event: NightlyEvent): Promise<NightlyResult> {
  const input = parseNightlyEvent(event);

  const result = await runNightly({ engine, aggregates, lake, clock: systemClock }, input);

  return result;
}

/**
 * Logs a failed run before the error propagates. The thrown error fails the invocation, which Lambda counts in
 * the function's `Errors` metric (the nightly schedule's alarm watches it), and the aggregates of the range
 * stay as the last successful run left them.
 */
function logFailedRun(): middy.MiddlewareObj<NightlyEvent, NightlyResult> {
  return {
    onError: (request) => {
      const event = request.event as Partial<Record<'tenantId' | 'from' | 'to', unknown>> | undefined;
      logger.error('Nightly KPI run failed; the previous aggregates are kept', {
        tenantId: event?.tenantId,
        from: event?.from,
        to: event?.to,
        error: request.error,
      });
    },
  };
}

export const handler = middy<NightlyEvent, NightlyResult>()
  .use(injectLambdaContext(logger))
  .use(logFailedRun())
  .handler(runNightlyJob);
