/**
 * Intraday lead counts kept live from the lead table's stream: one small item per lead and local date,
 * rewritten on each change of the lead, from which `GET /v1/kpis/live` counts today's leads. The nightly
 * aggregates stay authoritative for every day they cover.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { PoisonRecordError } from '#shared/lake/errors';
import { rowFromStreamRecord } from '#shared/lake/rows';
import { logger } from '#shared/logger';
import { LEAD_ENTITY } from '#shared/store/tables';
import { UNASSIGNED_SITE } from './aggregates';

/** The state of one lead that live counts need; no personal data. */
export interface LiveLead {
  tenantId: string;
  leadId: string;
  /** The lead's local date (`yyyy-mm-dd`) in its site's time zone, as the nightly job dates it. */
  localDate: string;
  /** `unassigned` for a lead with no site. */
  siteId: string;
  source: string;
  /** ISO 8601 UTC instant at which LeadPilot received the lead; the wait runs from it. */
  receivedAt: string;
  /** Whether a salesperson or the call centre contacted the lead; automated contacts do not count. */
  handled: boolean;
  isTest: boolean;
  /** Whether the lead item was deleted (a REMOVE record). */
  isDeleted: boolean;
  /**
   * Stream sequence number of the change, left-padded with zeros to 40 digits so that text order is stream
   * order. A store keeps the item of the highest sequence number, so a redelivered or older record changes
   * nothing.
   */
  eventSeq: string;
}

/** Live lead items, kept for a few days in the aggregates table. */
export interface LiveLeadStore {
  /** Writes the lead's item unless the stored one comes from the same or a later stream record. */
  upsert(lead: LiveLead): Promise<'written' | 'stale'>;
  /** Returns the items of every lead whose local date is one of `dates`. */
  readDates(tenantId: string, dates: readonly string[]): Promise<LiveLead[]>;
}

/**
 * Converts a stream record of the lead table into a live lead, or returns null for records that are not lead
 * items, that the lake rejects as poison (the lake write reports them), or whose lead has no local date.
 */
export function liveLeadFromStreamRecord(record: DynamoDBRecord): LiveLead | null {
  let row: ReturnType<typeof rowFromStreamRecord>;
  try {
    row = rowFromStreamRecord(record);
  } catch (error) {
    if (error instanceof PoisonRecordError) {
      return null;
    }
    throw error;
  }
  if (row === null || row.entity !== LEAD_ENTITY || row.local_date === null || row.received_at_ms === null) {
    return null;
  }
  return {
    tenantId: row.tenant_id,
    leadId: row.lead_id,
    localDate: row.local_date,
    siteId: row.site_id ?? UNASSIGNED_SITE,
    source: row.source ?? '',
    receivedAt: new Date(row.received_at_ms).toISOString(),
    handled: row.first_human_contact_at_ms != null,
    isTest: row.is_test ?? false,
    isDeleted: row.is_deleted,
    eventSeq: row.event_seq,
  };
}

/** Outcome of a live update of a stream batch. */
export interface LiveUpdateResult {
  /** Records to retry, in the shape of Lambda's partial batch response. */
  batchItemFailures: { itemIdentifier: string }[];
  /** Leads whose item was written. */
  written: number;
  /** Leads whose stored item was already as recent as the batch's latest record of them. */
  stale: number;
}

/** Concurrent item writes of one batch; a batch has at most 100 records (the event source mapping's default). */
const WRITE_CONCURRENCY = 10;

/**
 * Upserts the live item of every lead that a stream batch changed, from the batch's latest record of that
 * lead. A lead whose write fails reports all its records as failed, so Lambda redelivers them. The upsert
 * keeps the latest record only, so the retry cannot move a lead back to an older state.
 *
 * @throws Error only for unexpected failures of the record conversion; store failures become item failures.
 */
export async function updateLiveLeads(records: DynamoDBRecord[], store: LiveLeadStore): Promise<LiveUpdateResult> {
  const latestByLead = new Map<string, { lead: LiveLead; records: DynamoDBRecord[] }>();
  for (const record of records) {
    const lead = liveLeadFromStreamRecord(record);
    if (lead === null) {
      continue;
    }
    const key = `${lead.tenantId}/${lead.localDate}/${lead.leadId}`;
    const entry = latestByLead.get(key);
    if (entry === undefined) {
      latestByLead.set(key, { lead, records: [record] });
      continue;
    }
    entry.records.push(record);
    if (lead.eventSeq > entry.lead.eventSeq) {
      entry.lead = lead;
    }
  }

  const entries = [...latestByLead.values()];
  const failed: DynamoDBRecord[] = [];
  let written = 0;
  let stale = 0;
  for (let start = 0; start < entries.length; start += WRITE_CONCURRENCY) {
    const chunk = entries.slice(start, start + WRITE_CONCURRENCY);
    const outcomes = await Promise.allSettled(chunk.map((entry) => store.upsert(entry.lead)));
    for (const [index, outcome] of outcomes.entries()) {
      const entry = chunk[index] as (typeof entries)[number];
      if (outcome.status === 'rejected') {
        logger.error('Live lead update failed', {
          tenantId: entry.lead.tenantId,
          leadId: entry.lead.leadId,
          records: entry.records.length,
          error: outcome.reason,
        });
        failed.push(...entry.records);
      } else if (outcome.value === 'written') {
        written += 1;
      } else {
        stale += 1;
      }
    }
  }
  return {
    batchItemFailures: batchItemFailuresOf(failed.map((record) => record.dynamodb?.SequenceNumber ?? '')),
    written,
    stale,
  };
}

/**
 * Merges the partial batch responses of several consumers of one batch: each failed sequence number once, in
 * stream order. Lambda resumes from the lowest one.
 */
export function mergeBatchItemFailures(
  ...responses: { batchItemFailures: { itemIdentifier: string }[] }[]
): { itemIdentifier: string }[] {
  return batchItemFailuresOf(
    responses.flatMap((response) => response.batchItemFailures.map((failure) => failure.itemIdentifier)),
  );
}

function batchItemFailuresOf(sequenceNumbers: string[]): { itemIdentifier: string }[] {
  const unique = [...new Set(sequenceNumbers)];
  unique.sort(compareSequenceNumbers);
  return unique.map((itemIdentifier) => ({ itemIdentifier }));
}

/** Orders decimal strings of varying length by value: a shorter one is smaller. */
function compareSequenceNumbers(left: string, right: string): number {
  if (left.length !== right.length) {
    return left.length - right.length;
  }
  if (left === right) {
    return 0;
  }
  return left < right ? -1 : 1;
}
