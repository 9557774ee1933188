/**
 * Business time between two instants, counted in a site's opening hours and time zone.
 *
 * Opening hours come from the tenant configuration: keys are day ranges (`mon-fri`) or single days (`sat`),
 * values are one or more `HH:MM-HH:MM` ranges separated by commas (`08:30-12:30,14:00-19:00`).
 * A day that no key names is closed.
 */
import { addDays, dateInTimeZone } from '#shared/kpi/dates';
import type { Site } from '#shared/tenant/model';

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
type Weekday = (typeof WEEKDAYS)[number];

/** One opening range of a day, in minutes after local midnight. */
interface OpeningRange {
  startMinute: number;
  endMinute: number;
}

const MINUTE_MS = 60_000;

/**
 * Returns the minutes of `site`'s opening hours between `from` and `to`, in the site's time zone.
 * Opening times are turned into instants day by day, so a day that gains or loses an hour at a DST change
 * keeps its wall-clock opening hours. The result is fractional when an instant falls inside a minute, and 0
 * when `to` is not after `from` or the site has no opening hours.
 *
 * @throws RangeError when an opening-hours key is not a day or a day range, or a range ends before it starts.
 */
export function businessMinutesBetween(from: Date, to: Date, site: Site): number {
  const fromMs = from.getTime();
  const toMs = to.getTime();
  if (!(toMs > fromMs)) {
    return 0;
  }
  const week = parseOpeningHours(site.openingHours);
  const lastDate = dateInTimeZone(to, site.timeZone);
  let totalMs = 0;

  for (let date = dateInTimeZone(from, site.timeZone); date <= lastDate; date = addDays(date, 1)) {
    const weekday = WEEKDAYS[new Date(`${date}T00:00:00Z`).getUTCDay()] as Weekday;
    for (const range of week.get(weekday) ?? []) {
      const openMs = localTimeToInstant(date, range.startMinute, site.timeZone);
      const closeMs = localTimeToInstant(date, range.endMinute, site.timeZone);
      const overlap = Math.min(closeMs, toMs) - Math.max(openMs, fromMs);
      if (overlap > 0) {
        totalMs += overlap;
      }
    }
  }
  return totalMs / MINUTE_MS;
}

/**
 * Parses opening hours into ranges per weekday. A single-day key (`wed`) takes precedence over a day range
 * that includes it (`mon-fri`), so a tenant can state one exception without splitting the range.
 */
export function parseOpeningHours(openingHours: Record<string, string>): Map<Weekday, OpeningRange[]> {
  const week = new Map<Weekday, OpeningRange[]>();
  const entries = Object.entries(openingHours).map(([key, value]) => ({ days: daysOfKey(key), value }));
  // Day ranges first, then single days, so a single day overwrites what a range set.
  entries.sort((left, right) => right.days.length - left.days.length);
  for (const { days, value } of entries) {
    const ranges = value.split(',').map(parseRange);
    for (const day of days) {
      week.set(day, ranges);
    }
  }
  return week;
}

function daysOfKey(key: string): Weekday[] {
  const [first, last, extra] = key.trim().toLowerCase().split('-');
  const start = WEEKDAYS.indexOf(first as Weekday);
  const end = last === undefined ? start : WEEKDAYS.indexOf(last as Weekday);
  if (start < 0 || end < 0 || extra !== undefined) {
    throw new RangeError(`Invalid opening-hours key "${key}": expected a day (mon) or a day range (mon-fri)`);
  }
  const days: Weekday[] = [];
  // A range may wrap around the week end (sat-mon).
  for (let index = start; ; index = (index + 1) % WEEKDAYS.length) {
    days.push(WEEKDAYS[index] as Weekday);
    if (index === end) {
      return days;
    }
  }
}

function parseRange(text: string): OpeningRange {
  const match = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(text.trim());
  if (!match) {
    throw new RangeError(`Invalid opening-hours range "${text}": expected HH:MM-HH:MM`);
  }
  const [, startHour, startMinute, endHour, endMinute] = match.map(Number) as number[];
  const range = {
    startMinute: (startHour as number) * 60 + (startMinute as number),
    endMinute: (endHour as number) * 60 + (endMinute as number),
  };
  if (range.endMinute <= range.startMinute || range.endMinute > 24 * 60) {
    throw new RangeError(`Invalid opening-hours range "${text}": the end must be after the start, at most 24:00`);
  }
  return range;
}

/**
 * Converts a wall-clock time of a local date into an instant. The zone's offset is read at a first guess and
 * read again at the result, which settles on the right side of a DST change. A wall-clock time inside the
 * spring-forward gap maps to the instant one offset step later.
 */
function localTimeToInstant(date: string, minuteOfDay: number, timeZone: string): number {
  const wallClockAsUtc = Date.parse(`${date}T00:00:00Z`) + minuteOfDay * MINUTE_MS;
  const firstGuess = wallClockAsUtc - zoneOffsetMs(wallClockAsUtc, timeZone);
  return wallClockAsUtc - zoneOffsetMs(firstGuess, timeZone);
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of the zone from UTC at an instant, in milliseconds (positive east of Greenwich). */
function zoneOffsetMs(instantMs: number, timeZone: string): number {
  let formatter = offsetFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    offsetFormatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(
    formatter.formatToParts(new Date(instantMs)).map((part) => [part.type, Number(part.value)]),
  ) as Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number>;
  const wallClockMs = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wallClockMs - (instantMs - (((instantMs % 1000) + 1000) % 1000));
}
