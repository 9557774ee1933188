import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FsObjectStore } from '#shared/adapters/object-store-fs';
import { compactPartition, listClosedPartitions } from '#shared/lake/compaction';
import { writeStreamBatch } from '#shared/lake/writer';
import { buildLead, buildStreamRecord, leadItem } from '#test/unit/lake/stream-records';

const NOV_6 = Date.parse('2026-11-06T09:00:00.000Z') / 1000;
const NOV_7 = Date.parse('2026-11-07T09:00:00.000Z') / 1000;

/** A day of stream traffic: three leads created, one contacted, one deleted, and a tenant update. */
function buildDayOfTraffic(): DynamoDBRecord[] {
  const leadA = leadItem(buildLead({ leadId: 'lead-a' }));
  const leadB = leadItem(buildLead({ leadId: 'lead-b', source: 'meta-ads', category: 'VO', personId: null }));
  const leadC = leadItem(buildLead({ leadId: 'lead-c', isTest: true }));
  const record = (sequence: number, options: Parameters<typeof buildStreamRecord>[0]) =>
    buildStreamRecord({ eventId: `event-${sequence}`, sequenceNumber: `${sequence}`.padStart(21, '0'), ...options });

  return [
    record(101, { creationSeconds: NOV_6, newItem: leadA }),
    record(102, { creationSeconds: NOV_6 + 60, newItem: leadB }),
    record(103, { creationSeconds: NOV_6 + 120, newItem: { pk: 'TENANT#demo', sk: 'CONFIG', entity: 'tenant' } }),
    record(104, { creationSeconds: NOV_6 + 180, newItem: leadC }),
    record(105, {
      eventName: 'MODIFY',
      creationSeconds: NOV_7,
      oldItem: leadA,
      newItem: leadItem(buildLead({ leadId: 'lead-a', status: 'contacted' })),
    }),
    record(106, { eventName: 'REMOVE', creationSeconds: NOV_7 + 60, oldItem: leadC }),
  ];
}

async function snapshot(store: FsObjectStore): Promise<Record<string, string>> {
  const entries = await Promise.all(
    (await store.list('')).map(async (key) => [key, (await readFile(store.locationOf(key))).toString('base64')]),
  );
  return Object.fromEntries(entries);
}

describe('lake pipeline on a folder', () => {
  let instance: DuckDBInstance;
  let root: string;
  let store: FsObjectStore;

  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
  });

  afterAll(() => {
    instance.closeSync();
  });

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'leadpilot-lake-'));
    store = new FsObjectStore(root);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function query(sql: string): Promise<Record<string, unknown>[]> {
    const connection = await instance.connect();
    try {
      const glob = `${store.locationOf('lead_changes')}/*/*/*.parquet`;
      const from = `read_parquet('${glob}', hive_partitioning = true)`;
      return (await connection.runAndReadAll(sql.replace('$lake', from))).getRowObjectsJson() as Record<
        string,
        unknown
      >[];
    } finally {
      connection.closeSync();
    }
  }

  it('writes identical files for a redelivered batch', async () => {
    const first = await writeStreamBatch(buildDayOfTraffic(), store);
    const afterFirst = await snapshot(store);

    const second = await writeStreamBatch(buildDayOfTraffic(), store);

    expect(second).toEqual(first);
    expect(await snapshot(store)).toEqual(afterFirst);
    expect(Object.keys(afterFirst)).toHaveLength(2);
  });

  it('compacts a partial retry into distinct rows that DuckDB reads', async () => {
    const records = buildDayOfTraffic();
    await writeStreamBatch(records, store);
    // Lambda redelivers from the lowest failed sequence number: records 102 onwards come again. The Nov 7 group
    // holds the same records as before, so its object is overwritten; the Nov 6 group gets a second object.
    await writeStreamBatch(records.slice(1), store);
    const [beforeCompaction] = await query('SELECT count(*) AS rows, count(DISTINCT event_id) AS events FROM $lake');
    expect(beforeCompaction).toEqual({ rows: '7', events: '5' });

    const closed = await listClosedPartitions(store, 'demo', '2026-11-09');
    const results = [];
    for (const dt of closed) {
      results.push(await compactPartition(store, 'demo', dt));
    }

    expect(closed).toEqual(['2026-11-06', '2026-11-07']);
    expect(results.map(({ inputs, rows }) => ({ inputs, rows }))).toEqual([
      { inputs: 2, rows: 3 },
      { inputs: 1, rows: 2 },
    ]);
    expect(await store.list('')).toEqual(results.map(({ output }) => output));
    expect(
      await query(
        `SELECT CAST(dt AS VARCHAR) AS dt, event_name, lead_id, status, is_test, is_deleted, person_id, source
         FROM $lake ORDER BY event_seq`,
      ),
    ).toEqual([
      {
        dt: '2026-11-06',
        event_name: 'INSERT',
        lead_id: 'lead-a',
        status: 'new',
        is_test: false,
        is_deleted: false,
        person_id: 'p_5f0c2d8a41b7e9c3',
        source: 'google-ads',
      },
      {
        dt: '2026-11-06',
        event_name: 'INSERT',
        lead_id: 'lead-b',
        status: 'new',
        is_test: false,
        is_deleted: false,
        person_id: null,
        source: 'meta-ads',
      },
      {
        dt: '2026-11-06',
        event_name: 'INSERT',
        lead_id: 'lead-c',
        status: 'new',
        is_test: true,
        is_deleted: false,
        person_id: 'p_5f0c2d8a41b7e9c3',
        source: 'google-ads',
      },
      {
        dt: '2026-11-07',
        event_name: 'MODIFY',
        lead_id: 'lead-a',
        status: 'contacted',
        is_test: false,
        is_deleted: false,
        person_id: 'p_5f0c2d8a41b7e9c3',
        source: 'google-ads',
      },
      {
        dt: '2026-11-07',
        event_name: 'REMOVE',
        lead_id: 'lead-c',
        status: 'new',
        is_test: true,
        is_deleted: true,
        person_id: 'p_5f0c2d8a41b7e9c3',
        source: 'google-ads',
      },
    ]);
  });

  it('ends in the same state when compaction runs twice', async () => {
    await writeStreamBatch(buildDayOfTraffic(), store);
    await writeStreamBatch(buildDayOfTraffic().slice(2), store);

    await compactPartition(store, 'demo', '2026-11-06');
    const afterFirstRun = await snapshot(store);
    const secondRun = await compactPartition(store, 'demo', '2026-11-06');

    expect(secondRun).toEqual({ inputs: 0, output: null, outputs: [], rows: 0 });
    expect(await snapshot(store)).toEqual(afterFirstRun);
    expect(await listClosedPartitions(store, 'demo', '2026-11-09')).toEqual(['2026-11-07']);
  });
});
