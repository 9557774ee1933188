/**
 * KPI reports as export tables. Columns come from the report itself: the group key first, then every figure
 * found in the rows and totals, flattened to a path (`rates.closeRate`), in the order the report gives them.
 * A new grouping or a new figure of the KPI report therefore appears in the exports without a change here.
 * Until `SEGMENT_LABELS` gets its translation, its header is the field name.
 */
import * as z from 'zod';
import type { Caller } from '#shared/api/caller';
import { type KpiReport, kpiQueryParamsSchema } from '#shared/kpi/read';
import { getKpiReport, type KpiReportDeps } from '#shared/kpi/report';
import type { TenantConfig } from '#shared/tenant/model';
import { CSV_CONTENT_TYPE, writeCsv } from './csv';
import { type CellKind, type CellValue, EXPORT_LOCALES, type ExportColumn, type ExportLocale } from './table';
import { writeXlsx, XLSX_CONTENT_TYPE } from './xlsx';

/** Query parameters of the KPI exports: those of `GET /v1/kpis`, plus the export language. */
export const exportLocaleQuerySchema = z.object({ locale: z.enum(EXPORT_LOCALES).default('fr') });
export const kpiExportQuerySchema = z.intersection(kpiQueryParamsSchema, exportLocaleQuerySchema);
export type KpiExportQuery = z.infer<typeof kpiExportQuerySchema>;

export type KpiExportFormat = 'csv' | 'xlsx';

/** An export file, ready for the response. */
export interface KpiExportFile {
  fileName: string;
  contentType: string;
  /** CSV text, or the XLSX bytes. */
  body: string | Uint8Array;
}

type Labels = Record<ExportLocale, string>;

/** Header of the group key column, by `groupBy`. */
const GROUP_LABELS: Record<string, Labels> = {
  source: { fr: 'Source', en: 'Source' },
  site: { fr: 'Site', en: 'Site' },
  channel: { fr: 'Canal', en: 'Channel' },
  day: { fr: 'Jour', en: 'Day' },
  team: { fr: 'Équipe', en: 'Team' },
  salesperson: { fr: 'Vendeur', en: 'Salesperson' },
  campaign: { fr: 'Campagne', en: 'Campaign' },
  category: { fr: 'Catégorie', en: 'Category' },
};

/**
 * Header words of each figure path segment. An empty label drops the segment from the header (`rates` and
 * `cost` group figures whose own names are explicit). Rate headers end in `(%)` because both CSV and XLSX show
 * rates as percentages.
 */
const SEGMENT_LABELS: Record<string, Labels> = {
  leads: { fr: 'Leads', en: 'Leads' },
  uniqueProspects: { fr: 'Prospects uniques', en: 'Unique prospects' },
  contacted: { fr: 'Contactés', en: 'Contacted' },
  handled: { fr: 'Traités', en: 'Handled' },
  handledWithinOneBusinessHour: { fr: 'Traités en 1 h ouvrée', en: 'Handled within 1 business hour' },
  appointments: { fr: 'Rendez-vous', en: 'Appointments' },
  appointmentsDue: { fr: 'Rendez-vous échus', en: 'Appointments due' },
  shows: { fr: 'Venues en concession', en: 'Shows' },
  testDrives: { fr: 'Essais', en: 'Test drives' },
  offers: { fr: 'Offres', en: 'Offers' },
  sales: { fr: 'Ventes', en: 'Sales' },
  salesWithin30Days: { fr: 'Ventes à 30 jours', en: 'Sales within 30 days' },
  salesWithin90Days: { fr: 'Ventes à 90 jours', en: 'Sales within 90 days' },
  revenue: { fr: "Chiffre d'affaires (€)", en: 'Revenue (EUR)' },
  grossMargin: { fr: 'Marge brute (€)', en: 'Gross margin (EUR)' },
  timeToFirstContact: { fr: 'Délai de premier contact', en: 'Time to first contact' },
  business: { fr: 'heures ouvrées', en: 'business hours' },
  raw: { fr: 'calendaire', en: 'calendar' },
  meanMinutes: { fr: 'moyenne (min)', en: 'mean (min)' },
  medianMinutes: { fr: 'médiane (min)', en: 'median (min)' },
  rates: { fr: '', en: '' },
  contactRate: { fr: 'Taux de contact (%)', en: 'Contact rate (%)' },
  handledRate: { fr: 'Taux de traitement (%)', en: 'Handled rate (%)' },
  handledWithinOneBusinessHourRate: {
    fr: 'Taux de traitement en 1 h ouvrée (%)',
    en: 'Handled within 1 business hour rate (%)',
  },
  appointmentRate: { fr: 'Taux de rendez-vous (%)', en: 'Appointment rate (%)' },
  showRate: { fr: 'Taux de venue (%)', en: 'Show rate (%)' },
  testDriveRate: { fr: "Taux d'essai (%)", en: 'Test drive rate (%)' },
  closeRate: { fr: 'Taux de transformation (%)', en: 'Close rate (%)' },
  closeRateWithin30Days: { fr: 'Taux de transformation à 30 jours (%)', en: 'Close rate within 30 days (%)' },
  closeRateWithin90Days: { fr: 'Taux de transformation à 90 jours (%)', en: 'Close rate within 90 days (%)' },
  cost: { fr: '', en: '' },
  spend: { fr: 'Dépenses (€)', en: 'Spend (EUR)' },
  costPerLead: { fr: 'Coût par lead (€)', en: 'Cost per lead (EUR)' },
  costPerSale: { fr: 'Coût par vente (€)', en: 'Cost per sale (EUR)' },
  roi: { fr: 'ROI (%)', en: 'ROI (%)' },
  target: { fr: 'objectif', en: 'target' },
};

/** Qualifiers of the comparison figures, appended to the figure's own header. */
const COMPARISON_LABELS: Record<'previous' | 'absolute' | 'relative', Labels> = {
  previous: { fr: 'période de comparaison', en: 'comparison period' },
  absolute: { fr: 'écart', en: 'difference' },
  relative: { fr: 'évolution (%)', en: 'change (%)' },
};

const MONEY_FIGURES = new Set(['spend', 'costPerLead', 'costPerSale', 'revenue', 'grossMargin']);

const TOTAL_LABEL: Labels = { fr: 'Total', en: 'Total' };
const UNASSIGNED_LABEL: Labels = { fr: 'Sans site', en: 'No site' };

export interface KpiExportOptions {
  locale: ExportLocale;
  /** Display names of group keys (site and salesperson names), shown in place of the ids. */
  keyLabels?: Readonly<Record<string, string>>;
}

/** A report figure found in the rows or totals: its path and whether every value seen is an integer. */
interface FigurePath {
  path: string[];
  allIntegers: boolean;
}

/**
 * Builds the table of a KPI report: one row per report row, then a totals row. Figures that a row lacks (the
 * `rates` of an activity report, the `cost` of channel rows) are empty cells.
 */
export function kpiExportTable(
  report: KpiReport,
  options: KpiExportOptions,
): { columns: ExportColumn[]; rows: CellValue[][] } {
  const groupBy: string = report.groupBy;
  const records = report.rows.map((row) => row as unknown as Record<string, unknown>);
  const totals = report.totals as unknown as Record<string, unknown>;
  const figures = new Map<string, FigurePath>();
  for (const record of [...records, totals]) {
    collectFigures(record, [], figures, groupBy);
  }
  const figureList = [...figures.values()];

  const keyColumn: ExportColumn = {
    header: GROUP_LABELS[groupBy]?.[options.locale] ?? groupBy,
    kind: groupBy === 'day' ? 'date' : 'text',
  };
  const columns = [keyColumn, ...figureList.map((figure) => figureColumn(figure, options.locale))];
  const rows = records.map((record) => [
    keyLabel(String(record[groupBy]), options),
    ...figureList.map((figure) => valueAt(record, figure.path)),
  ]);
  // In a `day` report the totals label sits in the date column; the writers keep a non-date string as text.
  rows.push([TOTAL_LABEL[options.locale], ...figureList.map((figure) => valueAt(totals, figure.path))]);
  return { columns, rows };
}

/** Walks an object's numeric and string leaves, adding each new path to `figures` in first-seen order. */
function collectFigures(
  value: Record<string, unknown>,
  prefix: string[],
  figures: Map<string, FigurePath>,
  groupBy: string,
) {
  for (const [name, child] of Object.entries(value)) {
    if (prefix.length === 0 && name === groupBy) {
      continue;
    }
    const path = [...prefix, name];
    if (child !== null && typeof child === 'object' && !Array.isArray(child)) {
      collectFigures(child as Record<string, unknown>, path, figures, groupBy);
      continue;
    }
    if (typeof child !== 'number' && typeof child !== 'string' && child !== null) {
      continue;
    }
    const key = path.join('.');
    const figure = figures.get(key) ?? { path, allIntegers: true };
    if (typeof child === 'number' && !Number.isInteger(child)) {
      figure.allIntegers = false;
    }
    figures.set(key, figure);
  }
}

/**
 * Splits a figure path into the figure's own segments and its comparison qualifier. `change` keys its figures
 * by dotted path (`change["rates.closeRate"].relative`), so dotted segments are split too.
 */
function splitFigurePath(path: readonly string[]): {
  segments: string[];
  qualifier?: keyof typeof COMPARISON_LABELS;
} {
  const segments = path.flatMap((segment) => segment.split('.'));
  if (segments[0] === 'previous') {
    return { segments: segments.slice(1), qualifier: 'previous' };
  }
  const last = segments.at(-1);
  if (segments[0] === 'change' && (last === 'absolute' || last === 'relative')) {
    return { segments: segments.slice(1, -1), qualifier: last };
  }
  return { segments };
}

function figureColumn(figure: FigurePath, locale: ExportLocale): ExportColumn {
  const { segments, qualifier } = splitFigurePath(figure.path);
  const labels = segments
    .map((segment) => SEGMENT_LABELS[segment]?.[locale] ?? segment)
    .filter((label) => label !== '');
  if (qualifier !== undefined) {
    labels.push(COMPARISON_LABELS[qualifier][locale]);
  }
  return { header: labels.join(' – '), kind: kindOf(figure) };
}

/**
 * Infers the kind of a figure from its name: `roi`, names with `rate` and relative changes are rates, known amounts
 * are money, the rest are counts when every value is an integer.
 */
function kindOf(figure: FigurePath): CellKind {
  const { segments, qualifier } = splitFigurePath(figure.path);
  const name = segments.at(-1) ?? '';
  if (qualifier === 'relative' || name === 'roi' || /rate/i.test(name)) {
    return 'rate';
  }
  if (MONEY_FIGURES.has(name)) {
    return 'money';
  }
  return figure.allIntegers ? 'integer' : 'decimal';
}

function valueAt(record: Record<string, unknown>, path: readonly string[]): CellValue {
  let value: unknown = record;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') {
      return null;
    }
    value = (value as Record<string, unknown>)[segment];
  }
  return typeof value === 'number' || typeof value === 'string' ? value : null;
}

function keyLabel(key: string, options: KpiExportOptions): string {
  if (key === 'unassigned' && options.keyLabels?.[key] === undefined) {
    return UNASSIGNED_LABEL[options.locale];
  }
  return options.keyLabels?.[key] ?? key;
}

/**
 * Display names of the group keys of a tenant: site names for `site`, salesperson names for `salesperson`;
 * other groupings show their keys as they are.
 */
export function groupKeyLabels(tenant: TenantConfig | undefined, groupBy: string): Record<string, string> {
  if (tenant === undefined) {
    return {};
  }
  if (groupBy === 'site') {
    return Object.fromEntries(tenant.sites.map((site) => [site.siteId, site.name]));
  }
  if (groupBy === 'salesperson') {
    return Object.fromEntries(tenant.team.map((member) => [member.salespersonId, member.name]));
  }
  return {};
}

/** File name of a KPI export: `leadpilot-kpis-<from>-<to>.<extension>`. */
export function kpiExportFileName(report: Pick<KpiReport, 'from' | 'to'>, extension: 'csv' | 'xlsx'): string {
  return `leadpilot-kpis-${report.from}-${report.to}.${extension}`;
}

/**
 * Exports the KPI report that `GET /v1/kpis` would return for the same caller and parameters, with site and
 * salesperson names in place of their ids.
 */
export async function exportKpis(
  deps: KpiReportDeps,
  caller: Caller,
  query: KpiExportQuery,
  format: KpiExportFormat,
): Promise<KpiExportFile> {
  const { locale, ...params } = query;
  const [report, tenant] = await Promise.all([getKpiReport(deps, caller, params), deps.tenants.get(caller.tenantId)]);
  const table = kpiExportTable(report, { locale, keyLabels: groupKeyLabels(tenant, report.groupBy) });
  const fileName = kpiExportFileName(report, format);
  if (format === 'csv') {
    return { fileName, contentType: CSV_CONTENT_TYPE, body: writeCsv(table, locale) };
  }
  return { fileName, contentType: XLSX_CONTENT_TYPE, body: writeXlsx(table, 'KPI') };
}
