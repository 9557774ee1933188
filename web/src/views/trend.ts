/** The daily trend of leads, with the previous period of the same length overlaid day by day. */
import { CHART_COLORS, chartFigure } from '../charts';
import { el } from '../dom';
import { previousPeriod } from '../filters';
import { formatChange, formatDate, formatInteger } from '../format';
import { t } from '../i18n';
import { dataTable } from '../table';
import { cachedReport, periodText, rowKey, type View } from './kit';

export const trendView: View = {
  path: '/trend',
  title: 'viewTrend',
  exportGroupBy: 'day',
  async render({ filters }) {
    const before = previousPeriod(filters.from, filters.to);
    const [current, previous] = await Promise.all([cachedReport(filters, 'day'), cachedReport(filters, 'day', before)]);
    // Both reports have one row per day of equal-length periods, so index i is the i-th day of each.
    const days = current.rows.map((row, index) => ({
      day: rowKey(row, 'day'),
      leads: row.leads,
      previousDay: previous.rows[index] ? rowKey(previous.rows[index], 'day') : '',
      previousLeads: previous.rows[index]?.leads ?? null,
    }));
    type Day = (typeof days)[number];
    const peak = days.reduce<Day | undefined>((best, day) => (!best || day.leads > best.leads ? day : best), undefined);
    const change =
      previous.totals.leads === 0 ? null : (current.totals.leads - previous.totals.leads) / previous.totals.leads;

    return [
      chartFigure({
        title: t('trendChartTitle'),
        summary: t('trendSummary', {
          current: formatInteger(current.totals.leads),
          from: formatDate(filters.from),
          to: formatDate(filters.to),
          change: formatChange(change),
          previous: formatInteger(previous.totals.leads),
          previousPeriod: periodText(before),
          peakDay: peak ? formatDate(peak.day) : t('emptyValue'),
          peakLeads: formatInteger(peak?.leads ?? 0),
        }),
        height: 320,
        testId: 'trend-chart',
        option: {
          grid: { left: 40, right: 16, top: 40, bottom: 32 },
          legend: { top: 0 },
          tooltip: { trigger: 'axis' },
          xAxis: { type: 'category', data: days.map((day) => formatDate(day.day).slice(0, 5)) },
          yAxis: { type: 'value', minInterval: 1 },
          series: [
            {
              type: 'line',
              name: t('colCurrent'),
              data: days.map((day) => day.leads),
              itemStyle: { color: CHART_COLORS.primary },
              lineStyle: { width: 3 },
              symbol: 'circle',
            },
            {
              type: 'line',
              name: t('colPrevious'),
              data: days.map((day) => day.previousLeads),
              itemStyle: { color: CHART_COLORS.secondary },
              lineStyle: { width: 2, type: 'dashed' },
              symbol: 'emptyCircle',
            },
          ],
        },
      }),
      el('details', { class: 'chart-data' }, [
        el('summary', {}, [t('chartDataTable')]),
        dataTable<Day>({
          caption: t('trendCaption', { period: periodText(filters) }),
          columns: [
            { key: 'day', label: t('colDay'), value: (d) => d.day, format: (d) => formatDate(d.day) },
            {
              key: 'leads',
              label: t('colCurrent'),
              value: (d) => d.leads,
              format: (d) => formatInteger(d.leads),
              numeric: true,
            },
            {
              key: 'previousDay',
              label: t('colPreviousDay'),
              value: (d) => d.previousDay,
              format: (d) => (d.previousDay ? formatDate(d.previousDay) : t('emptyValue')),
            },
            {
              key: 'previousLeads',
              label: t('colPrevious'),
              value: (d) => d.previousLeads,
              format: (d) => formatInteger(d.previousLeads),
              numeric: true,
            },
          ],
          rows: days,
          testId: 'trend-table',
        }),
      ]),
    ];
  },
};
