/** Target store on the DynamoDB aggregates table: one item per tenant and month. */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { TARGET_KPI_NAMES, TARGET_SCOPES, type TargetRow, type TargetStore } from '#shared/kpi/targets';

/** Rows are stored as tuples `[scope, scopeId, kpi, target]`, with `''` as the scope id of the group. */
const targetTupleSchema = z.tuple([z.enum(TARGET_SCOPES), z.string(), z.enum(TARGET_KPI_NAMES), z.number()]);
const monthItemSchema = z.object({ month: z.string(), rows: z.array(targetTupleSchema) });

const keys = {
  pk: (tenantId: string) => `TARGET#${tenantId}`,
  sk: (month: string) => `MONTH#${month}`,
};

/**
 * Stores each month's targets in one item (pk `TARGET#<tenantId>`, sk `MONTH#<yyyy-mm>`) of the aggregates
 * table, so replacing a month is one put. The 2,000 rows of one upload take about 100 KB as tuples, below the
 * 400 KB item limit (an estimate with ids of 20 characters).
 */
export class DynamoDbTargetStore implements TargetStore {
  constructor(private readonly options: { client: DynamoDBDocumentClient; tableName: string }) {}

  async replaceMonths(tenantId: string, rowsByMonth: Map<string, TargetRow[]>): Promise<void> {
    for (const [month, rows] of rowsByMonth) {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            pk: keys.pk(tenantId),
            sk: keys.sk(month),
            tenantId,
            month,
            rows: rows.map((row) => [row.scope, row.scopeId ?? '', row.kpi, row.target]),
          },
        }),
      );
    }
  }

  async readMonths(tenantId: string, fromMonth: string, toMonth: string): Promise<TargetRow[]> {
    const rows: TargetRow[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': keys.pk(tenantId), ':from': keys.sk(fromMonth), ':to': keys.sk(toMonth) },
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const monthItem = monthItemSchema.parse(item);
        for (const [scope, scopeId, kpi, target] of monthItem.rows) {
          rows.push({ month: monthItem.month, scope, ...(scopeId === '' ? {} : { scopeId }), kpi, target });
        }
      }
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return rows;
  }
}
