/** The filter bar: period presets or custom dates, site, source, campaign, category and basis. */
import { NotAvailableError } from './api';
import { el } from './dom';
import { BASES, CATEGORIES, type Filters, PERIOD_PRESETS, type PeriodPreset, presetRange, today } from './filters';
import { type MessageKey, t } from './i18n';
import { cachedReport, rowKey, siteLabel } from './views/kit';

const PRESET_LABELS: Record<PeriodPreset, MessageKey> = {
  'this-month': 'periodThisMonth',
  'last-month': 'periodLastMonth',
  'last-30-days': 'periodLast30Days',
  'this-year': 'periodThisYear',
  custom: 'periodCustom',
};

const CATEGORY_LABELS: Record<(typeof CATEGORIES)[number], MessageKey> = {
  VN: 'categoryVN',
  VO: 'categoryVO',
  APV: 'categoryAPV',
  other: 'categoryOther',
};

/** Renders the form; `apply` receives the new filters when the user submits it. */
export function filterForm(filters: Filters, apply: (next: Filters) => void): HTMLFormElement {
  const period = select('filter-period', t('filterPeriod'), [
    ...PERIOD_PRESETS.map((preset) => ({ value: preset, label: t(PRESET_LABELS[preset]) })),
  ]);
  period.input.value = filters.period;
  const from = dateInput('filter-from', t('filterFrom'), filters.from);
  const to = dateInput('filter-to', t('filterTo'), filters.to);
  const customDates = el('div', { class: 'custom-dates', hidden: filters.period !== 'custom' }, [from.field, to.field]);
  period.input.addEventListener('change', () => {
    customDates.hidden = period.input.value !== 'custom';
  });

  const site = select('filter-site', t('filterSite'), optionsWith(filters.site, siteLabel));
  const source = select('filter-source', t('filterSource'), optionsWith(filters.source));
  const campaign = select('filter-campaign', t('filterCampaign'), optionsWith(filters.campaign));
  site.input.value = filters.site ?? '';
  source.input.value = filters.source ?? '';
  campaign.input.value = filters.campaign ?? '';
  const category = select('filter-category', t('filterCategory'), [
    { value: '', label: t('filterAll') },
    ...CATEGORIES.map((value) => ({ value, label: t(CATEGORY_LABELS[value]) })),
  ]);
  category.input.value = filters.category ?? '';
  const basis = select(
    'filter-basis',
    t('filterBasis'),
    BASES.map((value) => ({ value, label: t(value === 'cohort' ? 'basisCohort' : 'basisActivity') })),
  );
  basis.input.value = filters.basis;

  // Option lists come from breakdowns of the same period; a breakdown the API lacks leaves the current value only.
  fillOptions(site.input, filters, 'site', siteLabel);
  fillOptions(source.input, filters, 'source');
  fillOptions(campaign.input, filters, 'campaign');

  const form = el('form', { class: 'filters', 'aria-label': t('filtersTitle'), 'data-testid': 'filters' }, [
    period.field,
    customDates,
    site.field,
    source.field,
    campaign.field,
    category.field,
    basis.field,
    el('div', { class: 'filter-actions' }, [
      el('button', { type: 'submit', class: 'button primary' }, [t('applyFilters')]),
    ]),
  ]);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const preset = PERIOD_PRESETS.find((value) => value === period.input.value) ?? 'this-month';
    const custom = preset === 'custom' && from.input.value && to.input.value && from.input.value <= to.input.value;
    const range = custom
      ? { from: from.input.value, to: to.input.value }
      : presetRange(preset === 'custom' ? 'this-month' : preset, today());
    const next: Filters = {
      period: custom ? 'custom' : preset === 'custom' ? 'this-month' : preset,
      ...range,
      basis: basis.input.value === 'activity' ? 'activity' : 'cohort',
    };
    for (const [name, input] of [
      ['site', site.input],
      ['source', source.input],
      ['campaign', campaign.input],
      ['category', category.input],
    ] as const) {
      if (input.value) {
        next[name] = input.value;
      }
    }
    apply(next);
  });
  return form;
}

function optionsWith(current: string | undefined, label: (value: string) => string = (value) => value) {
  return [{ value: '', label: t('filterAll') }, ...(current ? [{ value: current, label: label(current) }] : [])];
}

/** Adds the keys of a breakdown of the period (without its own filter) to a select. */
function fillOptions(
  input: HTMLSelectElement,
  filters: Filters,
  groupBy: 'site' | 'source' | 'campaign',
  label: (value: string) => string = (value) => value,
): void {
  const unfiltered: Filters = { ...filters, [groupBy]: undefined };
  cachedReport(unfiltered, groupBy).then(
    (report) => {
      const known = new Set([...input.options].map((option) => option.value));
      for (const row of report.rows) {
        const key = rowKey(row, groupBy);
        if (key && !known.has(key)) {
          input.append(el('option', { value: key }, [label(key)]));
          known.add(key);
        }
      }
    },
    (error: unknown) => {
      if (!(error instanceof NotAvailableError)) {
        console.warn(`Filter options of ${groupBy} failed to load`, error);
      }
    },
  );
}

function select(id: string, label: string, options: { value: string; label: string }[]) {
  const input = el(
    'select',
    { id, name: id },
    options.map((option) => el('option', { value: option.value }, [option.label])),
  );
  const field = el('div', { class: 'field' }, [el('label', { for: id }, [label]), input]);
  return { field, input };
}

function dateInput(id: string, label: string, value: string) {
  const input = el('input', { id, name: id, type: 'date', value });
  const field = el('div', { class: 'field' }, [el('label', { for: id }, [label]), input]);
  return { field, input };
}
