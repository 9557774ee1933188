/**
 * SQL of the nightly KPI job. Each text runs unchanged on DuckDB (local stack) and on Athena (Trino, engine
 * version 3), so it keeps to syntax and functions that both engines share with the same meaning: CAST, COALESCE,
 * CASE, count, sum and row_number. Dates are `yyyy-mm-dd` strings and are compared as strings.
 *
 * Parameters are positional `?` markers bound by the query engine adapters.
 *
 * Each output row is one KPI cell: a day × site × source × channel × campaign × category. Measures are
 * columns of that row. A new measure (handled leads, sales, spend) is a new column computed over the same
 * `live_leads` set, and ratios (handled rate, conversion, ROI) are computed from summed counts when cells
 * are combined, never averaged. A division in SQL is written `CAST(x AS DOUBLE) / NULLIF(y, 0)` so that a
 * zero denominator gives NULL on both engines instead of an error (Trino) or infinity (DuckDB).
 */

/**
 * Leads per cell over a range of local dates.
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
  WHERE tenant = ? AND dt >= ?
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

/** Every SQL text the nightly job runs, by name; the grammar test parses each one. */
export const NIGHTLY_SQL = { DAILY_LEADS_SQL } as const;
