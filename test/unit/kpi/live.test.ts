import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { Caller } from '#shared/api/caller';
import {
  type LiveLead,
  type LiveLeadStore,
  liveLeadFromStreamRecord,
  mergeBatchItemFailures,
  updateLiveLeads,
} from '#shared/kpi/live';
import { readLiveCounts } from '#shared/kpi/live-report';
import type { Lead } from '#shared/lead/model';
import { deriveLeadState } from '#shared/lifecycle/derive';
import type { TenantRepository } from '#shared/tenant/repository';
import { buildLead, buildStreamRecord, leadItem } from '#test/unit/lake/stream-records';
import { aLeadEvent, demoSite, demoTenant } from '#test/unit/lifecycle/factories';

/** Live lead store in memory, with the same latest-record rule as the DynamoDB adapter. */
class MemoryLiveLeadStore implements LiveLeadStore {
  readonly items = new Map<string, LiveLead>();
  readonly failingLeadIds = new Set<string>();

  async upsert(lead: LiveLead): Promise<'written' | 'stale'> {
    if (this.failingLeadIds.has(lead.leadId)) {
      throw new Error('ProvisionedThroughputExceededException');
    }
    const key = `${lead.tenantId}/${lead.localDate}/${lead.leadId}`;
    const stored = this.items.get(key);
    if (stored !== undefined && stored.eventSeq >= lead.eventSeq) {
      return 'stale';
    }
    this.items.set(key, lead);
    return 'written';
  }

  async readDates(tenantId: string, dates: readonly string[]): Promise<LiveLead[]> {
    return [...this.items.values()].filter((lead) => lead.tenantId === tenantId && dates.includes(lead.localDate));
  }
}

const handledLifecycle = (receivedAt: string) =>
  deriveLeadState([aLeadEvent({ occurredAt: '2026-11-06T09:00:00.000Z' })], {
    receivedAt,
    site: demoSite('amiens-nord'),
    defaultTimeZone: 'Europe/Paris',
  }).lifecycle;

function leadRecord(sequenceNumber: string, lead: Partial<Lead> = {}, eventName?: 'REMOVE'): DynamoDBRecord {
  const item = leadItem(buildLead(lead));
  return eventName === 'REMOVE'
    ? buildStreamRecord({ eventName, eventId: `e${sequenceNumber}`, sequenceNumber, oldItem: item })
    : buildStreamRecord({ eventId: `e${sequenceNumber}`, sequenceNumber, newItem: item });
}

describe('liveLeadFromStreamRecord', () => {
  it('keeps the counted fields of a lead and no personal data', () => {
    expect(liveLeadFromStreamRecord(leadRecord('100'))).toEqual({
      tenantId: 'demo',
      leadId: '01JCA7Q3M4T1V9X2B5N8R0K6PZ',
      localDate: '2026-11-06',
      siteId: 'amiens-nord',
      source: 'google-ads',
      receivedAt: '2026-11-06T08:15:29.412Z',
      handled: false,
      isTest: false,
      isDeleted: false,
      eventSeq: '100'.padStart(40, '0'),
    });
  });

  it('marks a lead with a human contact as handled', () => {
    const lead = liveLeadFromStreamRecord(
      leadRecord('100', { lifecycle: handledLifecycle('2026-11-06T08:15:29.412Z') }),
    );

    expect(lead).toMatchObject({ handled: true });
  });

  it('puts a lead without site under unassigned', () => {
    expect(liveLeadFromStreamRecord(leadRecord('100', { siteId: null }))).toMatchObject({ siteId: 'unassigned' });
  });

  it('marks a removed lead as deleted', () => {
    expect(liveLeadFromStreamRecord(leadRecord('100', {}, 'REMOVE'))).toMatchObject({ isDeleted: true });
  });

  it('returns null for items that are not leads and for poison records', () => {
    const tenant = buildStreamRecord({ newItem: { pk: 'TENANT#demo', sk: 'CONFIG', entity: 'tenant' } });
    const { leadId: _leadId, ...withoutLeadId } = leadItem(buildLead());
    const poison = buildStreamRecord({ newItem: withoutLeadId });

    expect(liveLeadFromStreamRecord(tenant)).toBeNull();
    expect(liveLeadFromStreamRecord(poison)).toBeNull();
  });
});

describe('updateLiveLeads', () => {
  it("writes each lead once, from the batch's latest record of it", async () => {
    const store = new MemoryLiveLeadStore();
    const records = [
      leadRecord('300', { lifecycle: handledLifecycle('2026-11-06T08:15:29.412Z') }),
      leadRecord('200'),
      leadRecord('400', { leadId: 'other-lead' }),
    ];

    const result = await updateLiveLeads(records, store);

    expect(result).toEqual({ batchItemFailures: [], written: 2, stale: 0 });
    expect([...store.items.values()].map((lead) => [lead.leadId, lead.handled])).toEqual([
      ['01JCA7Q3M4T1V9X2B5N8R0K6PZ', true],
      ['other-lead', false],
    ]);
  });

  it('changes nothing when a batch is redelivered', async () => {
    const store = new MemoryLiveLeadStore();
    const records = [leadRecord('100'), leadRecord('200', { lifecycle: handledLifecycle('2026-11-06T08:15:29.412Z') })];
    await updateLiveLeads(records, store);
    const before = structuredClone([...store.items]);

    const again = await updateLiveLeads(records, store);

    expect(again).toEqual({ batchItemFailures: [], written: 0, stale: 1 });
    expect([...store.items]).toEqual(before);
  });

  it('keeps a later state when an older record arrives after it', async () => {
    const store = new MemoryLiveLeadStore();
    await updateLiveLeads([leadRecord('200', { lifecycle: handledLifecycle('2026-11-06T08:15:29.412Z') })], store);

    await updateLiveLeads([leadRecord('100')], store);

    expect([...store.items.values()].map((lead) => lead.handled)).toEqual([true]);
  });

  it('reports every record of a lead whose write failed', async () => {
    const store = new MemoryLiveLeadStore();
    store.failingLeadIds.add('failing-lead');
    const records = [
      leadRecord('1000', { leadId: 'failing-lead' }),
      leadRecord('200'),
      leadRecord('900', { leadId: 'failing-lead' }),
    ];

    const result = await updateLiveLeads(records, store);

    expect(result).toEqual({
      batchItemFailures: [{ itemIdentifier: '900' }, { itemIdentifier: '1000' }],
      written: 1,
      stale: 0,
    });
  });
});

describe('mergeBatchItemFailures', () => {
  it('lists each sequence number once in stream order', () => {
    const lake = { batchItemFailures: [{ itemIdentifier: '300' }, { itemIdentifier: '1100' }] };
    const live = { batchItemFailures: [{ itemIdentifier: '1100' }, { itemIdentifier: '90' }] };

    expect(mergeBatchItemFailures(lake, live)).toEqual([
      { itemIdentifier: '90' },
      { itemIdentifier: '300' },
      { itemIdentifier: '1100' },
    ]);
  });
});

describe('readLiveCounts', () => {
  const tenants: TenantRepository = { get: async () => demoTenant, put: async () => undefined };
  // Monday 9 November 2026, 10:00 in Paris (UTC+1) and 13:00 in La Réunion (UTC+4).
  const now = new Date('2026-11-09T09:00:00.000Z');

  function aLiveLead(overrides: Partial<LiveLead>): LiveLead {
    return {
      tenantId: 'demo',
      leadId: 'lead-1',
      localDate: '2026-11-09',
      siteId: 'amiens-nord',
      source: 'google-ads',
      receivedAt: '2026-11-09T08:00:00.000Z',
      handled: false,
      isTest: false,
      isDeleted: false,
      eventSeq: '1'.padStart(40, '0'),
      ...overrides,
    };
  }

  async function storeWith(leads: LiveLead[]): Promise<MemoryLiveLeadStore> {
    const store = new MemoryLiveLeadStore();
    for (const lead of leads) {
      await store.upsert(lead);
    }
    return store;
  }

  it("counts today's leads by site and lists the waiting ones oldest first", async () => {
    const store = await storeWith([
      aLiveLead({ leadId: 'today-waiting', receivedAt: '2026-11-09T08:30:00.000Z' }),
      aLiveLead({ leadId: 'today-handled', handled: true }),
      // Saturday 18:30 in Paris: Amiens Nord closes at 18:00 on Saturdays and opens at 08:30 on Monday.
      aLiveLead({ leadId: 'saturday', localDate: '2026-11-07', receivedAt: '2026-11-07T17:30:00.000Z' }),
      aLiveLead({ leadId: 'too-old', localDate: '2026-11-06', receivedAt: '2026-11-06T10:00:00.000Z' }),
      aLiveLead({ leadId: 'test', isTest: true }),
      aLiveLead({ leadId: 'deleted', isDeleted: true }),
      aLiveLead({ leadId: 'reunion', siteId: 'saint-denis-reunion', receivedAt: '2026-11-09T05:00:00.000Z' }),
    ]);
    const admin: Caller = { tenantId: 'demo', role: 'group-admin', sites: '*', subject: 'admin-1' };

    const report = await readLiveCounts({ live: store, tenants, now }, admin);

    expect(report).toEqual({
      source: 'live',
      asOf: '2026-11-09T09:00:00.000Z',
      rows: [
        { site: 'abbeville', date: '2026-11-09', leads: 0, handled: 0, waiting: 0 },
        { site: 'amiens-nord', date: '2026-11-09', leads: 2, handled: 1, waiting: 1 },
        { site: 'saint-denis-reunion', date: '2026-11-09', leads: 1, handled: 0, waiting: 1 },
      ],
      totals: { leads: 3, handled: 1, waiting: 2 },
      waitingLeads: [
        {
          leadId: 'saturday',
          site: 'amiens-nord',
          source: 'google-ads',
          receivedAt: '2026-11-07T17:30:00.000Z',
          localDate: '2026-11-07',
          waitedBusinessMinutes: 90,
          waitedMinutes: 2370,
        },
        {
          leadId: 'reunion',
          site: 'saint-denis-reunion',
          source: 'google-ads',
          receivedAt: '2026-11-09T05:00:00.000Z',
          localDate: '2026-11-09',
          // 09:00 to 13:00 in La Réunion, open from 08:00.
          waitedBusinessMinutes: 240,
          waitedMinutes: 240,
        },
        {
          leadId: 'today-waiting',
          site: 'amiens-nord',
          source: 'google-ads',
          receivedAt: '2026-11-09T08:30:00.000Z',
          localDate: '2026-11-09',
          waitedBusinessMinutes: 30,
          waitedMinutes: 30,
        },
      ],
    });
  });

  it("limits a site manager to their sites' leads and leaves out unassigned ones", async () => {
    const store = await storeWith([
      aLiveLead({ leadId: 'amiens' }),
      aLiveLead({ leadId: 'abbeville', siteId: 'abbeville' }),
      aLiveLead({ leadId: 'nowhere', siteId: 'unassigned' }),
    ]);
    const manager: Caller = { tenantId: 'demo', role: 'site-manager', sites: ['abbeville'], subject: 'm-1' };

    const report = await readLiveCounts({ live: store, tenants, now }, manager);

    expect(report.rows).toEqual([{ site: 'abbeville', date: '2026-11-09', leads: 1, handled: 0, waiting: 1 }]);
    expect(report.waitingLeads.map((lead) => lead.leadId)).toEqual(['abbeville']);
  });

  it('adds an unassigned row for an all-sites caller when leads without site arrived', async () => {
    const store = await storeWith([aLiveLead({ leadId: 'nowhere', siteId: 'unassigned' })]);
    const admin: Caller = { tenantId: 'demo', role: 'group-admin', sites: '*', subject: 'admin-1' };

    const report = await readLiveCounts({ live: store, tenants, now }, admin);

    expect(report.rows.at(-1)).toEqual({ site: 'unassigned', date: '2026-11-09', leads: 1, handled: 0, waiting: 1 });
    expect(report.waitingLeads).toEqual([
      {
        leadId: 'nowhere',
        site: 'unassigned',
        source: 'google-ads',
        receivedAt: '2026-11-09T08:00:00.000Z',
        localDate: '2026-11-09',
        waitedBusinessMinutes: null,
        waitedMinutes: 60,
      },
    ]);
  });
});
