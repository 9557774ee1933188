/**
 * SQL of the nightly KPI job. Each text runs unchanged on DuckDB (local stack) and on Athena (Trino, engine
 * version 3), so it keeps to syntax and functions that both engines share with the same meaning: CAST, COALESCE,
 * CASE, VALUES, count, sum, lag and row_number. Dates are `yyyy-mm-dd` strings and are compared as strings.
 * Every local date is computed in TypeScript with the site's time zone before it reaches the lake, so no
 * query needs a time-zone function, and those differ between the engines.
 *
 * Parameters are positional `?` markers bound by the query engine adapters, in the order they appear in the text.
 *
 * Each output row of the cell queries is one KPI cell: a basis × day × site × source × channel × campaign ×
 * category. Measures are columns of that row and are counts or sums only. Ratios (handled rate, conversion,
 * ROI) are computed from summed counts when cells are combined, never averaged. A division in SQL is written
 * `CAST(x AS DOUBLE) / NULLIF(y, 0)` so that a zero denominator gives NULL on both engines instead of an error
 * (Trino) or infinity (DuckDB). No percentile function is used: `approx_percentile` differs between engines,
 * so medians come from exact value counts (`TTFC_DISTRIBUTION_SQL`).
 */

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
 * Each lead counts once, in the state of its latest change (highest `event_seq`). Deleted and test leads do
 * not count, and lifecycle event rows (`entity = 'lead-event'`) are not leads. A lead with no site is in the
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
    row_number() OVER (PARTITION BY lead_id ORDER BY event_seq DESC) AS change_rank
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

const CELL_KEY_COLUMNS = 'local_date, site_id, source, channel, campaign_id, category';

/**
 * Cohort cells: what became of the leads created on each local date, as of the run.
 *
 * Parameters, in order: tenant id, lowest `dt` partition to scan, the run's local date (appointments on or
 * before it are due), first local date, last local date.
 *
 * Output columns: basis ('cohort'), local_date, site_id, source, channel, campaign_id, category (strings), and
 * the measures of `CELL_MEASURE_COLUMNS` (integers).
 */
export const DAILY_COHORT_SQL = `
WITH ${LIVE_LEADS_CTES}
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
  COALESCE(sum(sale_gross_margin_cents), 0) AS gross_margin_cents
FROM live_leads
WHERE local_date BETWEEN ? AND ?
GROUP BY ${CELL_KEY_COLUMNS}
ORDER BY ${CELL_KEY_COLUMNS}
`;

/**
 * Activity cells: what happened on each local date, whatever day the lead was created. Each lead contributes
 * its milestones (creation, first contact, first human contact, appointment set, appointment due, show, test
 * drive, offer, sale) to the day each one happened, in the cell of the lead's site, source and campaign.
 * Milestones are first occurrences, so a lead counts at most once per measure.
 *
 * Parameters, in order: tenant id, lowest `dt` partition to scan, first local date, last local date.
 * Output columns: the same as `DAILY_COHORT_SQL`, with basis 'activity'.
 */
export const DAILY_ACTIVITY_SQL = `
WITH ${LIVE_LEADS_CTES},
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
)
SELECT
  'activity' AS basis,
  activity_date AS local_date,
  site_id,
  source,
  channel,
  campaign_id,
  category,
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
  sum(CASE WHEN kind = 'sale' THEN COALESCE(sale_gross_margin_cents, 0) ELSE 0 END) AS gross_margin_cents
FROM milestones
WHERE activity_date BETWEEN ? AND ?
GROUP BY activity_date, site_id, source, channel, campaign_id, category
ORDER BY activity_date, site_id, source, channel, campaign_id, category
`;

/**
 * Exact distribution of the time to first human contact per cell, in whole minutes, for medians: one row per
 * basis, cell, measure (`business` or `raw`) and minute value, with the number of leads that waited that long.
 * Cohort cells are dated by the lead's local date, activity cells by the first human contact's local date.
 *
 * Parameters, in order: tenant id, lowest `dt` partition to scan, first local date, last local date.
 * Output columns: basis, local_date, site_id, source, channel, campaign_id, category, measure (strings),
 * minutes and leads (integers).
 */
export const TTFC_DISTRIBUTION_SQL = `
WITH ${LIVE_LEADS_CTES},
waits AS (
  SELECT
    combos.basis AS basis,
    CASE combos.basis WHEN 'cohort' THEN local_date ELSE first_human_contact_local_date END AS cell_date,
    site_id,
    source,
    channel,
    campaign_id,
    category,
    combos.measure AS measure,
    CASE combos.measure WHEN 'business' THEN ttfc_business_min ELSE ttfc_raw_min END AS minutes
  FROM live_leads
  CROSS JOIN (
    VALUES ('cohort', 'business'), ('cohort', 'raw'), ('activity', 'business'), ('activity', 'raw')
  ) AS combos (basis, measure)
  WHERE first_human_contact_at_ms IS NOT NULL
)
SELECT
  basis,
  cell_date AS local_date,
  site_id,
  source,
  channel,
  campaign_id,
  category,
  measure,
  minutes,
  count(*) AS leads
FROM waits
WHERE minutes IS NOT NULL AND cell_date BETWEEN ? AND ?
GROUP BY basis, cell_date, site_id, source, channel, campaign_id, category, measure, minutes
ORDER BY basis, cell_date, site_id, source, channel, campaign_id, category, measure, minutes
`;

/**
 * Leads per cell over a range of local dates: the lead count alone, which the benchmarks time. The nightly job
 * runs `DAILY_COHORT_SQL`, whose `leads` column is the same count.
 *
 * Parameters, in order: tenant id, lowest `dt` partition to scan, first local date, last local date.
 * The `dt` bound prunes partitions. `dt` is the UTC date of a change, and no time zone is more than 14 hours
 * ahead of UTC. So a lead's changes are stored no earlier than its local date minus one day, and passing the
 * first local date minus one day reads every change of every lead in range.
 *
 * Each lead counts once, in the state of its latest change (highest `event_seq`). Deleted and test leads
 * do not count. A lead with no site is in the `unassigned` site, and one with no campaign has campaign `''`.
 *
 * Output columns: local_date, site_id, source, channel, campaign_id, category (all strings) and leads (bigint).
 */
export const DAILY_LEADS_SQL = `
WITH ranked_changes AS (
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
    row_number() OVER (PARTITION BY lead_id ORDER BY event_seq DESC) AS change_rank
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

/** Every KPI SQL text, by name: those the nightly job runs and `DAILY_LEADS_SQL`. The grammar test parses each one. */
export const NIGHTLY_SQL = { DAILY_LEADS_SQL, DAILY_COHORT_SQL, DAILY_ACTIVITY_SQL, TTFC_DISTRIBUTION_SQL } as const;
