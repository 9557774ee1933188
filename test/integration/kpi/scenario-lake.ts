/**
 * Builds a lake the way the pipeline does: lead items and lifecycle event items become stream records,
 * `rowFromStreamRecord` turns them into rows, and `encodeRows` writes one Parquet object per UTC day.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dateInTimeZone } from '#shared/kpi/dates';
import { encodeRows } from '#shared/lake/parquet';
import { rowFromStreamRecord } from '#shared/lake/rows';
import { type LakeRow, partitionPrefix } from '#shared/lake/schema';
import { deriveLeadState } from '#shared/lifecycle/derive';
import { LEAD_EVENT_ENTITY, type LeadEventInput } from '#shared/lifecycle/events';
import type { Site } from '#shared/tenant/model';
import { buildLead, buildStreamRecord, leadItem } from '#test/unit/lake/stream-records';

export interface ScenarioLead {
  leadId: string;
  /** Instant the lead arrived (also its submission time). */
  receivedAt: string;
  source?: string;
  site: Site;
  events?: LeadEventInput[];
}

/** Writes the rows of the given leads and their events under `lakeRoot`, one object per `dt` partition. */
export function writeScenarioLake(lakeRoot: string, tenantId: string, leads: ScenarioLead[]): void {
  let sequence = 0;
  const rows: LakeRow[] = [];
  const addRecord = (item: Record<string, unknown>, eventName: 'INSERT' | 'MODIFY', at: string) => {
    sequence += 1;
    const row = rowFromStreamRecord(
      buildStreamRecord({
        eventName,
        eventId: `stream-${sequence}`,
        sequenceNumber: String(sequence).padStart(21, '0'),
        creationSeconds: Date.parse(at) / 1000,
        newItem: item,
      }),
    );
    if (row === null) {
      throw new Error('every scenario item must become a lake row');
    }
    rows.push(row);
  };

  for (const [leadIndex, spec] of leads.entries()) {
    // Each lead has its own number, and each stored state a higher version, as the lead store assigns them.
    const lead = buildLead({
      leadNumber: leadIndex + 1,
      version: 1,
      leadId: spec.leadId,
      tenantId,
      siteId: spec.site.siteId,
      source: spec.source ?? 'google-ads',
      submittedAt: spec.receivedAt,
      receivedAt: spec.receivedAt,
      datedAt: spec.receivedAt,
      localDate: dateInTimeZone(new Date(spec.receivedAt), spec.site.timeZone),
      personId: `p_${spec.leadId}`,
    });
    addRecord(leadItem(lead), 'INSERT', spec.receivedAt);

    const events = [...(spec.events ?? [])].sort((left, right) => (left.occurredAt < right.occurredAt ? -1 : 1));
    for (const [index, event] of events.entries()) {
      addRecord(
        { ...event, tenantId, leadId: spec.leadId, recordedAt: event.occurredAt, entity: LEAD_EVENT_ENTITY },
        'INSERT',
        event.occurredAt,
      );
      const state = deriveLeadState(events.slice(0, index + 1), {
        receivedAt: spec.receivedAt,
        site: spec.site,
        defaultTimeZone: 'Europe/Paris',
      });
      addRecord(
        { ...leadItem({ ...lead, version: index + 2 }), status: state.status, lifecycle: state.lifecycle },
        'MODIFY',
        event.occurredAt,
      );
    }
  }

  const rowsByDt = new Map<string, LakeRow[]>();
  for (const row of rows) {
    const dt = new Date(row.event_time_ms).toISOString().slice(0, 10);
    rowsByDt.set(dt, [...(rowsByDt.get(dt) ?? []), row]);
  }
  for (const [dt, dtRows] of rowsByDt) {
    const folder = join(lakeRoot, partitionPrefix(tenantId, dt));
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'part-0a.parquet'), encodeRows(dtRows));
  }
}
