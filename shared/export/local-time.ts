/** Wall-clock times of instants in a site's time zone, for exports that show local times. */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * Converts an ISO 8601 instant to its wall-clock time in an IANA time zone, as `yyyy-mm-ddThh:mm:ss`
 * (2026-03-04T17:26:00Z in Europe/Paris is `2026-03-04T18:26:00`). Seconds are truncated.
 *
 * @throws RangeError when the instant is not a valid date or the time zone is unknown.
 */
export function localDateTime(instant: string, timeZone: string): string {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) {
    throw new RangeError(`Invalid instant "${instant}": expected an ISO 8601 date-time`);
  }
  const parts: Record<string, string> = {};
  for (const part of formatterOf(timeZone).formatToParts(date)) {
    parts[part.type] = part.value;
  }
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}
