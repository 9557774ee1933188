import { describe, expect, it } from 'vitest';
import { compactPartition, listClosedPartitions } from '#shared/lake/compaction';
import { objectKeyFor } from '#shared/lake/keys';
import { decodeRows, encodeRows } from '#shared/lake/parquet';
import type { LakeRow } from '#shared/lake/schema';
import { FakeObjectStore } from './fake-object-store';
import { buildLakeRow } from './lake-rows';

const PREFIX = 'lead_changes/tenant=demo/dt=2026-11-06/';

function rowsFor(eventIds: string[]): LakeRow[] {
  return eventIds.map((eventId) => buildLakeRow({ event_id: eventId, event_seq: eventId.padStart(40, '0') }));
}

async function putPart(store: FakeObjectStore, rows: LakeRow[]): Promise<string> {
  const key = objectKeyFor(rows);
  await store.put(key, encodeRows(rows));
  return key;
}

/** Two overlapping batches, as a partial batch retry leaves them. */
async function seedPartition(store: FakeObjectStore): Promise<void> {
  await putPart(store, rowsFor(['001', '002', '003']));
  await putPart(store, rowsFor(['002', '003', '004']));
}

function snapshot(store: FakeObjectStore): Record<string, string> {
  return Object.fromEntries([...store.objects].map(([key, bytes]) => [key, Buffer.from(bytes).toString('base64')]));
}

describe('compactPartition', () => {
  it('merges parts into one object without duplicate event ids', async () => {
    const store = new FakeObjectStore();
    await seedPartition(store);

    const result = await compactPartition(store, 'demo', '2026-11-06');

    expect(result).toEqual({
      inputs: 2,
      output: expect.stringMatching(/^lead_changes\/tenant=demo\/dt=2026-11-06\/compact-[0-9a-f]{24}\.parquet$/),
      outputs: [result.output],
      rows: 4,
    });
    expect(await store.list(PREFIX)).toEqual([result.output]);
    const rows = await decodeRows(store.objects.get(result.output ?? '') ?? new Uint8Array());
    expect(rows.map((row) => row.event_id)).toEqual(['001', '002', '003', '004']);
  });

  it('leaves an already compact partition untouched', async () => {
    const store = new FakeObjectStore();
    await seedPartition(store);
    await compactPartition(store, 'demo', '2026-11-06');
    const before = snapshot(store);

    const result = await compactPartition(store, 'demo', '2026-11-06');

    expect(result).toEqual({ inputs: 0, output: null, outputs: [], rows: 0 });
    expect(snapshot(store)).toEqual(before);
  });

  it('merges a new part into an earlier compact object', async () => {
    const store = new FakeObjectStore();
    await seedPartition(store);
    const first = await compactPartition(store, 'demo', '2026-11-06');
    await putPart(store, rowsFor(['004', '005']));

    const second = await compactPartition(store, 'demo', '2026-11-06');

    expect(second.inputs).toBe(2);
    expect(second.rows).toBe(5);
    expect(await store.list(PREFIX)).toEqual([second.output]);
    expect(second.output).not.toBe(first.output);
  });

  it('ends in the same state after a run that died before deleting', async () => {
    const clean = new FakeObjectStore();
    await seedPartition(clean);
    await compactPartition(clean, 'demo', '2026-11-06');

    const crashed = new FakeObjectStore();
    await seedPartition(crashed);
    const deleteObjects = crashed.delete.bind(crashed);
    crashed.delete = async () => {
      throw new Error('simulated crash before deleting inputs');
    };
    await expect(compactPartition(crashed, 'demo', '2026-11-06')).rejects.toThrow('simulated crash');
    expect(await crashed.list(PREFIX)).toHaveLength(3);
    crashed.delete = deleteObjects;

    await compactPartition(crashed, 'demo', '2026-11-06');

    expect(snapshot(crashed)).toEqual(snapshot(clean));
  });

  it('splits a partition above the row limit into numbered objects', async () => {
    const store = new FakeObjectStore();
    await seedPartition(store);
    await putPart(store, rowsFor(['005']));

    const result = await compactPartition(store, 'demo', '2026-11-06', { maxRowsPerObject: 2 });

    expect(result.rows).toBe(5);
    expect(result.outputs.map((key) => key.replace(/compact-[0-9a-f]{24}/, 'compact-HASH'))).toEqual([
      `${PREFIX}compact-HASH-00000.parquet`,
      `${PREFIX}compact-HASH-00001.parquet`,
      `${PREFIX}compact-HASH-00002.parquet`,
    ]);
    expect(await store.list(PREFIX)).toEqual(result.outputs);
    const counts = await Promise.all(
      result.outputs.map(async (key) => (await decodeRows(store.objects.get(key) ?? new Uint8Array())).length),
    );
    expect(counts).toEqual([2, 2, 1]);
    expect(await compactPartition(store, 'demo', '2026-11-06', { maxRowsPerObject: 2 })).toMatchObject({ inputs: 0 });
  });

  it('keeps objects that are not lake files', async () => {
    const store = new FakeObjectStore();
    await seedPartition(store);
    await store.put(`${PREFIX}notes.txt`, new Uint8Array([1]));

    await compactPartition(store, 'demo', '2026-11-06');

    expect(await store.list(`${PREFIX}notes`)).toEqual([`${PREFIX}notes.txt`]);
  });

  it('does nothing for an empty partition', async () => {
    expect(await compactPartition(new FakeObjectStore(), 'demo', '2026-11-06')).toEqual({
      inputs: 0,
      output: null,
      outputs: [],
      rows: 0,
    });
  });

  it('rejects an invalid tenant or date', async () => {
    await expect(compactPartition(new FakeObjectStore(), '../demo', '2026-11-06')).rejects.toThrow(RangeError);
    await expect(compactPartition(new FakeObjectStore(), 'demo', '2026-11-6')).rejects.toThrow(RangeError);
  });
});

describe('listClosedPartitions', () => {
  async function seedDates(store: FakeObjectStore, dates: string[]): Promise<void> {
    for (const [index, date] of dates.entries()) {
      const eventTime = Date.parse(`${date}T12:00:00.000Z`);
      await putPart(store, [buildLakeRow({ event_id: `e-${index}`, event_time_ms: eventTime })]);
    }
  }

  it('lists partitions older than the grace period', async () => {
    const store = new FakeObjectStore();
    await seedDates(store, ['2026-11-04', '2026-11-05', '2026-11-06', '2026-11-07']);

    expect(await listClosedPartitions(store, 'demo', '2026-11-07')).toEqual(['2026-11-04', '2026-11-05']);
    expect(await listClosedPartitions(store, 'demo', '2026-11-07', 0)).toEqual([
      '2026-11-04',
      '2026-11-05',
      '2026-11-06',
    ]);
    expect(await listClosedPartitions(store, 'demo', '2026-11-07', 3)).toEqual([]);
  });

  it('skips compact partitions and lists one with a late part', async () => {
    const store = new FakeObjectStore();
    await seedDates(store, ['2026-11-01', '2026-11-02']);
    await compactPartition(store, 'demo', '2026-11-01');
    await compactPartition(store, 'demo', '2026-11-02');
    await putPart(store, [buildLakeRow({ event_id: 'late', event_time_ms: Date.parse('2026-11-02T23:59:00.000Z') })]);

    expect(await listClosedPartitions(store, 'demo', '2026-11-10')).toEqual(['2026-11-02']);
  });

  it('crosses month ends', async () => {
    const store = new FakeObjectStore();
    await seedDates(store, ['2026-10-30', '2026-10-31']);

    expect(await listClosedPartitions(store, 'demo', '2026-11-01')).toEqual(['2026-10-30']);
  });

  it('ignores other tenants', async () => {
    const store = new FakeObjectStore();
    await putPart(store, [buildLakeRow({ tenant_id: 'demo-2' })]);

    expect(await listClosedPartitions(store, 'demo', '2026-12-01')).toEqual([]);
  });
});
