/** Lead export jobs in the lead table, under the tenant's partition (see shared/store/tables.ts). */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { LEAD_EXPORT_ENTITY, LEADS_TABLE, leadExportKeys } from '#shared/store/tables';
import {
  LEAD_EXPORT_JOB_TTL_SECONDS,
  type LeadExportFailureCode,
  type LeadExportJob,
  type LeadExportJobStore,
  type LeadExportProgress,
  leadExportJobSchema,
} from './lead-export-job';

/** Attribute of the item's expiry in epoch seconds: the lead table's time-to-live attribute. */
const TTL_ATTRIBUTE = LEADS_TABLE.timeToLiveAttribute ?? 'expiresAt';

/** A job update whose status condition failed: the job is missing or no longer in the expected status. */
export class LeadExportJobStateError extends Error {
  constructor(exportId: string, expected: string, options?: { cause?: unknown }) {
    super(`Lead export job ${exportId} is missing or not ${expected}`, options);
    this.name = 'LeadExportJobStateError';
  }
}

export interface DynamoLeadExportJobStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
}

export class DynamoLeadExportJobStore implements LeadExportJobStore {
  constructor(private readonly options: DynamoLeadExportJobStoreOptions) {}

  async create(job: LeadExportJob): Promise<void> {
    const expiresAt = Math.floor(Date.parse(job.createdAt) / 1000) + LEAD_EXPORT_JOB_TTL_SECONDS;
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          ...leadExportJobSchema.parse(job),
          pk: leadExportKeys.pk(job.tenantId),
          sk: leadExportKeys.sk(job.exportId),
          entity: LEAD_EXPORT_ENTITY,
          [TTL_ATTRIBUTE]: expiresAt,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(tenantId: string, exportId: string): Promise<LeadExportJob | undefined> {
    const output = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: this.key(tenantId, exportId),
        ConsistentRead: true,
      }),
    );
    return output.Item === undefined ? undefined : leadExportJobSchema.parse(output.Item);
  }

  async start(tenantId: string, exportId: string, at: string): Promise<LeadExportJob | undefined> {
    try {
      const output = await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: this.key(tenantId, exportId),
          UpdateExpression: 'SET #status = :running, updatedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND #status = :queued',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':running': 'running', ':queued': 'queued', ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return leadExportJobSchema.parse(output.Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return undefined;
      }
      throw error;
    }
  }

  async recordProgress(tenantId: string, exportId: string, progress: LeadExportProgress, at: string): Promise<void> {
    await this.update(exportId, 'running', {
      Key: this.key(tenantId, exportId),
      UpdateExpression: 'SET rowCount = :rows, byteCount = :bytes, updatedAt = :at',
      ConditionExpression: '#status = :running',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':rows': progress.rowCount,
        ':bytes': progress.byteCount,
        ':at': at,
        ':running': 'running',
      },
    });
  }

  async succeed(
    tenantId: string,
    exportId: string,
    result: LeadExportProgress & { fileKey: string },
    at: string,
  ): Promise<void> {
    await this.update(exportId, 'running', {
      Key: this.key(tenantId, exportId),
      UpdateExpression:
        'SET #status = :succeeded, rowCount = :rows, byteCount = :bytes, fileKey = :fileKey, updatedAt = :at',
      ConditionExpression: '#status = :running',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':succeeded': 'succeeded',
        ':rows': result.rowCount,
        ':bytes': result.byteCount,
        ':fileKey': result.fileKey,
        ':at': at,
        ':running': 'running',
      },
    });
  }

  async fail(tenantId: string, exportId: string, code: LeadExportFailureCode, at: string): Promise<void> {
    await this.update(exportId, 'queued or running', {
      Key: this.key(tenantId, exportId),
      UpdateExpression: 'SET #status = :failed, failureCode = :code, updatedAt = :at',
      ConditionExpression: '#status IN (:queued, :running)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':failed': 'failed',
        ':code': code,
        ':at': at,
        ':queued': 'queued',
        ':running': 'running',
      },
    });
  }

  private key(tenantId: string, exportId: string) {
    return { pk: leadExportKeys.pk(tenantId), sk: leadExportKeys.sk(exportId) };
  }

  private async update(
    exportId: string,
    expected: string,
    input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>,
  ): Promise<void> {
    try {
      await this.options.client.send(new UpdateCommand({ TableName: this.options.tableName, ...input }));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new LeadExportJobStateError(exportId, expected, { cause: error });
      }
      throw error;
    }
  }
}
