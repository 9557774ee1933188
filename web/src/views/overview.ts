/** The group overview: six KPI cards with the change against the previous period and the target, and a trend. */
import type { KpiFigures, Report } from '../api';
import { CHART_COLORS, chartFigure } from '../charts';
import { el } from '../dom';
import { previousPeriod } from '../filters';
import {
  formatChange,
  formatDate,
  formatEuros,
  formatInteger,
  formatMinutes,
  formatPercent,
  formatPoints,
} from '../format';
import { type MessageKey, t } from '../i18n';
import { cachedReport, type View, type ViewContext } from './kit';
import { readTargets, type TargetFigure } from './targets';

type Kind = 'count' | 'rate' | 'euros' | 'minutes' | 'ratio';

interface Card {
  /** KPI name in the target attainment report, and the card's test id. */
  kpi: string;
  label: MessageKey;
  kind: Kind;
  /** For the wait and the cost per sale a fall is an improvement. */
  lowerIsBetter?: boolean;
  value: (figures: KpiFigures) => number | null;
}

/** Arrow by the sign of a change: up, down or level. */
const TREND_ARROWS: Record<number, string> = { 1: '▲', [-1]: '▼', 0: '■' };

export const OVERVIEW_CARDS: Card[] = [
  { kpi: 'leads', label: 'kpiLeads', kind: 'count', value: (f) => f.leads },
  { kpi: 'handledRate', label: 'kpiHandledRate', kind: 'rate', value: (f) => f.rates?.handledRate ?? null },
  {
    kpi: 'medianTtfcBusinessMinutes',
    label: 'kpiMedianFirstContact',
    kind: 'minutes',
    lowerIsBetter: true,
    value: (f) => f.timeToFirstContact.business.medianMinutes,
  },
  { kpi: 'closeRate', label: 'kpiCloseRate', kind: 'rate', value: (f) => f.rates?.closeRate ?? null },
  {
    kpi: 'costPerSale',
    label: 'kpiCostPerSale',
    kind: 'euros',
    lowerIsBetter: true,
    value: (f) => f.cost?.costPerSale ?? null,
  },
  { kpi: 'roi', label: 'kpiRoi', kind: 'ratio', value: (f) => f.cost?.roi ?? null },
];

/** Formats a card's value in the unit of its KPI. */
export function formatCardValue(kind: Kind, value: number | null): string {
  switch (kind) {
    case 'count':
      return formatInteger(value);
    case 'rate':
    case 'ratio':
      return formatPercent(value);
    case 'euros':
      return formatEuros(value);
    case 'minutes':
      return formatMinutes(value);
  }
}

export const overviewView: View = {
  path: '/',
  title: 'viewOverview',
  exportGroupBy: 'day',
  async render({ filters }: ViewContext) {
    const [current, previous, targets] = await Promise.all([
      cachedReport(filters, 'day'),
      cachedReport(filters, 'day', previousPeriod(filters.from, filters.to)),
      readTargets(filters),
    ]);
    const cards = el('ul', { class: 'kpi-cards', 'data-testid': 'kpi-cards' });
    for (const card of OVERVIEW_CARDS) {
      cards.append(kpiCard(card, current, previous, targets.get(card.kpi), filters.basis));
    }
    const days = current.rows;
    const peak = days.reduce<(typeof days)[number] | undefined>(
      (best, row) => (!best || row.leads > best.leads ? row : best),
      undefined,
    );
    return [
      cards,
      chartFigure({
        title: t('overviewChartTitle'),
        summary: t('overviewChartSummary', {
          leads: formatInteger(current.totals.leads),
          days: formatInteger(days.length),
          peakLeads: formatInteger(peak?.leads ?? 0),
          peakDay: peak ? formatDate(String(peak.day)) : t('emptyValue'),
        }),
        height: 240,
        option: {
          grid: { left: 40, right: 16, top: 16, bottom: 32 },
          tooltip: { trigger: 'axis' },
          xAxis: { type: 'category', data: days.map((row) => formatDate(String(row.day)).slice(0, 5)) },
          yAxis: { type: 'value', minInterval: 1 },
          series: [
            {
              type: 'bar',
              name: t('kpiLeads'),
              data: days.map((row) => row.leads),
              itemStyle: { color: CHART_COLORS.primary },
            },
          ],
        },
      }),
    ];
  },
};

function kpiCard(
  card: Card,
  current: Report,
  previous: Report,
  target: TargetFigure | undefined,
  basis: string,
): HTMLElement {
  const value = card.value(current.totals);
  const before = card.value(previous.totals);
  const costOrRate = card.kind === 'rate' || card.kind === 'euros' || card.kind === 'ratio';
  const notApplicable = basis === 'activity' && costOrRate;
  const valueText = notApplicable ? t('emptyValue') : formatCardValue(card.kind, value);

  const details = el('p', { class: 'kpi-change', 'data-testid': `kpi-change-${card.kpi}` });
  if (notApplicable) {
    details.textContent = t('notApplicableActivity');
  } else {
    const change = changeOf(card.kind, value, before);
    if (change === null) {
      details.textContent = t('noPreviousValue');
    } else {
      const improving = change === 0 ? undefined : change > 0 !== Boolean(card.lowerIsBetter);
      const arrow = TREND_ARROWS[Math.sign(change)] ?? '■';
      details.dataset.trend = improving === undefined ? 'flat' : improving ? 'better' : 'worse';
      details.append(
        el('span', { 'aria-hidden': 'true' }, [`${arrow} `]),
        t('changeVsPrevious', { change: formatChangeOf(card.kind, change) }),
        improving === undefined ? '' : ` (${improving ? t('betterTrend') : t('worseTrend')})`,
      );
    }
  }

  const targetLine =
    target && !notApplicable
      ? el('p', { class: 'kpi-target', 'data-testid': `kpi-target-${card.kpi}` }, [
          t('targetValue', { target: formatCardValue(card.kind, target.target) }),
          target.attained === null ? '' : ` · ${t(target.attained ? 'targetAttained' : 'targetMissed')}`,
        ])
      : null;

  return el('li', { class: 'kpi-card', 'data-kpi': card.kpi }, [
    el('h3', { class: 'kpi-label', id: `kpi-label-${card.kpi}` }, [t(card.label)]),
    el(
      'p',
      {
        class: 'kpi-value',
        'data-testid': `kpi-${card.kpi}`,
        'data-value': value === null ? '' : String(value),
        'aria-describedby': `kpi-label-${card.kpi}`,
      },
      [valueText],
    ),
    details,
    targetLine,
  ]);
}

/** Change against the previous period: relative for counts, amounts and waits, in points for rates and ROI. */
function changeOf(kind: Kind, value: number | null, before: number | null): number | null {
  if (value === null || before === null) {
    return null;
  }
  if (kind === 'rate' || kind === 'ratio') {
    return value - before;
  }
  return before === 0 ? null : (value - before) / before;
}

function formatChangeOf(kind: Kind, change: number): string {
  return kind === 'rate' || kind === 'ratio' ? formatPoints(change) : formatChange(change);
}
