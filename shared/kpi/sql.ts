/**
 * SQL of the nightly KPI job. Each text runs unchanged on DuckDB (local stack) and on Athena (Trino, engine
 * version 3), so it keeps to syntax and functions that both engines share with the same meaning: CAST, COALESCE,
 * CASE, VALUES, count, sum, lag and row_number. Dates are `yyyy-mm-dd` strings and are compared as strings.
 * Every local date is computed in TypeScript with the site's time zone before it reaches the lake, so no
 * query needs a time-zone function, and those differ between the engines.
 *
 * Parameters are positional `?` markers bound by the query engine adapters, in the order they appear in the text.
 *
 * A KPI cell is a basis × day × site × source × channel × campaign × category × salesperson, and its measures
 * are counts or sums only. Ratios (handled rate, conversion, ROI) are computed from summed counts when cells
 * are combined, never averaged. A division in SQL is written `CAST(x AS DOUBLE) / NULLIF(y, 0)` so that a zero
 * denominator gives NULL on both engines instead of an error (Trino) or infinity (DuckDB). No percentile
 * function is used: `approx_percentile` differs between engines, so medians come from exact value counts
 * (the `waits` rows of `NIGHTLY_KPI_SQL`).
 */

import type { CellMeasure } from './aggregates';

/** Business minutes within which a first human contact counts as handled in time (one business hour). */
export const HANDLED_WITHIN_BUSINESS_MINUTES = 60;
/**
 * For leads stored before person linking (no `is_repeat`): a lead is a new prospect unless the same person
 * sent a lead within this many days before it. Linked leads use ingest's decision, which anchors the window
 * on the person's first lead and uses the tenant's person window.
 */
export const PROSPECT_LOOKBACK_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * The latest state of each live lead. Parameters: tenant id, lowest `dt` partition to scan.
 *
 * Each lead counts once, in the state of its latest change: the highest `lead_version`, and of equal versions
 * the removal (a REMOVE record carries the version of the item it removed). Deleted and test leads do not
 * count, and lifecycle event rows (`entity = 'lead-event'`) are not leads. A lead with no site is in the
 * `unassigned` site, and one with no campaign has campaign `''`. `is_new_prospect` is 0 for a lead that ingest
 * linked to an earlier lead of the same person (`is_repeat`), else 1; rows from before person linking fall
 * back to "the same person sent a lead in the 30 days before".
 */
const LIVE_LEADS_CTES = `
ranked_changes AS (
  SELECT
    lead_id,
    site_id,
    source,
    channel,
    campaign_id,
    category,
    local_date,
    is_test,
    is_deleted,
    person_id,
    is_repeat,
    assigned_salesperson_id,
    dated_at_ms,
    first_contact_at_ms,
    first_contact_local_date,
    first_human_contact_at_ms,
    first_human_contact_local_date,
    ttfc_business_min,
    ttfc_raw_min,
    appointment_set_at_ms,
    appointment_set_local_date,
    appointment_local_date,
    show_at_ms,
    show_local_date,
    test_drive_at_ms,
    test_drive_local_date,
    offer_at_ms,
    offer_local_date,
    sale_at_ms,
    sale_local_date,
    sale_revenue_cents,
    sale_gross_margin_cents,
    row_number() OVER (PARTITION BY lead_number ORDER BY lead_version DESC, is_deleted DESC) AS change_rank
  FROM lead_changes
  WHERE tenant = ? AND dt >= ? AND entity = 'lead'
),
live_leads AS (
  SELECT
    local_date,
    COALESCE(site_id, 'unassigned') AS site_id,
    COALESCE(source, '') AS source,
    COALESCE(channel, '') AS channel,
    COALESCE(campaign_id, '') AS campaign_id,
    COALESCE(category, '') AS category,
    COALESCE(assigned_salesperson_id, '') AS salesperson_id,
    lead_id,
    CASE
      WHEN is_repeat IS NOT NULL THEN CASE WHEN is_repeat THEN 0 ELSE 1 END
      WHEN person_id IS NULL THEN 1
      WHEN lag(dated_at_ms) OVER (PARTITION BY person_id ORDER BY dated_at_ms, lead_id)
        >= dated_at_ms - ${PROSPECT_LOOKBACK_DAYS * DAY_MS} THEN 0
      ELSE 1
    END AS is_new_prospect,
    dated_at_ms,
    first_contact_at_ms,
    first_contact_local_date,
    first_human_contact_at_ms,
    first_human_contact_local_date,
    ttfc_business_min,
    ttfc_raw_min,
    appointment_set_at_ms,
    appointment_set_local_date,
    appointment_local_date,
    show_at_ms,
    show_local_date,
    test_drive_at_ms,
    test_drive_local_date,
    offer_at_ms,
    offer_local_date,
    sale_at_ms,
    sale_local_date,
    sale_revenue_cents,
    sale_gross_margin_cents
  FROM ranked_changes
  WHERE change_rank = 1
    AND COALESCE(is_deleted, false) = false
    AND COALESCE(is_test, false) = false
)`;

const CELL_KEY_COLUMNS = 'local_date, site_id, source, channel, campaign_id, category, salesperson_id';

/**
 * Human contacts: each `contacted` event by a salesperson or the call centre, once (a lake row may repeat it
 * before compaction), unless the event item was deleted. Parameters: tenant id, lowest `dt` partition to scan.
 * An event is recorded after its lead exists, so the leads' lowest partition also covers their events.
 * `salesperson_id` is the event's salesperson, or null for a call-centre contact.
 */
const HUMAN_CONTACTS_CTE = `
human_contacts AS (
  SELECT
    lead_id,
    lead_event_id,
    max(salesperson_id) AS salesperson_id,
    max(contact_channel) AS contact_channel,
    max(occurred_at_ms) AS occurred_at_ms
  FROM lead_changes
  WHERE tenant = ? AND dt >= ? AND entity = 'lead-event' AND event_type = 'contacted' AND actor_type <> 'system'
  GROUP BY lead_id, lead_event_id
  HAVING sum(CASE WHEN COALESCE(is_deleted, false) THEN 1 ELSE 0 END) = 0
)`;

/** Sums of human contacts by contact channel, as output columns, over rows of `human_contacts`. */
const CONTACT_CHANNEL_SUMS = `
  sum(CASE WHEN contact_channel = 'phone' THEN 1 ELSE 0 END) AS calls,
  sum(CASE WHEN contact_channel = 'email' THEN 1 ELSE 0 END) AS emails,
  sum(CASE WHEN contact_channel = 'sms' THEN 1 ELSE 0 END) AS sms_messages,
  sum(CASE WHEN contact_channel = 'visit' THEN 1 ELSE 0 END) AS visits`;

/**
 * Cohort cells: what became of the leads created on each local date, as of the run. `calls`, `emails`,
 * `sms_messages` and `visits` count every human contact of the cell's leads, whatever day it happened.
 * `contacts_per_lead` has at most one row per lead, so its join never multiplies a lead or its revenue.
 * Parameters, in order: the run's local date (appointments on or before it are due), first local date, last
 * local date.
 */
const COHORT_CELLS_CTES = `
contacts_per_lead AS (
  SELECT
    lead_id,${CONTACT_CHANNEL_SUMS}
  FROM human_contacts
  GROUP BY lead_id
),
cohort_cells AS (
  SELECT
    'cohort' AS basis,
    ${CELL_KEY_COLUMNS},
    count(*) AS leads,
    sum(is_new_prospect) AS prospects,
    count(first_contact_at_ms) AS contacted,
    count(first_human_contact_at_ms) AS handled,
    sum(CASE WHEN ttfc_business_min <= ${HANDLED_WITHIN_BUSINESS_MINUTES} THEN 1 ELSE 0 END) AS handled_in_time,
    count(ttfc_business_min) AS ttfc_business_count,
    COALESCE(sum(ttfc_business_min), 0) AS ttfc_business_sum,
    count(ttfc_raw_min) AS ttfc_raw_count,
    COALESCE(sum(ttfc_raw_min), 0) AS ttfc_raw_sum,
    count(appointment_set_at_ms) AS appointments,
    sum(CASE WHEN appointment_local_date <= ? THEN 1 ELSE 0 END) AS appointments_due,
    count(show_at_ms) AS shows,
    count(test_drive_at_ms) AS test_drives,
    count(offer_at_ms) AS offers,
    count(sale_at_ms) AS sales,
    sum(CASE WHEN sale_at_ms - dated_at_ms <= ${30 * DAY_MS} THEN 1 ELSE 0 END) AS sales_within_30_days,
    sum(CASE WHEN sale_at_ms - dated_at_ms <= ${90 * DAY_MS} THEN 1 ELSE 0 END) AS sales_within_90_days,
    COALESCE(sum(sale_revenue_cents), 0) AS revenue_cents,
    COALESCE(sum(sale_gross_margin_cents), 0) AS gross_margin_cents,
    COALESCE(sum(contacts_per_lead.calls), 0) AS calls,
    COALESCE(sum(contacts_per_lead.emails), 0) AS emails,
    COALESCE(sum(contacts_per_lead.sms_messages), 0) AS sms_messages,
    COALESCE(sum(contacts_per_lead.visits), 0) AS visits
  FROM live_leads
  LEFT JOIN contacts_per_lead ON contacts_per_lead.lead_id = live_leads.lead_id
  WHERE local_date BETWEEN ? AND ?
  GROUP BY ${CELL_KEY_COLUMNS}
)`;

/**
 * Activity cells: what happened on each local date, whatever day the lead was created. Each lead contributes
 * its milestones (creation, first contact, first human contact, appointment set, appointment due, show, test
 * drive, offer, sale) to the day each one happened, in the cell of the lead's site, source and campaign.
 * Milestones are first occurrences, so a lead counts at most once per measure.
 *
 * Milestones go to the lead's assigned salesperson as of the run, because the lead row does not keep who
 * reached each milestone. Contacts by channel are zero here: the `contact_days` rows date each contact, and
 * the nightly job adds them to these cells. Parameters, in order: first local date, last local date.
 */
const ACTIVITY_CELLS_CTES = `
milestones AS (
  SELECT
    CASE kinds.kind
      WHEN 'lead' THEN local_date
      WHEN 'contact' THEN first_contact_local_date
      WHEN 'human-contact' THEN first_human_contact_local_date
      WHEN 'appointment-set' THEN appointment_set_local_date
      WHEN 'appointment-due' THEN appointment_local_date
      WHEN 'show' THEN show_local_date
      WHEN 'test-drive' THEN test_drive_local_date
      WHEN 'offer' THEN offer_local_date
      WHEN 'sale' THEN sale_local_date
    END AS activity_date,
    kinds.kind AS kind,
    site_id,
    source,
    channel,
    campaign_id,
    category,
    salesperson_id,
    is_new_prospect,
    dated_at_ms,
    ttfc_business_min,
    ttfc_raw_min,
    sale_at_ms,
    sale_revenue_cents,
    sale_gross_margin_cents
  FROM live_leads
  CROSS JOIN (
    VALUES ('lead'), ('contact'), ('human-contact'), ('appointment-set'), ('appointment-due'), ('show'),
      ('test-drive'), ('offer'), ('sale')
  ) AS kinds (kind)
),
activity_cells AS (
  SELECT
    'activity' AS basis,
    activity_date AS local_date,
    site_id,
    source,
    channel,
    campaign_id,
    category,
    salesperson_id,
    sum(CASE WHEN kind = 'lead' THEN 1 ELSE 0 END) AS leads,
    sum(CASE WHEN kind = 'lead' THEN is_new_prospect ELSE 0 END) AS prospects,
    sum(CASE WHEN kind = 'contact' THEN 1 ELSE 0 END) AS contacted,
    sum(CASE WHEN kind = 'human-contact' THEN 1 ELSE 0 END) AS handled,
    sum(
      CASE WHEN kind = 'human-contact' AND ttfc_business_min <= ${HANDLED_WITHIN_BUSINESS_MINUTES} THEN 1 ELSE 0 END
    ) AS handled_in_time,
    sum(CASE WHEN kind = 'human-contact' AND ttfc_business_min IS NOT NULL THEN 1 ELSE 0 END) AS ttfc_business_count,
    sum(CASE WHEN kind = 'human-contact' THEN COALESCE(ttfc_business_min, 0) ELSE 0 END) AS ttfc_business_sum,
    sum(CASE WHEN kind = 'human-contact' AND ttfc_raw_min IS NOT NULL THEN 1 ELSE 0 END) AS ttfc_raw_count,
    sum(CASE WHEN kind = 'human-contact' THEN COALESCE(ttfc_raw_min, 0) ELSE 0 END) AS ttfc_raw_sum,
    sum(CASE WHEN kind = 'appointment-set' THEN 1 ELSE 0 END) AS appointments,
    sum(CASE WHEN kind = 'appointment-due' THEN 1 ELSE 0 END) AS appointments_due,
    sum(CASE WHEN kind = 'show' THEN 1 ELSE 0 END) AS shows,
    sum(CASE WHEN kind = 'test-drive' THEN 1 ELSE 0 END) AS test_drives,
    sum(CASE WHEN kind = 'offer' THEN 1 ELSE 0 END) AS offers,
    sum(CASE WHEN kind = 'sale' THEN 1 ELSE 0 END) AS sales,
    sum(CASE WHEN kind = 'sale' AND sale_at_ms - dated_at_ms <= ${30 * DAY_MS} THEN 1 ELSE 0 END) AS sales_within_30_days,
    sum(CASE WHEN kind = 'sale' AND sale_at_ms - dated_at_ms <= ${90 * DAY_MS} THEN 1 ELSE 0 END) AS sales_within_90_days,
    sum(CASE WHEN kind = 'sale' THEN COALESCE(sale_revenue_cents, 0) ELSE 0 END) AS revenue_cents,
    sum(CASE WHEN kind = 'sale' THEN COALESCE(sale_gross_margin_cents, 0) ELSE 0 END) AS gross_margin_cents,
    0 AS calls,
    0 AS emails,
    0 AS sms_messages,
    0 AS visits
  FROM milestones
  WHERE activity_date BETWEEN ? AND ?
  GROUP BY activity_date, site_id, source, channel, campaign_id, category, salesperson_id
)`;

/**
 * Human contacts on the activity basis, per day of the contact and per cell of the contacted lead, under the
 * salesperson of the event (the lead's assigned salesperson for a call-centre contact).
 *
 * Lead event rows carry no local date, and converting an instant to a local date needs time-zone functions
 * that differ between the engines. So `utc_day` is the UTC day number (days since 1970-01-01) of each
 * contact, and the nightly job turns it into a date.
 * NOTE: contacts are dated by their UTC day, which is the local day for contacts made within opening hours
 * in Europe (UTC+1/+2) and La Réunion (UTC+4), but not for a contact at 00:30 in Paris. A local date column
 * on lead event rows, computed when the event is recorded, would make it exact.
 *
 * Parameters, in order: first UTC day number, last UTC day number (as strings, like every parameter).
 */
const CONTACT_DAYS_CTES = `
dated_contacts AS (
  SELECT
    CAST(floor(CAST(human_contacts.occurred_at_ms AS DOUBLE) / ${DAY_MS}) AS BIGINT) AS utc_day,
    live_leads.site_id AS site_id,
    live_leads.source AS source,
    live_leads.channel AS channel,
    live_leads.campaign_id AS campaign_id,
    live_leads.category AS category,
    COALESCE(human_contacts.salesperson_id, live_leads.salesperson_id) AS salesperson_id,
    human_contacts.contact_channel AS contact_channel
  FROM human_contacts
  JOIN live_leads ON live_leads.lead_id = human_contacts.lead_id
),
contact_days AS (
  SELECT
    utc_day,
    site_id,
    source,
    channel,
    campaign_id,
    category,
    salesperson_id,${CONTACT_CHANNEL_SUMS}
  FROM dated_contacts
  WHERE utc_day BETWEEN CAST(? AS BIGINT) AND CAST(? AS BIGINT)
  GROUP BY utc_day, site_id, source, channel, campaign_id, category, salesperson_id
)`;

/**
 * Times to first human contact, for the exact medians: how many leads of a cohort cell (dated by the lead's
 * local date) and activity cell (dated by the first human contact's local date) waited exactly these business
 * and raw minutes. One row serves both cells, so the rows stay close to one per contacted lead, instead of
 * one per basis, measure and minute value of each cell. Either minute value may be null (a lead without
 * business hours has no business wait).
 * Parameters, in order: first local date, last local date, first local date, last local date.
 */
const WAITS_CTE = `
waits AS (
  SELECT
    local_date,
    first_human_contact_local_date AS activity_date,
    site_id,
    source,
    channel,
    campaign_id,
    category,
    salesperson_id,
    ttfc_business_min,
    ttfc_raw_min,
    count(*) AS leads
  FROM live_leads
  WHERE first_human_contact_at_ms IS NOT NULL
    AND (ttfc_business_min IS NOT NULL OR ttfc_raw_min IS NOT NULL)
    AND (local_date BETWEEN ? AND ? OR first_human_contact_local_date BETWEEN ? AND ?)
  GROUP BY
    local_date,
    first_human_contact_local_date,
    site_id,
    source,
    channel,
    campaign_id,
    category,
    salesperson_id,
    ttfc_business_min,
    ttfc_raw_min
)`;

/** SQL output column of each cell measure. */
export const MEASURE_COLUMNS: Record<CellMeasure, string> = {
  leads: 'leads',
  prospects: 'prospects',
  contacted: 'contacted',
  handled: 'handled',
  handledInTime: 'handled_in_time',
  ttfcBusinessCount: 'ttfc_business_count',
  ttfcBusinessSum: 'ttfc_business_sum',
  ttfcRawCount: 'ttfc_raw_count',
  ttfcRawSum: 'ttfc_raw_sum',
  appointments: 'appointments',
  appointmentsDue: 'appointments_due',
  shows: 'shows',
  testDrives: 'test_drives',
  offers: 'offers',
  sales: 'sales',
  salesWithin30Days: 'sales_within_30_days',
  salesWithin90Days: 'sales_within_90_days',
  revenueCents: 'revenue_cents',
  grossMarginCents: 'gross_margin_cents',
  calls: 'calls',
  emails: 'emails',
  smsMessages: 'sms_messages',
  visits: 'visits',
};

/**
 * Output columns of `NIGHTLY_KPI_SQL` and their types. Every row has all of them, and the columns that its
 * `row_type` does not use are null.
 */
export const NIGHTLY_KPI_COLUMNS = [
  { name: 'row_type', type: 'VARCHAR' },
  { name: 'basis', type: 'VARCHAR' },
  { name: 'local_date', type: 'VARCHAR' },
  { name: 'utc_day', type: 'BIGINT' },
  { name: 'activity_date', type: 'VARCHAR' },
  { name: 'site_id', type: 'VARCHAR' },
  { name: 'source', type: 'VARCHAR' },
  { name: 'channel', type: 'VARCHAR' },
  { name: 'campaign_id', type: 'VARCHAR' },
  { name: 'category', type: 'VARCHAR' },
  { name: 'salesperson_id', type: 'VARCHAR' },
  ...Object.values(MEASURE_COLUMNS).map((name) => ({ name, type: 'BIGINT' })),
  { name: 'ttfc_business_min', type: 'BIGINT' },
  { name: 'ttfc_raw_min', type: 'BIGINT' },
] as const;

type NightlyKpiColumn = (typeof NIGHTLY_KPI_COLUMNS)[number]['name'];

/**
 * Builds one branch of the final UNION ALL: every output column, in order and cast to its type, taken from `values`
 * (SQL expressions by column name) or null. Explicit casts give every branch the same column types on both
 * engines, where DuckDB would otherwise widen sums to HUGEINT.
 */
function outputBranch(from: string, values: Partial<Record<NightlyKpiColumn, string>>): string {
  const columns = NIGHTLY_KPI_COLUMNS.map(({ name, type }) => `CAST(${values[name] ?? 'NULL'} AS ${type}) AS ${name}`);
  return `SELECT\n  ${columns.join(',\n  ')}\nFROM ${from}`;
}

/** Maps each column name to itself, for a branch whose CTE already has the output names. */
function sameColumns(names: readonly NightlyKpiColumn[]): Partial<Record<NightlyKpiColumn, string>> {
  return Object.fromEntries(names.map((name) => [name, name]));
}

const CELL_KEY_OUTPUT = ['site_id', 'source', 'channel', 'campaign_id', 'category', 'salesperson_id'] as const;
const CELL_MEASURE_OUTPUT = Object.values(MEASURE_COLUMNS) as NightlyKpiColumn[];

/**
 * Every row the nightly job needs, in one statement, so the latest state of the leads and their human
 * contacts are computed once per run rather than once per row type. DuckDB materializes a CTE that the query
 * references more than once; Trino inlines CTEs, so Athena still scans the lake once per reference, as it did
 * with one statement per row type.
 *
 * `row_type` names the kind of row and the columns it fills:
 * - `cell`: one KPI cell (`basis`, `local_date`, the cell key columns and every measure column). Activity
 *   cells have zero contacts by channel, which the `contacts` rows add.
 * - `contacts`: human contacts on the activity basis (`basis` 'activity', `utc_day`, the cell key columns
 *   except the date, and `calls`, `emails`, `sms_messages`, `visits`). See `CONTACT_DAYS_CTES`.
 * - `waits`: `leads` leads waited `ttfc_business_min` business and `ttfc_raw_min` raw minutes to their first
 *   human contact, in the cohort cell of `local_date` and the activity cell of `activity_date` (either may be
 *   outside the range, and either minute value may be null). See `WAITS_CTE`.
 * Rows come in no particular order.
 *
 * Parameters, in order: tenant id and lowest `dt` partition to scan (leads); tenant id and lowest `dt`
 * partition to scan (lead events); the run's local date (appointments on or before it are due); then first
 * and last local date (cohort cells); first and last local date (activity cells); first and last UTC day
 * number (contacts); first and last local date twice (waits).
 */
export const NIGHTLY_KPI_SQL = `
WITH ${LIVE_LEADS_CTES},
${HUMAN_CONTACTS_CTE},
${COHORT_CELLS_CTES},
${ACTIVITY_CELLS_CTES},
${CONTACT_DAYS_CTES},
${WAITS_CTE}
${outputBranch('cohort_cells', { row_type: "'cell'", basis: 'basis', local_date: 'local_date', ...sameColumns([...CELL_KEY_OUTPUT, ...CELL_MEASURE_OUTPUT]) })}
UNION ALL
${outputBranch('activity_cells', { row_type: "'cell'", basis: 'basis', local_date: 'local_date', ...sameColumns([...CELL_KEY_OUTPUT, ...CELL_MEASURE_OUTPUT]) })}
UNION ALL
${outputBranch('contact_days', { row_type: "'contacts'", basis: "'activity'", utc_day: 'utc_day', ...sameColumns([...CELL_KEY_OUTPUT, 'calls', 'emails', 'sms_messages', 'visits']) })}
UNION ALL
${outputBranch('waits', { row_type: "'waits'", local_date: 'local_date', activity_date: 'activity_date', ...sameColumns([...CELL_KEY_OUTPUT, 'ttfc_business_min', 'ttfc_raw_min', 'leads']) })}
`;

/**
 * Leads per cell over a range of local dates: the lead count alone, which the benchmarks time. The nightly job
 * runs `NIGHTLY_KPI_SQL`, whose `leads` column of the cohort `cell` rows is the same count.
 *
 * Parameters, in order: tenant id, lowest `dt` partition to scan, first local date, last local date.
 * The `dt` bound prunes partitions. `dt` is the UTC date of a change, and no time zone is more than 14 hours
 * ahead of UTC. So a lead's changes are stored no earlier than its local date minus one day, and passing the
 * first local date minus one day reads every change of every lead in range.
 *
 * Each lead counts once, in the state of its latest change (highest `lead_version`, removal first among equal
 * versions; see `LIVE_LEADS_CTES`). Deleted and test leads do not count. A lead is identified by its dense
 * `lead_number` rather than its id, which keeps the bytes this query reads small. A lead with no site is in the `unassigned` site, and one with no campaign has campaign `''`.
 *
 * Output columns: local_date, site_id, source, channel, campaign_id, category (all strings) and leads (bigint).
 */
export const DAILY_LEADS_SQL = `
WITH ranked_changes AS (
  SELECT
    lead_number,
    lead_version,
    site_id,
    source,
    channel,
    campaign_id,
    category,
    local_date,
    is_test,
    is_deleted,
    row_number() OVER (PARTITION BY lead_number ORDER BY lead_version DESC, is_deleted DESC) AS change_rank
  FROM lead_changes
  WHERE tenant = ? AND dt >= ? AND entity = 'lead'
),
live_leads AS (
  SELECT
    local_date,
    COALESCE(site_id, 'unassigned') AS site_id,
    COALESCE(source, '') AS source,
    COALESCE(channel, '') AS channel,
    COALESCE(campaign_id, '') AS campaign_id,
    COALESCE(category, '') AS category
  FROM ranked_changes
  WHERE change_rank = 1
    AND COALESCE(is_deleted, false) = false
    AND COALESCE(is_test, false) = false
    AND local_date BETWEEN ? AND ?
)
SELECT
  local_date,
  site_id,
  source,
  channel,
  campaign_id,
  category,
  count(*) AS leads
FROM live_leads
GROUP BY local_date, site_id, source, channel, campaign_id, category
ORDER BY local_date, site_id, source, channel, campaign_id, category
`;

/** Every KPI SQL text, by name: the nightly job's and `DAILY_LEADS_SQL`. The grammar test parses each one. */
export const NIGHTLY_SQL = {
  DAILY_LEADS_SQL,
  NIGHTLY_KPI_SQL,
} as const;
