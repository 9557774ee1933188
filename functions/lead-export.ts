/**
 * The lead export worker: runs one lead export job, `{ tenantId, exportId }`, invoked asynchronously by the API
 * (`POST /v1/leads/exports`). It writes the CSV file to the export store and the job's progress and outcome to
 * the job item, which `GET /v1/leads/exports/{exportId}` reads.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import { loadLeadExportConfig } from '#functions/config';
import { createDocumentClient } from '#shared/adapters/dynamodb';
import { DynamoLeadRepository } from '#shared/adapters/lead-repository-dynamodb';
import { DynamoTenantRepository } from '#shared/adapters/tenant-repository-dynamodb';
import { ValidationError } from '#shared/errors';
import { createExportStore } from '#shared/export/export-store';
import { type LeadExportWorkerEvent, leadExportWorkerEventSchema } from '#shared/export/lead-export-job';
import { DynamoLeadExportJobStore } from '#shared/export/lead-export-job-dynamodb';
import { type LeadExportRunOutcome, runLeadExport } from '#shared/export/lead-export-worker';
import { logger } from '#shared/logger';
import { systemClock } from '#shared/ports/clock';

const config = loadLeadExportConfig();
const documentClient = createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION });
const dependencies = {
  leads: new DynamoLeadRepository({ client: documentClient, tableName: config.LEADS_TABLE_NAME }),
  tenants: new DynamoTenantRepository({ client: documentClient, tableName: config.LEADS_TABLE_NAME }),
  jobs: new DynamoLeadExportJobStore({ client: documentClient, tableName: config.LEADS_TABLE_NAME }),
  exportStore: createExportStore(config.EXPORTS_URI, {
    s3Client: new S3Client({ region: config.AWS_REGION }),
    linkSecret: config.EXPORTS_LINK_SECRET,
  }),
  clock: systemClock,
};

function parseWorkerEvent(event: unknown): LeadExportWorkerEvent {
  const result = leadExportWorkerEventSchema.safeParse(event);
  if (!result.success) {
    const paths = [...new Set(result.error.issues.map((issue) => issue.path.join('.') || '(event)'))];
    throw new ValidationError(`Invalid lead export event: invalid or missing ${paths.join(', ')}`);
  }
  return result.data;
}

async function runJob(event: LeadExportWorkerEvent): Promise<LeadExportRunOutcome> {
  const input = parseWorkerEvent(event);

  const outcome = await runLeadExport(dependencies, input);

  return outcome;
}

export const handler = middy<LeadExportWorkerEvent, LeadExportRunOutcome>()
  .use(injectLambdaContext(logger))
  .handler(runJob);
