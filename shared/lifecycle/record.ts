/** Recording of lead lifecycle events, scoped to the caller, and recomputation of the lead's derived state. */
import type { Caller } from '#shared/api/caller';
import { canSeeLead } from '#shared/api/caller';
import { ForbiddenError, NotFoundError, ValidationError } from '#shared/errors';
import { logger } from '#shared/logger';
import type { Clock } from '#shared/ports/clock';
import type { TenantRepository } from '#shared/tenant/repository';
import { deriveLeadState } from './derive';
import type { LeadEventInput } from './events';
import type { LeadEventStore, LifecycleLead } from './store';

export interface RecordEventsDeps {
  events: LeadEventStore;
  tenants: TenantRepository;
  clock: Clock;
}

/** Event ids of one request: newly stored ones, and those that were already stored (sent before). */
export interface RecordEventsResult {
  accepted: string[];
  duplicates: string[];
}

/**
 * Stores a lead's lifecycle events, each at most once per `eventId`, then recomputes the lead's status and
 * lifecycle from all its events and writes them onto the lead item. The state is recomputed even when every
 * event was a duplicate, so a retry after a failed update repairs the lead.
 *
 * Scope: the tenant comes from the token. A caller restricted to sites sees only leads of those sites,
 * and a salesperson only leads assigned to them (the token's subject is the salesperson id); other leads are
 * "not found". Finance is read-only.
 *
 * @throws ForbiddenError for a finance caller.
 * @throws NotFoundError when the lead does not exist or is outside the caller's scope.
 * @throws ValidationError when an `assigned` event names a salesperson outside the tenant's team.
 */
export async function recordLeadEvents(
  deps: RecordEventsDeps,
  caller: Caller,
  leadId: string,
  inputs: readonly LeadEventInput[],
): Promise<RecordEventsResult> {
  if (caller.role === 'finance') {
    throw new ForbiddenError('The finance role cannot record lead events');
  }
  const lead = await deps.events.getLead(caller.tenantId, leadId);
  if (!lead || !isInScope(caller, lead)) {
    throw new NotFoundError(`Lead ${leadId} not found`);
  }
  const tenant = await deps.tenants.get(caller.tenantId);
  if (!tenant) {
    throw new NotFoundError(`Tenant ${caller.tenantId} not found`);
  }
  const team = new Set(tenant.team.map((member) => member.salespersonId));
  for (const input of inputs) {
    if (input.type === 'assigned' && !team.has(input.salespersonId)) {
      throw new ValidationError(
        `Invalid event ${input.eventId}: salesperson ${input.salespersonId} is not in the tenant's team`,
      );
    }
  }

  const result: RecordEventsResult = { accepted: [], duplicates: [] };
  const recordedAt = deps.clock().toISOString();
  for (const input of inputs) {
    const outcome = await deps.events.append({ ...input, tenantId: caller.tenantId, leadId, recordedAt });
    result[outcome === 'accepted' ? 'accepted' : 'duplicates'].push(input.eventId);
  }

  const events = await deps.events.list(caller.tenantId, leadId);
  const site = tenant.sites.find((candidate) => candidate.siteId === lead.siteId) ?? null;
  const state = deriveLeadState(events, {
    receivedAt: lead.receivedAt,
    site,
    defaultTimeZone: tenant.defaultTimeZone,
  });
  const saved = await deps.events.saveDerivedState(caller.tenantId, leadId, state);
  logger.info('Lead events recorded', {
    tenantId: caller.tenantId,
    leadId,
    accepted: result.accepted.length,
    duplicates: result.duplicates.length,
    status: state.status,
    derivedState: saved,
  });
  return result;
}

function isInScope(caller: Caller, lead: LifecycleLead): boolean {
  return canSeeLead(caller, { siteId: lead.siteId, assignedSalespersonId: lead.assignedSalespersonId });
}
