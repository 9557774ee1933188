import { describe, expect, it } from 'vitest';
import { PoisonRecordError } from '#shared/lake/errors';
import { compareLakeRows, rowFromStreamRecord } from '#shared/lake/rows';
import type { LakeRow } from '#shared/lake/schema';
import type { Lead } from '#shared/lead/model';
import { buildLead, buildStreamRecord, leadItem } from './stream-records';

const expectedInsertRow: LakeRow = {
  event_id: 'c81e728d9d4c2f636f067f89cc14862c',
  event_seq: '0000000000004421584500000000017450439091',
  event_name: 'INSERT',
  event_time_ms: 1_793_952_929_412,
  entity: 'lead',
  tenant_id: 'demo',
  lead_id: '01JCA7Q3M4T1V9X2B5N8R0K6PZ',
  site_id: 'amiens-nord',
  integration_id: 'google-ads',
  source: 'google-ads',
  channel: 'paid-search',
  campaign_id: '20000000002',
  campaign_name: 'VN Novembre Search',
  form_id: '9007199254740993',
  utm_source: 'google',
  utm_medium: 'cpc',
  utm_campaign: 'vn-novembre',
  category: 'VN',
  interest: 'Peugeot 3008',
  status: 'new',
  is_test: false,
  is_deleted: false,
  person_id: 'p_5f0c2d8a41b7e9c3',
  dated_at_ms: Date.parse('2026-11-06T08:15:27.000Z'),
  received_at_ms: Date.parse('2026-11-06T08:15:29.412Z'),
  local_date: '2026-11-06',
  is_repeat: false,
  lead_number: 1042,
  lead_version: 2,
};

function catchError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('rowFromStreamRecord', () => {
  it('converts an INSERT of a lead item', () => {
    expect(rowFromStreamRecord(buildStreamRecord())).toEqual(expectedInsertRow);
  });

  it('reads the new image of a MODIFY', () => {
    const record = buildStreamRecord({
      eventName: 'MODIFY',
      oldItem: leadItem(buildLead()),
      newItem: leadItem(buildLead({ status: 'contacted' })),
    });

    expect(rowFromStreamRecord(record)).toEqual({ ...expectedInsertRow, event_name: 'MODIFY', status: 'contacted' });
  });

  it('reads the old image of a REMOVE and marks the row deleted', () => {
    const record = buildStreamRecord({ eventName: 'REMOVE', oldItem: leadItem(buildLead({ status: 'lost' })) });

    expect(rowFromStreamRecord(record)).toEqual({
      ...expectedInsertRow,
      event_name: 'REMOVE',
      status: 'lost',
      is_deleted: true,
    });
  });

  it('marks a lead that repeats an earlier lead of the same person', () => {
    const lead = buildLead({ repeatOf: 'ld_aaaaaaaaaaaaaaaaaaaaaaaaaa' });

    expect(rowFromStreamRecord(buildStreamRecord({ newItem: leadItem(lead) }))?.is_repeat).toBe(true);
  });

  it('leaves is_repeat null for a lead stored before person linking', () => {
    const { repeatOf: _repeatOf, ...olderLead } = buildLead();

    expect(rowFromStreamRecord(buildStreamRecord({ newItem: leadItem(olderLead as Lead) }))?.is_repeat).toBeNull();
  });

  it('keeps nulls of an unrouted lead without campaign or person', () => {
    const lead = buildLead({
      siteId: null,
      formId: null,
      campaign: { id: null, name: null },
      utm: { source: null, medium: null, campaign: null, term: null, content: null },
      interest: null,
      personId: null,
      isTest: true,
    });

    expect(rowFromStreamRecord(buildStreamRecord({ newItem: leadItem(lead) }))).toEqual({
      ...expectedInsertRow,
      site_id: null,
      form_id: null,
      campaign_id: null,
      campaign_name: null,
      utm_source: null,
      utm_medium: null,
      utm_campaign: null,
      interest: null,
      person_id: null,
      is_test: true,
    });
  });

  it('rounds a fractional creation time to the millisecond', () => {
    const row = rowFromStreamRecord(buildStreamRecord({ creationSeconds: 1_793_952_929.4126 }));

    expect(row?.event_time_ms).toBe(1_793_952_929_413);
  });

  it('accepts a whole-second creation time', () => {
    const row = rowFromStreamRecord(buildStreamRecord({ creationSeconds: 1_793_952_929 }));

    expect(row?.event_time_ms).toBe(1_793_952_929_000);
  });

  it('copies no personal data', () => {
    const row = rowFromStreamRecord(buildStreamRecord());
    const serialized = JSON.stringify(row);

    for (const personal of [
      'Julien',
      'julien.morel@example.fr',
      '+33639980002',
      '80000',
      'Amiens',
      'VF3MCYHZRMS000417',
    ]) {
      expect(serialized).not.toContain(personal);
    }
    expect(serialized).not.toContain('Rappel');
    expect(serialized).not.toContain('Clio');
  });

  it('skips an item that is not a lead', () => {
    const tenantItem = { pk: 'TENANT#demo', sk: 'CONFIG', entity: 'tenant', tenantId: 'demo', name: 'Groupe Exemple' };

    expect(rowFromStreamRecord(buildStreamRecord({ newItem: tenantItem }))).toBeNull();
  });

  it('skips the removal of an item that is not a lead', () => {
    const pendingItem = { pk: 'PENDING#demo', sk: 'meta-leads#920000000000001', entity: 'pending-meta-fetch' };

    expect(rowFromStreamRecord(buildStreamRecord({ eventName: 'REMOVE', oldItem: pendingItem }))).toBeNull();
  });

  it('rejects a lead without leadId as a poison record', () => {
    const { leadId: _leadId, ...item } = leadItem(buildLead());
    const record = buildStreamRecord({ eventId: 'evt-poison', sequenceNumber: '900', newItem: item });

    const error = catchError(() => rowFromStreamRecord(record));

    expect(error).toBeInstanceOf(PoisonRecordError);
    expect(error).toMatchObject({ code: 'LAKE_POISON_RECORD', eventId: 'evt-poison', sequenceNumber: '900' });
    expect((error as Error).message).toContain('leadId');
  });

  it('rejects an unreadable datedAt without quoting item values', () => {
    const item = leadItem(buildLead());
    const record = buildStreamRecord({ newItem: { ...item, datedAt: 'jeudi 6 novembre' } });

    const error = catchError(() => rowFromStreamRecord(record));

    expect(error).toBeInstanceOf(PoisonRecordError);
    const message = (error as PoisonRecordError).message;
    expect(message).toContain('datedAt');
    expect(message).not.toContain('jeudi');
    expect(message).not.toContain('julien.morel@example.fr');
  });

  it('rejects a tenant id that cannot be a partition value', () => {
    const item = leadItem(buildLead());
    const record = buildStreamRecord({ newItem: { ...item, tenantId: '../other' } });

    expect(() => rowFromStreamRecord(record)).toThrow(/tenantId/);
  });

  it('rejects a REMOVE without old image', () => {
    const record = buildStreamRecord({ eventName: 'REMOVE' });

    expect(() => rowFromStreamRecord(record)).toThrow(/OldImage is missing/);
  });

  it('rejects a record without creation time', () => {
    const record = buildStreamRecord();
    delete record.dynamodb?.ApproximateCreationDateTime;

    expect(() => rowFromStreamRecord(record)).toThrow(/ApproximateCreationDateTime/);
  });
});

describe('compareLakeRows', () => {
  it('orders rows by event_seq, then event_id', () => {
    const base = expectedInsertRow;
    const rows = [
      { ...base, event_seq: '02', event_id: 'b' },
      { ...base, event_seq: '02', event_id: 'a' },
      { ...base, event_seq: '01', event_id: 'z' },
    ];

    expect(rows.sort(compareLakeRows).map((row) => `${row.event_seq}/${row.event_id}`)).toEqual([
      '01/z',
      '02/a',
      '02/b',
    ]);
  });
});
