/**
 * Interpretation of the raw strings that source parsers extract: phones, emails, dates and numbers.
 * Each function returns null for a value it cannot read, and the caller decides whether to flag the lead.
 */
import { type CountryCode, type PhoneNumber, parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** Regions that share the French ten-digit national numbering plan (trunk prefix 0, international prefix 00). */
const FRENCH_PLAN_REGIONS = new Set<string>(['FR', 'RE', 'YT', 'GP', 'MQ', 'GF', 'PM', 'BL', 'MF']);

/** Country calling codes of France, its overseas departments and its Pacific territories. */
const FRENCH_CALLING_CODES = new Set(['33', '262', '508', '590', '594', '596', '681', '687', '689']);

/**
 * Leading digits (after the trunk 0) of the ranges that the French numbering plan gives to overseas
 * departments: 262/263/269 and 639/692/693 (La Réunion, Mayotte), 508 (Saint-Pierre-et-Miquelon),
 * 590/690/691 (Guadeloupe), 594/694 (Guyane), 596/696/697 (Martinique), 976 (VoIP).
 * Only these numbers pay for the extra parses in the overseas regions.
 */
const OVERSEAS_LEADING_DIGITS = /^(?:26[239]|508|59[046]|639|69[0-467]|976)/;

/** Overseas departments tried, in this order, for a national number that is not a metropolitan one. */
const FRENCH_OVERSEAS_REGIONS: CountryCode[] = ['RE', 'YT', 'GP', 'MQ', 'GF', 'PM'];

/**
 * Normalises a phone number to E.164 (`+33639980001`), or returns null when it is not a valid number.
 *
 * - Numbers written without `+` or `00` are read in `defaultRegion`'s national plan.
 * - With a French default region, a number written with the `00` international prefix is accepted only
 *   when it is French (`0033...`, `00262...`). A leading `00` there is more often a typing error than a
 *   foreign number: `004-92-58-76-11` (a Nice number with an extra 0) returns null instead of a German number.
 *   NOTE: a genuine foreign number written with `00` is therefore dropped; written with `+` it is kept.
 * - A French national number that the full metadata places in an overseas department keeps that
 *   department's country code: `0692 12 34 56` becomes `+262692123456`.
 *
 * Validity uses libphonenumber-js's full metadata. A French number of the right shape that the metadata
 * does not list as assigned is still accepted, because test leads and demos use the ranges reserved for
 * fiction, such as `06 39 98 xx xx`. Only the full metadata is bundled: it alone distinguishes the overseas
 * departments, and the webhook bundle has a size budget.
 */
export function normalisePhone(raw: string, defaultRegion = 'FR'): string | null {
  const digits = raw.replace(/\D/g, '');
  if (digits.length === 0 || raw.length > 64) {
    return null;
  }
  const isFrenchPlan = FRENCH_PLAN_REGIONS.has(defaultRegion);
  const hasPlus = raw.trimStart().startsWith('+');
  const hasInternationalPrefix = !hasPlus && digits.startsWith('00');

  const parsed = parsePhoneNumberFromString(raw, defaultRegion as CountryCode);
  if (!parsed || !(parsed.isValid() || isWellFormedFrenchNumber(parsed))) {
    return null;
  }
  if (isFrenchPlan && hasInternationalPrefix && !FRENCH_CALLING_CODES.has(parsed.countryCallingCode)) {
    return null;
  }

  const isNational = !hasPlus && !hasInternationalPrefix;
  if (
    isFrenchPlan &&
    isNational &&
    parsed.countryCallingCode === '33' &&
    OVERSEAS_LEADING_DIGITS.test(parsed.nationalNumber)
  ) {
    return overseasNumber(raw) ?? parsed.number;
  }
  return parsed.number;
}

/** Returns whether the number has the shape of every French number: +33 and nine digits not starting with 0. */
function isWellFormedFrenchNumber(parsed: PhoneNumber): boolean {
  return parsed.countryCallingCode === '33' && /^[1-9]\d{8}$/.test(parsed.nationalNumber);
}

/** Returns the E.164 form of a French national number that belongs to an overseas department, else null. */
function overseasNumber(raw: string): string | null {
  const metropolitan = parsePhoneNumberFromString(raw, 'FR');
  if (metropolitan?.isValid()) {
    return null;
  }
  for (const region of FRENCH_OVERSEAS_REGIONS) {
    const candidate = parsePhoneNumberFromString(raw, region);
    if (candidate?.isValid()) {
      return candidate.number;
    }
  }
  return null;
}

const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** Trims and lower-cases an email address; returns null when the result is not shaped like `local@domain.tld`. */
export function normaliseEmail(raw: string): string | null {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !EMAIL_PATTERN.test(email)) {
    return null;
  }
  return email;
}

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const FRENCH_DATE_TIME = /^(\d{2})\/(\d{2})\/(\d{4})(?:[ T](\d{2})[:h](\d{2})(?::(\d{2}))?)?$/i;
const EPOCH_SECONDS_TEXT = /^\d{10}$/;

/** Instants outside these years are treated as unreadable; they are typing errors, not lead dates. */
const MIN_YEAR = 1970;
const MAX_YEAR = 9999;

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/**
 * Parses the time a lead was submitted.
 *
 * Accepts ISO 8601 with an offset (`+01:00`, `+0100`, `+01`, `Z`), ISO 8601 without an offset and
 * `DD/MM/YYYY[ HH:MM[:SS]]`, both read as wall-clock time in `timeZone` (an IANA zone), and
 * epoch seconds (a number, or a string of ten digits).
 * A wall-clock time that a DST change skips is moved forward by the gap, and one that occurs twice
 * takes its first occurrence, as `Temporal`'s "compatible" disambiguation does.
 * Returns null for anything else, including impossible dates such as 31 November and years before 1970.
 * Throws `RangeError` when `timeZone` is not a time zone that `Intl` supports.
 */
export function parseSubmittedAt(raw: string | number | null, timeZone: string): Date | null {
  if (raw === null) {
    return null;
  }
  if (typeof raw === 'number') {
    return fromEpochSeconds(raw);
  }
  const text = raw.trim();
  if (EPOCH_SECONDS_TEXT.test(text)) {
    return fromEpochSeconds(Number(text));
  }

  const iso = ISO_DATE_TIME.exec(text);
  if (iso) {
    const [, year, month, day, hour, minute, second, fraction, offset] = iso;
    const wall = toWallTime(year, month, day, hour, minute, second, fraction);
    if (!wall) {
      return null;
    }
    return offset === undefined ? fromWallTime(wall, timeZone) : fromOffsetTime(wall, offset);
  }

  const french = FRENCH_DATE_TIME.exec(text);
  if (french) {
    const [, day, month, year, hour, minute, second] = french;
    const wall = toWallTime(year, month, day, hour, minute, second, undefined);
    return wall ? fromWallTime(wall, timeZone) : null;
  }
  return null;
}

function fromEpochSeconds(seconds: number): Date | null {
  if (!Number.isFinite(seconds)) {
    return null;
  }
  return withinRange(new Date(Math.round(seconds * 1000)));
}

function withinRange(date: Date): Date | null {
  const time = date.getTime();
  if (Number.isNaN(time)) {
    return null;
  }
  const year = date.getUTCFullYear();
  return year >= MIN_YEAR && year <= MAX_YEAR ? date : null;
}

function toWallTime(
  year: string | undefined,
  month: string | undefined,
  day: string | undefined,
  hour: string | undefined,
  minute: string | undefined,
  second: string | undefined,
  fraction: string | undefined,
): WallTime | null {
  const wall: WallTime = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour ?? 0),
    minute: Number(minute ?? 0),
    second: Number(second ?? 0),
    millisecond: fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0')),
  };
  const valid =
    wall.month >= 1 &&
    wall.month <= 12 &&
    wall.day >= 1 &&
    wall.day <= daysInMonth(wall.year, wall.month) &&
    wall.hour <= 23 &&
    wall.minute <= 59 &&
    wall.second <= 59;
  return valid ? wall : null;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const isLeapYear = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && isLeapYear ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

/** Milliseconds of the wall time as if it were UTC; `setUTCFullYear` keeps years 0-99 literal. */
function wallTimeAsUtc(wall: WallTime): number {
  const date = new Date(0);
  date.setUTCFullYear(wall.year, wall.month - 1, wall.day);
  date.setUTCHours(wall.hour, wall.minute, wall.second, wall.millisecond);
  return date.getTime();
}

const OFFSET_PATTERN = /^([+-])(\d{2}):?(\d{2})?$/;

function fromOffsetTime(wall: WallTime, offset: string): Date | null {
  if (offset.toUpperCase() === 'Z') {
    return withinRange(new Date(wallTimeAsUtc(wall)));
  }
  const match = OFFSET_PATTERN.exec(offset);
  if (!match) {
    return null;
  }
  const [, sign, hours, minutes] = match;
  const offsetMinutes = Number(hours) * 60 + Number(minutes ?? 0);
  if (Number(hours) > 18 || Number(minutes ?? 0) > 59) {
    return null;
  }
  const direction = sign === '-' ? -1 : 1;
  return withinRange(new Date(wallTimeAsUtc(wall) - direction * offsetMinutes * 60_000));
}

const DAY_MS = 86_400_000;

/** Converts a wall-clock time in `timeZone` to an instant, with "compatible" handling of DST gaps and overlaps. */
function fromWallTime(wall: WallTime, timeZone: string): Date | null {
  const asUtc = wallTimeAsUtc(wall);
  const offsetBefore = zoneOffsetMs(asUtc - DAY_MS, timeZone);
  const offsetAfter = zoneOffsetMs(asUtc + DAY_MS, timeZone);
  if (offsetBefore === offsetAfter) {
    return withinRange(new Date(asUtc - offsetBefore));
  }
  const candidates = [asUtc - offsetBefore, asUtc - offsetAfter].filter(
    (instant) => asUtc - zoneOffsetMs(instant, timeZone) === instant,
  );
  if (candidates.length > 0) {
    return withinRange(new Date(Math.min(...candidates)));
  }
  return withinRange(new Date(asUtc - offsetBefore));
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
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

/** Returns the wall-clock date and time of `instant` in `timeZone`, to the second. */
function wallTimeIn(instant: number, timeZone: string): WallTime {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const field = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((part) => part.type === type)?.value ?? 0);
  return {
    year: field('year'),
    month: field('month'),
    day: field('day'),
    hour: field('hour'),
    minute: field('minute'),
    second: field('second'),
    millisecond: 0,
  };
}

/** Offset of `timeZone` from UTC at `instant`, in milliseconds (positive east of Greenwich). */
function zoneOffsetMs(instant: number, timeZone: string): number {
  const wholeSecond = instant - (((instant % 1000) + 1000) % 1000);
  return wallTimeAsUtc(wallTimeIn(wholeSecond, timeZone)) - wholeSecond;
}

/** Formats an instant as its calendar date (`YYYY-MM-DD`) in `timeZone`. */
export function localDateIn(instant: Date, timeZone: string): string {
  const wall = wallTimeIn(instant.getTime(), timeZone);
  const pad = (value: number, width: number): string => String(value).padStart(width, '0');
  return `${pad(wall.year, 4)}-${pad(wall.month, 2)}-${pad(wall.day, 2)}`;
}

/**
 * Parses a decimal number written by a person: spaces (also non-breaking) as thousands separators,
 * `,` or `.` as decimal separator, and units or currency around it (`24 990,00 €`, `42 150 km`).
 *
 * When both separators occur, the last one is the decimal separator. A single separator followed by
 * exactly three digits (`24.990`, `42,150`) is read as a thousands separator, because prices and
 * odometers are not written to three decimals. Returns null when no number can be read.
 */
export function parseDecimal(raw: string): number | null {
  const compact = raw.replace(/[\s\u00a0\u202f']/g, '');
  const match = /^[^\d+-]{0,8}?([+-]?[\d.,]+)[^\d]{0,8}$/.exec(compact);
  const number = match?.[1];
  if (number === undefined || !/\d/.test(number)) {
    return null;
  }

  const lastDot = number.lastIndexOf('.');
  const lastComma = number.lastIndexOf(',');
  let canonical: string;
  if (lastDot >= 0 && lastComma >= 0) {
    const decimalMark = lastDot > lastComma ? '.' : ',';
    const groupMark = decimalMark === '.' ? ',' : '.';
    canonical = number.split(groupMark).join('').replace(decimalMark, '.');
  } else {
    canonical = number;
    if (lastDot >= 0) {
      canonical = withSingleMark(number, '.');
    } else if (lastComma >= 0) {
      canonical = withSingleMark(number, ',');
    }
  }

  if (!/^[+-]?(\d+(\.\d+)?|\.\d+)$/.test(canonical)) {
    return null;
  }
  const value = Number(canonical);
  return Number.isFinite(value) ? value : null;
}

function withSingleMark(number: string, mark: string): string {
  const groups = number.split(mark);
  const isGrouping = groups.length > 2 || groups[1]?.length === 3;
  return isGrouping ? groups.join('') : groups.join('.');
}

/** Parses a whole number with `parseDecimal`'s rules (`42 150 km`); returns null for fractions and unsafe integers. */
export function parseInteger(raw: string): number | null {
  const value = parseDecimal(raw);
  if (value === null || !Number.isSafeInteger(value)) {
    return null;
  }
  return value;
}
