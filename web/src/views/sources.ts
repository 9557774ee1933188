/** The per-source table: leads, appointments, shows, sales, cost per lead, cost per sale and ROI, sortable. */
import type { ReportRow } from '../api';
import { el } from '../dom';
import { formatEuros, formatInteger, formatPercent } from '../format';
import { t } from '../i18n';
import { type Column, dataTable } from '../table';
import { cachedReport, periodText, rowKey, type View } from './kit';

export const sourcesView: View = {
  path: '/sources',
  title: 'viewSources',
  exportGroupBy: 'source',
  async render({ filters }) {
    const report = await cachedReport(filters, 'source');
    if (report.rows.length === 0) {
      return [el('p', { class: 'empty' }, [t('noData')])];
    }
    const columns: Column<ReportRow>[] = [
      {
        key: 'source',
        label: t('colSource'),
        value: (row) => rowKey(row, 'source'),
        format: (row) => rowKey(row, 'source'),
      },
      count('leads', t('colLeads'), (row) => row.leads),
      count('appointments', t('colAppointments'), (row) => row.appointments),
      count('shows', t('colShows'), (row) => row.shows),
      count('sales', t('colSales'), (row) => row.sales),
      euros('costPerLead', t('colCostPerLead'), (row) => row.cost?.costPerLead ?? null),
      euros('costPerSale', t('colCostPerSale'), (row) => row.cost?.costPerSale ?? null),
      percent('roi', t('colRoi'), (row) => row.cost?.roi ?? null),
    ];
    const totals = { ...report.totals, source: t('total') } as ReportRow;
    return [
      dataTable({
        caption: t('sourcesCaption', { period: periodText(filters) }),
        columns,
        rows: report.rows,
        sortable: true,
        initialSort: { key: 'leads', direction: 'descending' },
        footer: totals,
        testId: 'sources-table',
      }),
    ];
  },
};

export function count(key: string, label: string, value: (row: ReportRow) => number | null): Column<ReportRow> {
  return { key, label, value, format: (row) => formatInteger(value(row)), numeric: true };
}

export function euros(key: string, label: string, value: (row: ReportRow) => number | null): Column<ReportRow> {
  return { key, label, value, format: (row) => formatEuros(value(row)), numeric: true };
}

export function percent(key: string, label: string, value: (row: ReportRow) => number | null): Column<ReportRow> {
  return { key, label, value, format: (row) => formatPercent(value(row)), numeric: true };
}
