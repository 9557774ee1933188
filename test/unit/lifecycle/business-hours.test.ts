import { describe, expect, it } from 'vitest';
import { businessMinutesBetween } from '#shared/lifecycle/business-hours';
import type { Site } from '#shared/tenant/model';
import { demoSite } from '#test/unit/lifecycle/factories';

function siteWithHours(openingHours: Record<string, string>, timeZone = 'Europe/Paris'): Site {
  return { siteId: 'test-site', name: 'Test', timeZone, aliases: [], openingHours };
}

const minutesBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 60_000;

describe('businessMinutesBetween', () => {
  it('counts 30 minutes from Saturday 18:30 to Monday 09:00 at Amiens Nord', () => {
    // Saturday 2026-11-07 18:30 and Monday 2026-11-09 09:00 in Paris (UTC+1).
    const from = '2026-11-07T17:30:00.000Z';
    const to = '2026-11-09T08:00:00.000Z';

    expect(businessMinutesBetween(new Date(from), new Date(to), demoSite('amiens-nord'))).toBe(30);
    expect(minutesBetween(from, to)).toBe(38.5 * 60);
  });

  it('skips the lunch break of a split range at Abbeville', () => {
    // Monday 2026-11-09 from 12:00 to 14:30 local: 12:00-12:30 and 14:00-14:30 are open.
    const minutes = businessMinutesBetween(
      new Date('2026-11-09T11:00:00.000Z'),
      new Date('2026-11-09T13:30:00.000Z'),
      demoSite('abbeville'),
    );

    expect(minutes).toBe(60);
  });

  it('uses the site time zone of La Réunion', () => {
    // Saturday 2026-11-07 11:00 to Monday 2026-11-09 09:00 in Indian/Reunion (UTC+4): 60 + 60 minutes.
    const minutes = businessMinutesBetween(
      new Date('2026-11-07T07:00:00.000Z'),
      new Date('2026-11-09T05:00:00.000Z'),
      demoSite('saint-denis-reunion'),
    );

    expect(minutes).toBe(120);
  });

  it('counts two real hours for 01:00-04:00 on the spring-forward Sunday', () => {
    const site = siteWithHours({ sun: '01:00-04:00' });

    const minutes = businessMinutesBetween(
      new Date('2026-03-28T12:00:00.000Z'),
      new Date('2026-03-30T12:00:00.000Z'),
      site,
    );

    expect(minutes).toBe(120);
  });

  it('counts four real hours for 01:00-04:00 on the fall-back Sunday', () => {
    const site = siteWithHours({ sun: '01:00-04:00' });

    const minutes = businessMinutesBetween(
      new Date('2026-10-24T12:00:00.000Z'),
      new Date('2026-10-26T12:00:00.000Z'),
      site,
    );

    expect(minutes).toBe(240);
  });

  it('keeps wall-clock opening hours across the spring-forward weekend', () => {
    // Saturday 2026-03-28 17:00 (UTC+1) to Monday 2026-03-30 09:00 (UTC+2) at Amiens Nord: 60 + 30 minutes.
    const minutes = businessMinutesBetween(
      new Date('2026-03-28T16:00:00.000Z'),
      new Date('2026-03-30T07:00:00.000Z'),
      demoSite('amiens-nord'),
    );

    expect(minutes).toBe(90);
  });

  it('lets a single day override the range that contains it', () => {
    const site = siteWithHours({ 'mon-fri': '08:00-18:00', wed: '14:00-18:00' });

    // Wednesday 2026-11-11 from 08:00 to 16:00 local.
    const minutes = businessMinutesBetween(
      new Date('2026-11-11T07:00:00.000Z'),
      new Date('2026-11-11T15:00:00.000Z'),
      site,
    );

    expect(minutes).toBe(120);
  });

  it('counts fractions of a minute', () => {
    const minutes = businessMinutesBetween(
      new Date('2026-11-09T08:00:00.000Z'),
      new Date('2026-11-09T08:00:30.000Z'),
      demoSite('amiens-nord'),
    );

    expect(minutes).toBe(0.5);
  });

  it('returns 0 when the end is not after the start', () => {
    const instant = new Date('2026-11-09T10:00:00.000Z');

    expect(businessMinutesBetween(instant, instant, demoSite('amiens-nord'))).toBe(0);
    expect(businessMinutesBetween(instant, new Date('2026-11-09T09:00:00.000Z'), demoSite('amiens-nord'))).toBe(0);
  });

  it('rejects an opening-hours key that is not a day', () => {
    const site = siteWithHours({ weekdays: '08:00-18:00' });

    expect(() => businessMinutesBetween(new Date(0), new Date(86_400_000), site)).toThrow(
      'Invalid opening-hours key "weekdays"',
    );
  });
});
