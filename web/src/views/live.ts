/**
 * Today's live counts per site and the leads still waiting for a first human contact, oldest first, from
 * `GET /v1/kpis/live` (counts kept from the lead stream, before the nightly job).
 */
import type { LiveReport, LiveSiteCounts, WaitingLead } from '#shared/kpi/live-report';
import { getJson } from '../api';
import { isRecord } from '../auth';
import { el } from '../dom';
import { formatDateTime, formatInteger, formatMinutes, formatTime } from '../format';
import { t } from '../i18n';
import { dataTable } from '../table';
import { siteLabel, type View } from './kit';

export const liveView: View = {
  path: '/live',
  title: 'viewLive',
  usesPeriod: false,
  exportGroupBy: 'source',
  async render({ filters }) {
    const body = await getJson('/v1/kpis/live');
    const live = parseLive(body);
    // The route has no site parameter, so the site filter applies here.
    const rows = filters.site ? live.rows.filter((row) => row.site === filters.site) : live.rows;
    const waiting = filters.site ? live.waitingLeads.filter((lead) => lead.site === filters.site) : live.waitingLeads;
    const totals = filters.site
      ? rows.reduce(
          (sum, row) => ({
            leads: sum.leads + row.leads,
            handled: sum.handled + row.handled,
            waiting: sum.waiting + row.waiting,
          }),
          { leads: 0, handled: 0, waiting: 0 },
        )
      : live.totals;

    const counts = el('ul', { class: 'kpi-cards live-counts', 'data-testid': 'live-counts' }, [
      card(t('liveLeads'), totals.leads),
      card(t('liveHandled'), totals.handled),
      card(t('liveWaiting'), totals.waiting),
    ]);
    return [
      counts,
      rows.length === 0
        ? null
        : dataTable<LiveSiteCounts>({
            caption: t('liveSitesCaption'),
            columns: [
              { key: 'site', label: t('colSite'), value: (row) => row.site, format: (row) => siteLabel(row.site) },
              {
                key: 'leads',
                label: t('liveLeads'),
                value: (row) => row.leads,
                format: (row) => formatInteger(row.leads),
                numeric: true,
              },
              {
                key: 'handled',
                label: t('liveHandled'),
                value: (row) => row.handled,
                format: (row) => formatInteger(row.handled),
                numeric: true,
              },
              {
                key: 'waiting',
                label: t('liveWaiting'),
                value: (row) => row.waiting,
                format: (row) => formatInteger(row.waiting),
                numeric: true,
              },
            ],
            rows,
            testId: 'live-sites',
          }),
      waiting.length === 0
        ? el('p', { class: 'empty' }, [t('liveNoWaiting')])
        : dataTable<WaitingLead>({
            caption: t('liveCaption'),
            columns: [
              {
                key: 'receivedAt',
                label: t('colReceivedAt'),
                value: (lead) => lead.receivedAt,
                format: (lead) => formatDateTime(lead.receivedAt),
              },
              {
                key: 'waitedBusinessMinutes',
                label: t('colWaitingBusiness'),
                value: (lead) => lead.waitedBusinessMinutes,
                format: (lead) => formatMinutes(lead.waitedBusinessMinutes),
                numeric: true,
              },
              {
                key: 'waitedMinutes',
                label: t('colWaiting'),
                value: (lead) => lead.waitedMinutes,
                format: (lead) => formatMinutes(lead.waitedMinutes),
                numeric: true,
              },
              { key: 'site', label: t('colSite'), value: (lead) => lead.site, format: (lead) => siteLabel(lead.site) },
              { key: 'source', label: t('colSource'), value: (lead) => lead.source, format: (lead) => lead.source },
            ],
            rows: waiting,
            testId: 'live-waiting',
          }),
      el('p', { class: 'note' }, [t('liveUpdatedAt', { time: formatTime(new Date(live.asOf)) })]),
    ];
  },
};

function card(label: string, value: number): HTMLElement {
  return el('li', { class: 'kpi-card' }, [
    el('h3', { class: 'kpi-label' }, [label]),
    el('p', { class: 'kpi-value' }, [formatInteger(value)]),
  ]);
}

/** Checks the parts of the live report that the view reads and sorts the waiting leads oldest first. */
export function parseLive(body: unknown): LiveReport {
  if (
    !isRecord(body) ||
    !Array.isArray(body.rows) ||
    !Array.isArray(body.waitingLeads) ||
    !isRecord(body.totals) ||
    typeof body.asOf !== 'string'
  ) {
    throw new Error('GET /v1/kpis/live returned no rows, totals and waitingLeads');
  }
  const report = body as unknown as LiveReport;
  const waitingLeads = [...report.waitingLeads].sort((left, right) => left.receivedAt.localeCompare(right.receivedAt));
  return { ...report, waitingLeads };
}
