import { describe, expect, it } from 'vitest';
import { InvalidObjectKeyError } from '#shared/lake/errors';
import {
  assertValidObjectKey,
  compactObjectKey,
  LAKE_KEY_TEMPLATE,
  objectKeyFor,
  parseObjectKey,
  partitionOf,
} from '#shared/lake/keys';
import { buildLakeRow as buildRow } from './lake-rows';

describe('partitionOf', () => {
  it('uses the UTC date of the event time', () => {
    const row = buildRow({ event_time_ms: Date.parse('2026-11-06T23:30:00.000Z'), local_date: '2026-11-07' });

    expect(partitionOf(row)).toEqual({ tenant: 'demo', dt: '2026-11-06' });
  });
});

describe('objectKeyFor', () => {
  const rows = [
    buildRow({ event_id: 'event-a' }),
    buildRow({ event_id: 'event-b' }),
    buildRow({ event_id: 'event-c' }),
  ];

  it('names a part object in the partition folder', () => {
    expect(objectKeyFor(rows)).toMatch(/^lead_changes\/tenant=demo\/dt=2026-11-06\/part-[0-9a-f]{24}\.parquet$/);
  });

  it('gives the same key whatever the row order', () => {
    expect(objectKeyFor([...rows].reverse())).toBe(objectKeyFor(rows));
  });

  it('gives another key for other event ids', () => {
    expect(objectKeyFor(rows.slice(0, 2))).not.toBe(objectKeyFor(rows));
  });

  it('rejects rows of two partitions', () => {
    const nextDay = buildRow({ event_time_ms: Date.parse('2026-11-07T00:00:00.000Z') });

    expect(() => objectKeyFor([...rows, nextDay])).toThrow(RangeError);
  });

  it('rejects zero rows', () => {
    expect(() => objectKeyFor([])).toThrow(RangeError);
  });
});

describe('compactObjectKey', () => {
  it('numbers split objects with five digits', () => {
    const partition = { tenant: 'demo', dt: '2026-11-06' };

    expect(compactObjectKey(partition, 'abc123')).toBe('lead_changes/tenant=demo/dt=2026-11-06/compact-abc123.parquet');
    expect(compactObjectKey(partition, 'abc123', 2)).toBe(
      'lead_changes/tenant=demo/dt=2026-11-06/compact-abc123-00002.parquet',
    );
  });
});

describe('parseObjectKey', () => {
  it('reads back the partition of a written key', () => {
    const key = objectKeyFor([buildRow()]);

    expect(parseObjectKey(key)).toEqual({ tenant: 'demo', dt: '2026-11-06', file: key.split('/').at(-1) });
  });

  it('returns null for keys outside the layout', () => {
    expect(parseObjectKey('lead_changes/tenant=demo/part-1.parquet')).toBeNull();
    expect(parseObjectKey('lead_changes/tenant=demo/dt=2026-11-06/part-1.json')).toBeNull();
    expect(parseObjectKey('other/tenant=demo/dt=2026-11-06/part-1.parquet')).toBeNull();
  });
});

/** Builds the literal text `${name}` that Glue partition projection templates use. */
function placeholder(name: string): string {
  return `\${${name}}`;
}

describe('LAKE_KEY_TEMPLATE', () => {
  it('names the placeholders that Glue partition projection fills in', () => {
    expect(LAKE_KEY_TEMPLATE).toBe(`lead_changes/tenant=${placeholder('tenant')}/dt=${placeholder('dt')}/`);
  });

  it('gives the folder of a real key once filled in', () => {
    const key = objectKeyFor([buildRow()]);
    const parsed = parseObjectKey(key);
    const folder = LAKE_KEY_TEMPLATE.replace(placeholder('tenant'), parsed?.tenant ?? '').replace(
      placeholder('dt'),
      parsed?.dt ?? '',
    );

    expect(`${folder}${parsed?.file}`).toBe(key);
  });
});

describe('assertValidObjectKey', () => {
  it.each(['', '/lead_changes/a', 'lead_changes//a', 'lead_changes/../a', './a', 'a/'])('rejects "%s"', (key) => {
    expect(() => assertValidObjectKey(key)).toThrow(InvalidObjectKeyError);
  });

  it('accepts a lake key', () => {
    expect(() => assertValidObjectKey('lead_changes/tenant=demo/dt=2026-11-06/part-1.parquet')).not.toThrow();
  });
});
