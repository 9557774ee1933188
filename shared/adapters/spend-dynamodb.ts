/** Spend store on the DynamoDB aggregates table: one item per tenant and month. */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { SpendRow, SpendStore } from '#shared/kpi/spend';

/**
 * Rows are stored as tuples `[source, campaign, site, amountCents]`, with `''` for a missing campaign or site
 * and the amount in whole cents so that sums are exact.
 */
const spendTupleSchema = z.tuple([z.string(), z.string(), z.string(), z.number().int()]);
const monthItemSchema = z.object({ month: z.string(), rows: z.array(spendTupleSchema) });

const keys = {
  pk: (tenantId: string) => `SPEND#${tenantId}`,
  sk: (month: string) => `MONTH#${month}`,
};

/**
 * Stores each month's spend in one item (pk `SPEND#<tenantId>`, sk `MONTH#<yyyy-mm>`) of the aggregates
 * table. The 5,000 rows of one upload take at most about 500 KB in total, and a month's item stays below
 * the 400 KB item limit up to about 4,000 rows of 100 bytes (an estimate).
 */
export class DynamoDbSpendStore implements SpendStore {
  constructor(private readonly options: { client: DynamoDBDocumentClient; tableName: string }) {}

  async replaceMonths(tenantId: string, rowsByMonth: Map<string, SpendRow[]>): Promise<void> {
    for (const [month, rows] of rowsByMonth) {
      await this.options.client.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            pk: keys.pk(tenantId),
            sk: keys.sk(month),
            tenantId,
            month,
            rows: rows.map((row) => [row.source, row.campaign ?? '', row.site ?? '', Math.round(row.amount * 100)]),
          },
        }),
      );
    }
  }

  async readMonths(tenantId: string, fromMonth: string, toMonth: string): Promise<SpendRow[]> {
    const rows: SpendRow[] = [];
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
        for (const [source, campaign, site, amountCents] of monthItem.rows) {
          rows.push({
            month: monthItem.month,
            source,
            ...(campaign === '' ? {} : { campaign }),
            ...(site === '' ? {} : { site }),
            amount: amountCents / 100,
          });
        }
      }
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return rows;
  }
}
