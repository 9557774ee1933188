import { describe, expect, it } from 'vitest';
import { decodeRows } from '#shared/lake/parquet';
import { writeStreamBatch } from '#shared/lake/writer';
import { FakeObjectStore } from './fake-object-store';
import { buildLead, buildStreamRecord, leadItem } from './stream-records';

const NOV_6 = Date.parse('2026-11-06T10:00:00.000Z') / 1000;
const NOV_7 = Date.parse('2026-11-07T10:00:00.000Z') / 1000;

/** Five records: two demo leads on Nov 6, one demo lead and one lead of another tenant on Nov 7, one tenant item. */
function buildBatch() {
  return [
    buildStreamRecord({ eventId: 'e1', sequenceNumber: '100', creationSeconds: NOV_6 }),
    buildStreamRecord({
      eventId: 'e2',
      sequenceNumber: '200',
      creationSeconds: NOV_7,
      newItem: leadItem(buildLead({ leadId: 'lead-2' })),
    }),
    buildStreamRecord({
      eventId: 'e3',
      sequenceNumber: '300',
      creationSeconds: NOV_6,
      newItem: { pk: 'TENANT#demo', sk: 'CONFIG', entity: 'tenant', tenantId: 'demo' },
    }),
    buildStreamRecord({
      eventId: 'e4',
      sequenceNumber: '400',
      creationSeconds: NOV_6,
      newItem: leadItem(buildLead({ leadId: 'lead-4' })),
    }),
    buildStreamRecord({
      eventId: 'e5',
      sequenceNumber: '500',
      creationSeconds: NOV_7,
      newItem: leadItem(buildLead({ leadId: 'lead-5', tenantId: 'other-group' })),
    }),
  ];
}

describe('writeStreamBatch', () => {
  it('writes one object per tenant and date', async () => {
    const store = new FakeObjectStore();

    const result = await writeStreamBatch(buildBatch(), store);

    expect(result.batchItemFailures).toEqual([]);
    expect(result.skipped).toBe(1);
    expect(result.written.map(({ key, rows }) => ({ folder: key.slice(0, key.lastIndexOf('/')), rows }))).toEqual([
      { folder: 'lead_changes/tenant=demo/dt=2026-11-06', rows: 2 },
      { folder: 'lead_changes/tenant=demo/dt=2026-11-07', rows: 1 },
      { folder: 'lead_changes/tenant=other-group/dt=2026-11-07', rows: 1 },
    ]);
    expect([...store.objects.keys()].sort()).toEqual(result.written.map(({ key }) => key).sort());
  });

  it('stores rows in stream order with the Parquet media type', async () => {
    const store = new FakeObjectStore();
    const records = buildBatch().reverse();

    const result = await writeStreamBatch(records, store);

    const key = result.written.find(({ key }) => key.includes('dt=2026-11-06'))?.key ?? '';
    const rows = await decodeRows(store.objects.get(key) ?? new Uint8Array());
    expect(rows.map((row) => row.event_id)).toEqual(['e1', 'e4']);
    expect(store.contentTypes.get(key)).toBe('application/vnd.apache.parquet');
  });

  it('reports every record of a group whose write fails', async () => {
    const store = new FakeObjectStore();
    store.failingPrefixes.push('lead_changes/tenant=demo/dt=2026-11-06/');

    const result = await writeStreamBatch(buildBatch(), store);

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '100' }, { itemIdentifier: '400' }]);
    expect(result.written.map(({ rows }) => rows)).toEqual([1, 1]);
    expect([...store.objects.keys()].every((key) => !key.includes('dt=2026-11-06'))).toBe(true);
  });

  it('reports a poison record alone and writes the rest', async () => {
    const store = new FakeObjectStore();
    const { tenantId: _tenantId, ...itemWithoutTenant } = leadItem(buildLead({ leadId: 'lead-6' }));
    const poison = buildStreamRecord({
      eventId: 'e6',
      sequenceNumber: '150',
      creationSeconds: NOV_6,
      newItem: itemWithoutTenant,
    });

    const result = await writeStreamBatch([...buildBatch(), poison], store);

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '150' }]);
    expect(result.written.map(({ rows }) => rows)).toEqual([2, 1, 1]);
  });

  it('lists failures in stream order across sequence number lengths', async () => {
    const store = new FakeObjectStore();
    store.failingPrefixes.push('lead_changes/');
    const records = [
      buildStreamRecord({ eventId: 'late', sequenceNumber: '1000', creationSeconds: NOV_6 }),
      buildStreamRecord({ eventId: 'early', sequenceNumber: '999', creationSeconds: NOV_6 }),
    ];

    const result = await writeStreamBatch(records, store);

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '999' }, { itemIdentifier: '1000' }]);
  });

  it('overwrites the same objects with the same bytes on redelivery', async () => {
    const first = new FakeObjectStore();
    const second = new FakeObjectStore();

    await writeStreamBatch(buildBatch(), first);
    await writeStreamBatch(buildBatch().reverse(), second);

    expect([...second.objects.keys()].sort()).toEqual([...first.objects.keys()].sort());
    for (const [key, bytes] of first.objects) {
      expect(Buffer.from(second.objects.get(key) ?? []).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  it('writes nothing for a batch without leads', async () => {
    const store = new FakeObjectStore();
    const tenantRecord = buildStreamRecord({ newItem: { pk: 'TENANT#demo', sk: 'CONFIG', entity: 'tenant' } });

    const result = await writeStreamBatch([tenantRecord], store);

    expect(result).toEqual({ batchItemFailures: [], written: [], skipped: 1 });
    expect(store.objects.size).toBe(0);
  });
});
