/**
 * Locale formats of the dashboard's figures. Every function returns the empty-value dash for null, which the
 * API sends for a ratio whose denominator is zero.
 */
import { LOCALES, language, t } from './i18n';

type Formatters = {
  integer: Intl.NumberFormat;
  euros: Intl.NumberFormat;
  percent: Intl.NumberFormat;
  signedPercent: Intl.NumberFormat;
  date: Intl.DateTimeFormat;
  dateTime: Intl.DateTimeFormat;
  time: Intl.DateTimeFormat;
};

const cache = new Map<string, Formatters>();

function formatters(): Formatters {
  const locale = LOCALES[language()];
  let entry = cache.get(locale);
  if (!entry) {
    entry = {
      integer: new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }),
      euros: new Intl.NumberFormat(locale, { style: 'currency', currency: 'EUR', minimumFractionDigits: 2 }),
      percent: new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }),
      signedPercent: new Intl.NumberFormat(locale, {
        style: 'percent',
        minimumFractionDigits: 1,
        maximumFractionDigits: 1,
        signDisplay: 'exceptZero',
      }),
      // Calendar dates of the API are local dates already; UTC keeps them from shifting by the browser's zone.
      date: new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' }),
      dateTime: new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'short', timeZone: 'Europe/Paris' }),
      time: new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Paris' }),
    };
    cache.set(locale, entry);
  }
  return entry;
}

export function formatInteger(value: number | null | undefined): string {
  return value == null ? t('emptyValue') : formatters().integer.format(value);
}

/** Formats an amount in EUR with two decimals (`1 234,50 €` in French). */
export function formatEuros(value: number | null | undefined): string {
  return value == null ? t('emptyValue') : formatters().euros.format(value);
}

/** Formats a ratio (0.4167) as a percentage with one decimal (`41,7 %` in French). */
export function formatPercent(value: number | null | undefined): string {
  return value == null ? t('emptyValue') : formatters().percent.format(value);
}

/** Formats a relative change (0.12) with its sign (`+12,0 %`). */
export function formatChange(value: number | null | undefined): string {
  return value == null ? t('emptyValue') : formatters().signedPercent.format(value);
}

/** Formats a `yyyy-mm-dd` calendar date (`04/03/2026`). */
export function formatDate(isoDate: string): string {
  const [year, month, day] = isoDate.split('-').map(Number);
  if (year === undefined || month === undefined || day === undefined) {
    return isoDate;
  }
  return formatters().date.format(new Date(Date.UTC(year, month - 1, day)));
}

/** Formats an ISO instant as a Paris date and time. */
export function formatDateTime(isoInstant: string): string {
  return formatters().dateTime.format(new Date(isoInstant));
}

export function formatTime(instant: Date): string {
  return formatters().time.format(instant);
}

/** Formats a wait in minutes: `42 min` below an hour, `2 h 05 min` from an hour on. */
export function formatMinutes(value: number | null | undefined): string {
  if (value == null) {
    return t('emptyValue');
  }
  if (value < 60) {
    return t('minutes', { value: formatters().integer.format(Math.round(value)) });
  }
  const rounded = Math.round(value);
  const hours = Math.floor(rounded / 60);
  return t('hoursMinutes', {
    hours: formatters().integer.format(hours),
    minutes: String(rounded % 60).padStart(2, '0'),
  });
}

/** Formats a byte count for the export progress (`12,3 Ko` in French, `12.3 kB` in English). */
export function formatBytes(bytes: number): string {
  const locale = LOCALES[language()];
  const [unit, divisor] = bytes >= 1024 * 1024 ? (['megabyte', 1024 * 1024] as const) : (['kilobyte', 1024] as const);
  return new Intl.NumberFormat(locale, { style: 'unit', unit, maximumFractionDigits: 1 }).format(bytes / divisor);
}

/** Formats a difference of two ratios in percentage points (`+2,5 pt`). */
export function formatPoints(difference: number): string {
  const points = new Intl.NumberFormat(LOCALES[language()], {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
    signDisplay: 'exceptZero',
  }).format(difference * 100);
  return t('points', { value: points });
}
