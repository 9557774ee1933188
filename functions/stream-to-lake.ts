/**
 * DynamoDB Streams consumer of the lead table: lands lead changes in the lake as Parquet objects and keeps the
 * live lead items of today's counts up to date. It reports failed records as a partial batch response, so the
 * event source mapping must enable `ReportBatchItemFailures`.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod';
import { loadStreamToLakeConfig } from '#functions/config';
import { createDocumentClient } from '#shared/adapters/dynamodb';
import { DynamoDbLiveLeadStore } from '#shared/adapters/live-dynamodb';
import { createObjectStore } from '#shared/adapters/object-store';
import { ValidationError } from '#shared/errors';
import { mergeBatchItemFailures, updateLiveLeads } from '#shared/kpi/live';
import { writeStreamBatch } from '#shared/lake/writer';
import { logger } from '#shared/logger';

const config = loadStreamToLakeConfig();
const store = createObjectStore(config.LAKE_URI, { s3Client: new S3Client({ region: config.AWS_REGION }) });
const liveLeads =
  config.AGGREGATES_TABLE_NAME === undefined
    ? undefined
    : new DynamoDbLiveLeadStore({
        client: createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION }),
        tableName: config.AGGREGATES_TABLE_NAME,
      });

/**
 * The envelope only: each record needs a sequence number so that it can be reported as failed. Everything
 * else is checked per record, so one bad record fails alone instead of failing the batch.
 */
const streamEventSchema = z.object({
  Records: z.array(z.looseObject({ dynamodb: z.looseObject({ SequenceNumber: z.string().min(1) }) })),
});

function parseStreamEvent(event: unknown): DynamoDBRecord[] {
  const result = streamEventSchema.safeParse(event);
  if (!result.success) {
    const paths = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || '(event)'))];
    throw new ValidationError(`Invalid DynamoDB stream event: invalid or missing ${paths.join(', ')}`);
  }
  return result.data.Records as DynamoDBRecord[];
}

async function landStreamBatch(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const records = parseStreamEvent(event);

  const result = await writeStreamBatch(records, store);
  // A failed live update fails its records even when their lake write succeeded. The redelivery writes both
  // again: compaction removes the duplicate lake rows by event_id, and the live upsert keeps the latest record.
  const live = liveLeads === undefined ? undefined : await updateLiveLeads(records, liveLeads);

  logger.info('Stream batch written to the lake', {
    records: records.length,
    objects: result.written.length,
    rowsWritten: result.written.reduce((total, object) => total + object.rows, 0),
    skipped: result.skipped,
    failures: result.batchItemFailures.length,
    liveWritten: live?.written ?? 0,
    liveFailures: live?.batchItemFailures.length ?? 0,
  });
  return { batchItemFailures: live === undefined ? result.batchItemFailures : mergeBatchItemFailures(result, live) };
}

export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger))
  .handler(landStreamBatch);
