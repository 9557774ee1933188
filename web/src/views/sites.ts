/** Sites side by side: a bar chart of leads and sales, and a table with one column per site. */
import type { KpiFigures, ReportRow } from '../api';
import { CHART_COLORS, chartFigure } from '../charts';
import { el } from '../dom';
import { formatEuros, formatInteger, formatMinutes, formatPercent } from '../format';
import { type MessageKey, t } from '../i18n';
import { scrollableTable } from '../table';
import { cachedReport, periodText, rowKey, siteLabel, type View } from './kit';

interface Metric {
  label: MessageKey;
  format: (figures: KpiFigures) => string;
}

const METRICS: Metric[] = [
  { label: 'colLeads', format: (f) => formatInteger(f.leads) },
  { label: 'colHandled', format: (f) => formatInteger(f.handled) },
  { label: 'colHandledRate', format: (f) => formatPercent(f.rates?.handledRate) },
  { label: 'colMedianFirstContact', format: (f) => formatMinutes(f.timeToFirstContact.business.medianMinutes) },
  { label: 'colAppointments', format: (f) => formatInteger(f.appointments) },
  { label: 'colShows', format: (f) => formatInteger(f.shows) },
  { label: 'colSales', format: (f) => formatInteger(f.sales) },
  { label: 'colCloseRate', format: (f) => formatPercent(f.rates?.closeRate) },
  { label: 'colSpend', format: (f) => formatEuros(f.cost?.spend) },
  { label: 'colCostPerSale', format: (f) => formatEuros(f.cost?.costPerSale) },
  { label: 'colRoi', format: (f) => formatPercent(f.cost?.roi) },
];

export const sitesView: View = {
  path: '/sites',
  title: 'viewSites',
  exportGroupBy: 'site',
  async render({ filters }) {
    const report = await cachedReport(filters, 'site');
    if (report.rows.length === 0) {
      return [el('p', { class: 'empty' }, [t('noData')])];
    }
    const sites = report.rows.map((row) => siteLabel(rowKey(row, 'site')));
    const busiest = report.rows.reduce<ReportRow | undefined>(
      (best, row) => (best === undefined || row.leads > best.leads ? row : best),
      undefined,
    );
    const caption = t('sitesCaption', { period: periodText(filters) });

    const head = el('tr', {}, [
      el('th', { scope: 'col' }, [t('colMetric')]),
      ...sites.map((site) => el('th', { scope: 'col', class: 'numeric' }, [site])),
    ]);
    const body = el(
      'tbody',
      {},
      METRICS.map((metric) =>
        el('tr', {}, [
          el('th', { scope: 'row' }, [t(metric.label)]),
          ...report.rows.map((row) => el('td', { class: 'numeric' }, [metric.format(row)])),
        ]),
      ),
    );
    const table = el('table', { class: 'data-table', 'data-testid': 'sites-table' }, [
      el('caption', { class: 'visually-hidden' }, [caption]),
      el('thead', {}, [head]),
      body,
    ]);

    return [
      chartFigure({
        title: t('sitesChartTitle'),
        summary: t('sitesSummary', {
          count: formatInteger(sites.length),
          site: busiest ? siteLabel(rowKey(busiest, 'site')) : t('emptyValue'),
          leads: formatInteger(busiest?.leads ?? 0),
        }),
        // Horizontal bars keep long site names readable on a phone.
        height: 80 + sites.length * 56,
        option: {
          grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
          legend: { top: 0 },
          tooltip: { trigger: 'axis' },
          yAxis: { type: 'category', data: sites, inverse: true, axisLabel: { width: 130, overflow: 'truncate' } },
          xAxis: { type: 'value', minInterval: 1 },
          series: [
            {
              type: 'bar',
              name: t('colLeads'),
              data: report.rows.map((row) => row.leads),
              itemStyle: { color: CHART_COLORS.primary },
            },
            {
              type: 'bar',
              name: t('colSales'),
              data: report.rows.map((row) => row.sales),
              itemStyle: { color: CHART_COLORS.success },
            },
          ],
        },
      }),
      scrollableTable(caption, table),
    ];
  },
};
