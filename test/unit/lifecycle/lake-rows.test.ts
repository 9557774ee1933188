import { describe, expect, it } from 'vitest';
import { rowFromStreamRecord } from '#shared/lake/rows';
import { deriveLeadState } from '#shared/lifecycle/derive';
import { LEAD_EVENT_ENTITY } from '#shared/lifecycle/events';
import { buildLead, buildStreamRecord, leadItem } from '#test/unit/lake/stream-records';
import { aLeadEvent, demoSite } from '#test/unit/lifecycle/factories';

const lead = buildLead({ receivedAt: '2026-11-07T17:30:00.000Z' });

describe('rowFromStreamRecord with lifecycle events', () => {
  it('adds the derived lifecycle columns to a lead row', () => {
    const events = [
      aLeadEvent({ type: 'assigned', salespersonId: 's-amiens-1', occurredAt: '2026-11-07T17:35:00.000Z' }),
      aLeadEvent({ occurredAt: '2026-11-09T08:00:00.000Z' }),
      aLeadEvent({
        type: 'sale',
        occurredAt: '2026-11-20T10:00:00.000Z',
        vehicle: { make: 'Peugeot', model: '3008', condition: 'new' },
        revenue: 38_990.99,
        grossMargin: -120.5,
      }),
    ];
    const state = deriveLeadState(events, {
      receivedAt: lead.receivedAt,
      site: demoSite('amiens-nord'),
      defaultTimeZone: 'Europe/Paris',
    });
    const record = buildStreamRecord({
      eventName: 'MODIFY',
      newItem: { ...leadItem(lead), status: state.status, lifecycle: state.lifecycle },
    });

    const row = rowFromStreamRecord(record);

    expect(row).toMatchObject({
      entity: 'lead',
      status: 'sale',
      assigned_salesperson_id: 's-amiens-1',
      first_contact_at_ms: Date.parse('2026-11-09T08:00:00.000Z'),
      first_contact_local_date: '2026-11-09',
      first_human_contact_at_ms: Date.parse('2026-11-09T08:00:00.000Z'),
      first_human_contact_local_date: '2026-11-09',
      ttfc_business_min: 30,
      ttfc_raw_min: 2310,
      appointment_set_at_ms: null,
      sale_at_ms: Date.parse('2026-11-20T10:00:00.000Z'),
      sale_local_date: '2026-11-20',
      sale_revenue_cents: 3_899_099,
      sale_gross_margin_cents: -12_050,
      lost_reason: null,
    });
  });

  it('leaves the lifecycle columns out of a lead without events', () => {
    const row = rowFromStreamRecord(buildStreamRecord({ newItem: leadItem(lead) }));

    expect(row).not.toHaveProperty('first_contact_at_ms');
  });

  it('converts a lifecycle event item into an event row without free text', () => {
    const event = aLeadEvent({
      eventId: 'dms-42',
      type: 'sale',
      occurredAt: '2026-11-20T10:00:00.000Z',
      actor: { type: 'system', id: 'dms' },
      vehicle: { make: 'Peugeot', model: '3008', condition: 'used' },
      revenue: 21_000,
      grossMargin: 1_800,
    });
    const record = buildStreamRecord({
      newItem: {
        ...event,
        tenantId: 'demo',
        leadId: lead.leadId,
        recordedAt: '2026-11-20T10:01:00.000Z',
        pk: `LEAD#demo#${lead.leadId}`,
        sk: `EVENT#${event.occurredAt}#dms-42`,
        entity: LEAD_EVENT_ENTITY,
      },
    });

    const row = rowFromStreamRecord(record);

    expect(row).toMatchObject({
      entity: 'lead-event',
      tenant_id: 'demo',
      lead_id: lead.leadId,
      site_id: null,
      local_date: null,
      status: null,
      lead_event_id: 'dms-42',
      event_type: 'sale',
      occurred_at_ms: Date.parse('2026-11-20T10:00:00.000Z'),
      actor_type: 'system',
      salesperson_id: null,
      amount_cents: 2_100_000,
      gross_margin_cents: 180_000,
      vehicle_condition: 'used',
    });
    expect(JSON.stringify(row)).not.toContain('Peugeot');
  });

  it('keeps the assigned salesperson of an assignment event', () => {
    const event = aLeadEvent({
      type: 'assigned',
      salespersonId: 's-abbeville-1',
      actor: { type: 'call-centre', id: 'cc' },
    });
    const record = buildStreamRecord({
      newItem: { ...event, tenantId: 'demo', leadId: lead.leadId, pk: 'x', sk: 'y', entity: LEAD_EVENT_ENTITY },
    });

    expect(rowFromStreamRecord(record)).toMatchObject({ salesperson_id: 's-abbeville-1', actor_type: 'call-centre' });
  });

  it('still skips items that are neither leads nor lead events', () => {
    const record = buildStreamRecord({ newItem: { pk: 'LEAD#demo#x', sk: 'EVENT-KEY#e', entity: 'lead-event-key' } });

    expect(rowFromStreamRecord(record)).toBeNull();
  });
});
