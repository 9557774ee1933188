/** Factory for KPI cells in tests. */
import { type DailyCell, emptyMeasures } from '#shared/kpi/aggregates';

/** Builds a cohort cell of one lead at Amiens Nord from Google Ads; overrides set the fields a test cares about. */
export function aDailyCell(overrides: Partial<DailyCell> & Pick<DailyCell, 'date'>): DailyCell {
  return {
    basis: 'cohort',
    siteId: 'amiens-nord',
    source: 'google-ads',
    channel: 'lead-form',
    campaignId: 'cmp-1',
    category: 'VN',
    salespersonId: '',
    ...emptyMeasures(),
    leads: 1,
    ttfcBusinessHistogram: [],
    ttfcRawHistogram: [],
    ...overrides,
  };
}
