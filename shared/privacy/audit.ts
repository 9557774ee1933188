/** The erasure audit trail: proof that an erasure ran, without the values it erased. */

/** Kind of erasure request: one lead, or every lead of a person found by email or phone. */
export type ErasureKind = 'lead' | 'email' | 'phone';

/**
 * One erasure request, as the audit trail keeps it. It names no erased value: no email, no phone, not even a
 * hash of them, because an erasure is idempotent by construction (a repeat finds nothing left to erase) and
 * so needs no key to recognise a repeat.
 */
export interface ErasureRecord {
  erasureId: string;
  tenantId: string;
  kind: ErasureKind;
  /** Token subject of the group admin who asked. */
  requestedBy: string;
  /** ISO 8601 UTC instant of the erasure. */
  erasedAt: string;
  /** Leads whose personal data this request erased; empty when everything was erased before. */
  leadIds: string[];
  /** Quarantined payloads deleted because they mention the person. */
  quarantinedPayloads: number;
  /** Person-key entries deleted (keyed hashes of the person's email and phones). */
  personKeys: number;
}

export interface AuditTrail {
  record(entry: ErasureRecord): Promise<void>;
  /** Returns the tenant's erasure records, oldest first. */
  list(tenantId: string): Promise<ErasureRecord[]>;
}
