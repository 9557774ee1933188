/** The funnel from lead to sale, as a chart and a table with the share of leads and the step conversion. */
import type { KpiFigures } from '../api';
import { chartFigure } from '../charts';
import { el } from '../dom';
import { formatInteger, formatPercent } from '../format';
import { type MessageKey, t } from '../i18n';
import { dataTable } from '../table';
import { cachedReport, periodText, type View } from './kit';

const STEPS: { label: MessageKey; value: (figures: KpiFigures) => number }[] = [
  { label: 'colLeads', value: (f) => f.leads },
  { label: 'colContacted', value: (f) => f.contacted },
  { label: 'colHandled', value: (f) => f.handled },
  { label: 'colAppointments', value: (f) => f.appointments },
  { label: 'colShows', value: (f) => f.shows },
  { label: 'colTestDrives', value: (f) => f.testDrives },
  { label: 'colOffers', value: (f) => f.offers },
  { label: 'colSales', value: (f) => f.sales },
];

/** Blues from dark to light, each with at least 4.5:1 contrast against the white labels drawn on it. */
const STEP_COLORS = ['#1e3a8a', '#1e40af', '#1d4ed8', '#2563eb', '#0f766e', '#047857', '#4d7c0f', '#92400e'];

export const funnelView: View = {
  path: '/funnel',
  title: 'viewFunnel',
  exportGroupBy: 'day',
  async render({ filters }) {
    const report = await cachedReport(filters, 'day');
    const totals = report.totals;
    const steps = STEPS.map((step, index) => {
      const value = step.value(totals);
      const previous = index === 0 ? null : (STEPS[index - 1]?.value(totals) ?? null);
      return {
        label: t(step.label),
        value,
        share: totals.leads === 0 ? null : value / totals.leads,
        conversion: previous === null || previous === 0 ? null : value / previous,
      };
    });
    type Step = (typeof steps)[number];
    return [
      chartFigure({
        title: t('funnelChartTitle'),
        summary: t('funnelSummary', {
          leads: formatInteger(totals.leads),
          appointments: formatInteger(totals.appointments),
          shows: formatInteger(totals.shows),
          sales: formatInteger(totals.sales),
        }),
        height: 360,
        option: {
          tooltip: { trigger: 'item' },
          series: [
            {
              type: 'funnel',
              sort: 'none',
              left: '5%',
              width: '90%',
              minSize: '8%',
              gap: 2,
              label: { position: 'inside', color: '#ffffff', formatter: '{b} : {c}' },
              data: steps.map((step, index) => ({
                name: step.label,
                value: step.value,
                itemStyle: { color: STEP_COLORS[index] },
              })),
            },
          ],
        },
      }),
      dataTable<Step>({
        caption: t('funnelCaption', { period: periodText(filters) }),
        columns: [
          { key: 'step', label: t('colStep'), value: (s) => s.label, format: (s) => s.label },
          {
            key: 'count',
            label: t('colCount'),
            value: (s) => s.value,
            format: (s) => formatInteger(s.value),
            numeric: true,
          },
          {
            key: 'share',
            label: t('colShareOfLeads'),
            value: (s) => s.share,
            format: (s) => formatPercent(s.share),
            numeric: true,
          },
          {
            key: 'conversion',
            label: t('colStepConversion'),
            value: (s) => s.conversion,
            format: (s) => formatPercent(s.conversion),
            numeric: true,
          },
        ],
        rows: steps,
        testId: 'funnel-table',
      }),
      el('p', { class: 'note' }, [report.basis === 'activity' ? t('basisActivityNote') : t('basisCohortNote')]),
    ];
  },
};
