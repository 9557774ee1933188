/** Salespeople: activity and conversion per person, sortable. */
import type { ReportRow } from '../api';
import { el } from '../dom';
import { formatMinutes } from '../format';
import { t } from '../i18n';
import { type Column, dataTable } from '../table';
import { cachedReport, periodText, rowKey, type View } from './kit';
import { count, percent } from './sources';

export const salespeopleView: View = {
  path: '/salespeople',
  title: 'viewSalespeople',
  exportGroupBy: 'salesperson',
  async render({ filters }) {
    const report = await cachedReport(filters, 'salesperson');
    if (report.rows.length === 0) {
      return [el('p', { class: 'empty' }, [t('noData')])];
    }
    // Leads that no salesperson has handled yet are grouped under an empty id.
    const name = (row: ReportRow) => rowKey(row, 'salesperson');
    const columns: Column<ReportRow>[] = [
      {
        key: 'salesperson',
        label: t('colSalesperson'),
        value: name,
        format: (row) => name(row) || t('noSalesperson'),
      },
      count('leads', t('colLeads'), (row) => row.leads),
      count('handled', t('colHandled'), (row) => row.handled),
      percent('handledRate', t('colHandledRate'), (row) => row.rates?.handledRate ?? null),
      {
        key: 'medianWait',
        label: t('colMedianFirstContact'),
        value: (row) => row.timeToFirstContact.business.medianMinutes,
        format: (row) => formatMinutes(row.timeToFirstContact.business.medianMinutes),
        numeric: true,
      },
      count('appointments', t('colAppointments'), (row) => row.appointments),
      count('testDrives', t('colTestDrives'), (row) => row.testDrives),
      count('sales', t('colSales'), (row) => row.sales),
      percent('closeRate', t('colCloseRate'), (row) => row.rates?.closeRate ?? null),
    ];
    return [
      dataTable({
        caption: t('salespeopleCaption', { period: periodText(filters) }),
        columns,
        rows: report.rows,
        sortable: true,
        initialSort: { key: 'sales', direction: 'descending' },
        testId: 'salespeople-table',
      }),
    ];
  },
};
