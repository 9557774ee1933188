import { describe, expect, it } from 'vitest';
import {
  localDateIn,
  normaliseEmail,
  normalisePhone,
  parseDecimal,
  parseInteger,
  parseSubmittedAt,
} from '#shared/lead/normalise';

describe('normalisePhone', () => {
  it.each([
    ['06 39 98 00 01', '+33639980001'],
    ['06.39.98.00.01', '+33639980001'],
    ['+33 6 39 98 00 01', '+33639980001'],
    ['0033639980001', '+33639980001'],
    ['0033 6 39 98 00 05', '+33639980005'],
    ['639980001', '+33639980001'],
    ['01 45 00 00 01', '+33145000001'],
    ['0692 12 34 56', '+262692123456'],
    ['0262 12 34 56', '+262262123456'],
    ['0690 12 34 56', '+590690123456'],
    ['+32 470 12 34 56', '+32470123456'],
  ])('normalises %s to %s', (raw, expected) => {
    expect(normalisePhone(raw)).toBe(expected);
  });

  it.each([['004-92-58-76-11'], ['06 39 98'], ['not a phone'], [''], ['0'.repeat(80)]])('rejects %j', (raw) => {
    expect(normalisePhone(raw)).toBeNull();
  });

  it('keeps a French overseas number written with 00', () => {
    expect(normalisePhone('00262 692 12 34 56')).toBe('+262692123456');
  });

  it('rejects a foreign number written with 00 but keeps it written with +', () => {
    expect(normalisePhone('0032 470 12 34 56')).toBeNull();
    expect(normalisePhone('+32 470 12 34 56')).toBe('+32470123456');
  });

  it('reads national numbers in another default region', () => {
    expect(normalisePhone('0470 12 34 56', 'BE')).toBe('+32470123456');
  });
});

describe('normaliseEmail', () => {
  it('trims and lower-cases', () => {
    expect(normaliseEmail(' Camille.Fontaine@Example.FR ')).toBe('camille.fontaine@example.fr');
  });

  it.each([['camille'], ['camille@'], ['camille@example'], ['a b@example.fr'], ['']])('rejects %j', (raw) => {
    expect(normaliseEmail(raw)).toBeNull();
  });
});

describe('parseSubmittedAt', () => {
  const paris = 'Europe/Paris';

  it.each([
    ['2026-11-03T09:12:44+01:00', '2026-11-03T08:12:44.000Z'],
    ['2026-11-06T08:15:27Z', '2026-11-06T08:15:27.000Z'],
    ['2026-11-06T07:59:50+0000', '2026-11-06T07:59:50.000Z'],
    ['2026-11-06T07:59:50.123-05', '2026-11-06T12:59:50.123Z'],
    ['2026-11-06T19:45:03', '2026-11-06T18:45:03.000Z'],
    ['2026-07-06 19:45', '2026-07-06T17:45:00.000Z'],
    ['06/11/2026 19:45', '2026-11-06T18:45:00.000Z'],
    ['2026-11-06', '2026-11-05T23:00:00.000Z'],
    [1793951990, '2026-11-06T07:59:50.000Z'],
    ['1793951990', '2026-11-06T07:59:50.000Z'],
  ])('parses %j', (raw, expected) => {
    expect(parseSubmittedAt(raw, paris)?.toISOString()).toBe(expected);
  });

  it('reads a time without offset in the given zone', () => {
    expect(parseSubmittedAt('2026-11-06T19:45:03', 'Indian/Reunion')?.toISOString()).toBe('2026-11-06T15:45:03.000Z');
  });

  it('moves a time skipped by the spring DST change forward', () => {
    expect(parseSubmittedAt('2026-03-29T02:30:00', paris)?.toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });

  it('takes the first of two times repeated by the autumn DST change', () => {
    expect(parseSubmittedAt('2026-10-25T02:30:00', paris)?.toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('reads the hours around a DST change with their own offsets', () => {
    expect(parseSubmittedAt('2026-10-25T01:59:59', paris)?.toISOString()).toBe('2026-10-24T23:59:59.000Z');
    expect(parseSubmittedAt('2026-10-25T03:00:00', paris)?.toISOString()).toBe('2026-10-25T02:00:00.000Z');
  });

  it.each([
    ['yesterday'],
    ['2026-11-31T10:00:00Z'],
    ['2026-02-29T10:00:00Z'],
    ['2026-11-06T24:00:00Z'],
    ['2026-11-06T10:00:00+25:00'],
    ['1969-12-31T23:59:59Z'],
    [Number.NaN],
    [1e20],
    [''],
    [null],
  ])('returns null for %j', (raw) => {
    expect(parseSubmittedAt(raw, paris)).toBeNull();
  });

  it('accepts 29 February in a leap year', () => {
    expect(parseSubmittedAt('2028-02-29T10:00:00Z', paris)?.toISOString()).toBe('2028-02-29T10:00:00.000Z');
  });
});

describe('localDateIn', () => {
  it('formats the calendar date in the zone', () => {
    const instant = new Date('2026-11-06T23:30:00.000Z');

    expect(localDateIn(instant, 'Europe/Paris')).toBe('2026-11-07');
    expect(localDateIn(instant, 'America/Martinique')).toBe('2026-11-06');
  });
});

describe('parseDecimal', () => {
  it.each([
    ['24990', 24990],
    ['24 990,00', 24990],
    ['24\u202f990,50 €', 24990.5],
    ['EUR 24.990', 24990],
    ['24,990', 24990],
    ['1.234.567', 1234567],
    ['1,234.56', 1234.56],
    ['1.234,56', 1234.56],
    ['12,5', 12.5],
    ['-3', -3],
  ])('parses %j', (raw, expected) => {
    expect(parseDecimal(raw)).toBe(expected);
  });

  it.each([['sur demande'], [''], ['12abc34'], ['1,2,3.4.5'], ['.']])('returns null for %j', (raw) => {
    expect(parseDecimal(raw)).toBeNull();
  });
});

describe('parseInteger', () => {
  it.each([
    ['42150', 42150],
    ['42 150 km', 42150],
    ['2021', 2021],
  ])('parses %j', (raw, expected) => {
    expect(parseInteger(raw)).toBe(expected);
  });

  it.each([['12,5'], ['99999999999999999999'], ['km']])('returns null for %j', (raw) => {
    expect(parseInteger(raw)).toBeNull();
  });
});
