/**
 * The stored blocks of KPI cells, by grain. A report reads only the dimensions it groups or filters by, so the
 * aggregate store keeps each day and each month at every grain of the site with at most two other dimensions,
 * next to the full cells. A report of any range then reads month blocks for its whole months and day blocks for
 * the days of its partial months, at the smallest grain that has its dimensions (docs/architecture.md). Days
 * are kept at the grains of at most one dimension, to bound what a nightly run writes.
 *
 * Daily series (reports grouped by day) read series blocks: a month of days by site, whole or for one value of
 * one dimension, so that a 13-month daily series filtered on a source reads 13 small blocks.
 */
import type { KpiBasis } from './aggregates';
import {
  type CellTable,
  GRAIN_DIMENSIONS,
  type GrainDimension,
  partitionTable,
  rollUpTable,
  rowsOfDates,
  sortedByDate,
} from './cell-table';

/** Grain id of the full cells, which keep every dimension. */
export const FULL_GRAIN = 'all';

/** The grains stored per day and per month besides the full cells: the site alone, and with one or two dimensions. */
export const GRAINS: readonly (readonly GrainDimension[])[] = [
  [],
  ...GRAIN_DIMENSIONS.map((dimension) => [dimension]),
  ...GRAIN_DIMENSIONS.flatMap((first, index) => GRAIN_DIMENSIONS.slice(index + 1).map((second) => [first, second])),
];

/**
 * Grains stored per day: the site alone and with one dimension. Day blocks of two dimensions would be nearly as
 * large as the full cells (a salesperson and a source on one day hold about one lead each), so the days of a
 * report by two dimensions read the full cells.
 */
export const DAY_GRAINS: readonly (readonly GrainDimension[])[] = GRAINS.filter((keep) => keep.length <= 1);

/**
 * Dimensions with a daily series per value. A salesperson's series would be one small item per person and
 * month, so the daily reports filtered on a salesperson or a team read the days at the site and salesperson grain.
 */
export const SERIES_DIMENSIONS: readonly GrainDimension[] = ['source', 'campaignId', 'channel', 'category'];

/** Id of a grain: `site`, then its dimensions in `GRAIN_DIMENSIONS` order (`site+source+category`). */
export function grainId(keep: readonly GrainDimension[]): string {
  return ['site', ...GRAIN_DIMENSIONS.filter((dimension) => keep.includes(dimension))].join('+');
}

/** Id of the smallest stored grain that keeps `dimensions`, or `FULL_GRAIN` when none does. */
export function grainFor(dimensions: ReadonlySet<GrainDimension>): string {
  return dimensions.size <= 2 ? grainId([...dimensions]) : FULL_GRAIN;
}

/** Id of the smallest grain stored per day that keeps `dimensions`, or `FULL_GRAIN` when none does. */
export function dayGrainFor(dimensions: ReadonlySet<GrainDimension>): string {
  return dimensions.size <= 1 ? grainId([...dimensions]) : FULL_GRAIN;
}

/**
 * Level of a block. A `day` block contains one day's cells. A `month` block sums each key over a month and is
 * dated on its first day. A `series` block contains a month of days at the site grain, or at the grain of one
 * dimension restricted to one of its values.
 */
export type BlockLevel = 'day' | 'month' | 'series';

export interface StoredBlock {
  level: BlockLevel;
  basis: KpiBasis;
  /** A grain id, or for a series of one value the name of its dimension. */
  grain: string;
  /** The date of a day block, the month (`yyyy-mm`) of the others. */
  period: string;
  /** The value of a series of one value. */
  value?: string;
  table: CellTable;
}

/** Blocks requested by a read: one grain and level over a range of dates (day) or months (month, series). */
export interface BlockRequest {
  basis: KpiBasis;
  level: BlockLevel;
  grain: string;
  from: string;
  to: string;
  /** Selects the series of one value; `grain` is then the dimension's name. */
  value?: string;
}

/**
 * Builds every block of one month and basis from the month's full daily cells. It returns day blocks for the
 * `days` given (the days a run replaced, except days without cells), and the month and series blocks of the
 * whole month.
 */
export function blocksOfMonth(month: string, unsorted: CellTable, days: ReadonlySet<string>): StoredBlock[] {
  const { basis } = unsorted;
  // Rows in date order make the blocks the same whichever days a run replaced.
  const table = sortedByDate(unsorted);
  const blocks: StoredBlock[] = [];
  const dayBlocks = (grain: string, daily: CellTable) => {
    for (const [date, part] of partitionTable(rowsOfDates(daily, days), 'date')) {
      blocks.push({ level: 'day', basis, grain, period: date, table: part });
    }
  };
  dayBlocks(FULL_GRAIN, table);
  // Each daily rollup of one dimension gives that grain's day blocks and its series. The month blocks are
  // summed from the month's full rollup, which has about a third of the daily rows.
  for (const keep of DAY_GRAINS) {
    const daily = rollUpTable(table, { keep, keepDate: true });
    dayBlocks(grainId(keep), daily);
    const [dimension] = keep;
    if (dimension === undefined) {
      blocks.push({ level: 'series', basis, grain: grainId([]), period: month, table: daily });
    } else if (SERIES_DIMENSIONS.includes(dimension)) {
      for (const [value, part] of partitionTable(daily, dimension)) {
        blocks.push({ level: 'series', basis, grain: dimension, period: month, value, table: part });
      }
    }
  }
  const monthStart = `${month}-01`;
  const monthFull = rollUpTable(table, { keep: GRAIN_DIMENSIONS, keepDate: false, date: monthStart });
  blocks.push({ level: 'month', basis, grain: FULL_GRAIN, period: month, table: monthFull });
  for (const keep of GRAINS) {
    blocks.push({
      level: 'month',
      basis,
      grain: grainId(keep),
      period: month,
      table: rollUpTable(monthFull, { keep, keepDate: false, date: monthStart }),
    });
  }
  return blocks;
}

/** Returns whether a block matches a request's level, basis, grain, value and period range. */
export function blockMatches(block: StoredBlock, request: BlockRequest): boolean {
  return (
    block.level === request.level &&
    block.basis === request.basis &&
    block.grain === request.grain &&
    block.value === request.value &&
    block.period >= request.from &&
    block.period <= request.to
  );
}
