import type { TenantConfig } from './model';

/** Where tenant configurations live: the lead table, in AWS and on the local stack alike. */
export interface TenantRepository {
  /** Returns the tenant's configuration, or undefined when the tenant does not exist. */
  get(tenantId: string): Promise<TenantConfig | undefined>;
  put(config: TenantConfig): Promise<void>;
}
