/** Tenant configuration stored in the lead table (item pk `TENANT#<tenantId>`, sk `CONFIG`). */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type TenantConfig, tenantConfigSchema } from '#shared/tenant/model';
import type { TenantRepository } from '#shared/tenant/repository';

export const TENANT_ENTITY = 'tenant';

/** Reads and writes tenant configurations; reads are cached for `cacheTtlMs` so a webhook burst reads once. */
export class DynamoTenantRepository implements TenantRepository {
  private readonly cache = new Map<string, { config: TenantConfig | undefined; expiresAt: number }>();

  constructor(private readonly options: { client: DynamoDBDocumentClient; tableName: string; cacheTtlMs?: number }) {}

  async get(tenantId: string): Promise<TenantConfig | undefined> {
    const cached = this.cache.get(tenantId);
    if (cached && cached.expiresAt > Date.now()) {
      return cached.config;
    }
    const output = await this.options.client.send(
      new GetCommand({ TableName: this.options.tableName, Key: { pk: `TENANT#${tenantId}`, sk: 'CONFIG' } }),
    );
    const config = output.Item ? tenantConfigSchema.parse(output.Item.config) : undefined;
    this.cache.set(tenantId, { config, expiresAt: Date.now() + (this.options.cacheTtlMs ?? 30_000) });
    return config;
  }

  async put(config: TenantConfig): Promise<void> {
    const valid = tenantConfigSchema.parse(config);
    await this.options.client.send(
      new PutCommand({
        TableName: this.options.tableName,
        Item: { pk: `TENANT#${valid.tenantId}`, sk: 'CONFIG', entity: TENANT_ENTITY, config: valid },
      }),
    );
    this.cache.delete(valid.tenantId);
  }
}
