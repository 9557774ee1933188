/** Loading of tenant documents (the `test/fixtures/tenants/demo.json` format) into the local stack. */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FileSecretStore } from '#shared/adapters/secret-store-file';
import { DynamoTenantRepository } from '#shared/adapters/tenant-repository-dynamodb';
import { tenantFromDemoDocument } from '#shared/tenant/import';
import { personIdKeySecretName, type TenantConfig } from '#shared/tenant/model';

/**
 * Stores the tenant's configuration in the lead table and its integration secrets in the secrets file, and
 * creates the tenant's person-id key (32 random bytes, hex) unless the file has one, so that person ids stay
 * stable across restarts.
 */
export async function loadTenantDocument(options: {
  documentPath: string;
  client: DynamoDBDocumentClient;
  tableName: string;
  secretsFile: string;
}): Promise<TenantConfig> {
  const document: unknown = JSON.parse(await readFile(options.documentPath, 'utf8'));
  const { config, secrets } = tenantFromDemoDocument(document);

  await new DynamoTenantRepository({ client: options.client, tableName: options.tableName }).put(config);
  const current = await FileSecretStore.read(options.secretsFile);
  const personIdKeyName = personIdKeySecretName(config.tenantId);
  const personIdKey = current[personIdKeyName] ?? randomBytes(32).toString('hex');
  await FileSecretStore.write(options.secretsFile, { ...secrets, [personIdKeyName]: personIdKey });
  return config;
}
