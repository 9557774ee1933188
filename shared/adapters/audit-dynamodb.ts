/** The erasure audit trail in the lead table: pk `AUDIT#<tenantId>`, sk `ERASURE#<erasedAt>#<erasureId>`. */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { AuditTrail, ErasureRecord } from '#shared/privacy/audit';
import { ERASURE_AUDIT_ENTITY, erasureAuditKeys } from '#shared/store/tables';

const erasureRecordSchema = z.object({
  erasureId: z.string().min(1),
  tenantId: z.string().min(1),
  kind: z.enum(['lead', 'email', 'phone']),
  requestedBy: z.string().min(1),
  erasedAt: z.string().min(1),
  leadIds: z.array(z.string()),
  quarantinedPayloads: z.number().int().nonnegative(),
  personKeys: z.number().int().nonnegative(),
});

/**
 * Audit items have no `expiresAt`: they hold no personal data and are the controller's proof that requests
 * were carried out, so they stay until an operator deletes them.
 */
export class DynamoAuditTrail implements AuditTrail {
  constructor(private readonly options: { client: DynamoDBDocumentClient; tableName: string }) {}

  async record(entry: ErasureRecord): Promise<void> {
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: {
          pk: erasureAuditKeys.pk(entry.tenantId),
          sk: erasureAuditKeys.sk(entry.erasedAt, entry.erasureId),
          entity: ERASURE_AUDIT_ENTITY,
          ...entry,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async list(tenantId: string): Promise<ErasureRecord[]> {
    const records: ErasureRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': erasureAuditKeys.pk(tenantId), ':prefix': 'ERASURE#' },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of output.Items ?? []) {
        records.push(erasureRecordSchema.parse(item));
      }
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    return records;
  }
}
