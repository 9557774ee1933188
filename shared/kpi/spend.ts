/**
 * Marketing spend per month and source, entered by finance or the group, and its allocation to the days and
 * sites of KPI reports.
 */
import * as z from 'zod';
import type { Caller } from '#shared/api/caller';
import { ForbiddenError } from '#shared/errors';
import { identifierSchema } from '#shared/tenant/model';
import { type DailyCell, UNASSIGNED_SITE } from './aggregates';
import { addDays, daysInRange, eachDay } from './dates';

/** Maximum rows of one `PUT /v1/spend` request. */
export const MAX_SPEND_ROWS = 5_000;

const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM');

export const spendRowSchema = z.object({
  month: monthSchema,
  /** Marketing source as leads carry it (`google-ads`, `meta-ads`...). */
  source: z.string().min(1).max(64),
  /** Campaign id as leads carry it; without it the spend covers every campaign of the source. */
  campaign: z.string().min(1).max(128).optional(),
  /** Site id; without it the spend is spread over sites by their share of the month's leads. */
  site: identifierSchema.optional(),
  /** Amount in EUR, at most two decimals. */
  amount: z
    .number()
    .finite()
    .nonnegative()
    .max(1e9)
    .refine((value) => Math.abs(value * 100 - Math.round(value * 100)) < 1e-6, 'must have at most two decimals'),
});
export type SpendRow = z.infer<typeof spendRowSchema>;

/** Body of `PUT /v1/spend`: the rows replace all spend of every month they name. */
export const spendBodySchema = z.object({ rows: z.array(spendRowSchema).min(1).max(MAX_SPEND_ROWS) });

export interface SpendStore {
  /** Replaces all spend of each month that `rowsByMonth` names with its rows. */
  replaceMonths(tenantId: string, rowsByMonth: Map<string, SpendRow[]>): Promise<void>;
  /** Returns the spend of every month from `fromMonth` to `toMonth` (`yyyy-mm`, both included). */
  readMonths(tenantId: string, fromMonth: string, toMonth: string): Promise<SpendRow[]>;
}

/** The months a spend upload replaced and the rows it stored. */
export interface SpendUploadResult {
  months: string[];
  rows: number;
}

/**
 * Stores a tenant's spend: the rows replace all spend of the months they name, so a corrected upload of a
 * month leaves no stale row. Group admins and finance may upload spend.
 *
 * @throws ForbiddenError for site managers and salespeople.
 */
export async function replaceSpend(
  store: SpendStore,
  caller: Caller,
  rows: readonly SpendRow[],
): Promise<SpendUploadResult> {
  if (caller.role !== 'group-admin' && caller.role !== 'finance') {
    throw new ForbiddenError(`The ${caller.role} role cannot upload spend; group admins and finance can`);
  }
  const rowsByMonth = new Map<string, SpendRow[]>();
  for (const row of rows) {
    rowsByMonth.set(row.month, [...(rowsByMonth.get(row.month) ?? []), row]);
  }
  await store.replaceMonths(caller.tenantId, rowsByMonth);
  return { months: [...rowsByMonth.keys()].sort(), rows: rows.length };
}

/** Spend of one day allocated to one site, source and campaign, in euro cents (fractional after spreading). */
export interface DailySpend {
  date: string;
  siteId: string;
  source: string;
  /** `''` for spend that names no campaign. */
  campaignId: string;
  cents: number;
}

/** First and last local dates of the months that a range touches. */
export function monthsCovering(from: string, to: string): { from: string; to: string } {
  const lastMonthStart = `${to.slice(0, 7)}-01`;
  const nextMonthStart = addDays(lastMonthStart, 32).slice(0, 7);
  return { from: `${from.slice(0, 7)}-01`, to: addDays(`${nextMonthStart}-01`, -1) };
}

/**
 * Spreads monthly spend over the days of `from`..`to` and over sites.
 *
 * Each month's amount is spread evenly over its days. Spend that names a site stays on it. Spend without a
 * site is spread over sites by their share of the month's cohort leads of the same source (and campaign
 * when the spend names one). When those leads are zero, the share of all the month's leads is used, and
 * when the tenant had no lead that month, the spend goes to `unassigned`.
 *
 * @param monthCells cohort cells of every day of the months that the range touches, of every site.
 */
export function allocateSpend(
  rows: readonly SpendRow[],
  monthCells: readonly DailyCell[],
  from: string,
  to: string,
): DailySpend[] {
  const allocated: DailySpend[] = [];
  for (const row of rows) {
    const monthStart = `${row.month}-01`;
    const monthEnd = monthsCovering(monthStart, monthStart).to;
    const days = eachDay(monthStart > from ? monthStart : from, monthEnd < to ? monthEnd : to);
    if (days.length === 0) {
      continue;
    }
    const dailyCents = (row.amount * 100) / daysInRange(monthStart, monthEnd);
    for (const [siteId, share] of siteShares(row, monthCells)) {
      for (const date of days) {
        allocated.push({ date, siteId, source: row.source, campaignId: row.campaign ?? '', cents: dailyCents * share });
      }
    }
  }
  return allocated;
}

function siteShares(row: SpendRow, monthCells: readonly DailyCell[]): Map<string, number> {
  if (row.site !== undefined) {
    return new Map([[row.site, 1]]);
  }
  const inMonth = monthCells.filter((cell) => cell.basis === 'cohort' && cell.date.startsWith(row.month));
  const matching = inMonth.filter(
    (cell) => cell.source === row.source && (row.campaign === undefined || cell.campaignId === row.campaign),
  );
  for (const cells of [matching, inMonth]) {
    const leadsBySite = new Map<string, number>();
    for (const cell of cells) {
      leadsBySite.set(cell.siteId, (leadsBySite.get(cell.siteId) ?? 0) + cell.leads);
    }
    const total = [...leadsBySite.values()].reduce((sum, leads) => sum + leads, 0);
    if (total > 0) {
      return new Map([...leadsBySite].map(([siteId, leads]) => [siteId, leads / total]));
    }
  }
  return new Map([[UNASSIGNED_SITE, 1]]);
}
