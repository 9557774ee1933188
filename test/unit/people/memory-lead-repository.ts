import type { Lead } from '#shared/lead/model';
import {
  type LeadRepository,
  PersonKeyConflictError,
  type PersonKeyEntry,
  type PersonKeyWrite,
} from '#shared/store/lead-repository';

/**
 * A lead store in memory with the conditions of the DynamoDB adapter: the lead put wins over the person-key
 * conditions, and a person-key write applies only while the stored entry is the one it expects.
 */
export class MemoryLeadRepository implements LeadRepository {
  /** Leads by lead id. */
  readonly stored = new Map<string, Lead>();
  /** Person-key entries by `<tenantId>#<keyHash>`. */
  readonly personKeys = new Map<string, PersonKeyEntry & { expiresAt: number }>();
  failing = false;
  /** Runs before each create, as another writer would between the read and the write. */
  beforeCreate: (() => void) | undefined;

  async createIfAbsent(lead: Lead, writes: readonly PersonKeyWrite[] = []) {
    if (this.failing) throw new Error('ProvisionedThroughputExceededException');
    this.beforeCreate?.();
    if (this.stored.has(lead.leadId)) return 'duplicate' as const;
    for (const write of writes) {
      const current = this.personKeys.get(`${lead.tenantId}#${write.entry.keyHash}`);
      if ((current?.firstLeadId ?? null) !== write.expectedFirstLeadId) {
        throw new PersonKeyConflictError(`Entry ${write.entry.keyHash} changed`);
      }
    }
    for (const write of writes) {
      this.personKeys.set(`${lead.tenantId}#${write.entry.keyHash}`, { ...write.entry, expiresAt: write.expiresAt });
    }
    this.stored.set(lead.leadId, lead);
    return 'created' as const;
  }

  async getPersonKeys(tenantId: string, keyHashes: readonly string[]) {
    const entries: PersonKeyEntry[] = [];
    for (const keyHash of keyHashes) {
      const stored = this.personKeys.get(`${tenantId}#${keyHash}`);
      if (stored) {
        const { expiresAt: _expiresAt, ...entry } = stored;
        entries.push(entry);
      }
    }
    return entries;
  }

  async get(_tenantId: string, leadId: string) {
    return this.stored.get(leadId);
  }

  async list() {
    return { items: [...this.stored.values()] };
  }
}
