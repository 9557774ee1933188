import { describe, expect, it } from 'vitest';
import { parseJsonKeepingLongIntegers, quoteLongIntegers } from '#shared/sources/decode';

describe('quoteLongIntegers', () => {
  it.each([
    ['{"a":9007199254740993}', '{"a":"9007199254740993"}'],
    ['[-9223372036854775808,1]', '["-9223372036854775808",1]'],
    ['{"a":123456789012345}', '{"a":123456789012345}'],
    ['{"a":"9007199254740993"}', '{"a":"9007199254740993"}'],
    ['{"a":"x\\"9007199254740993"}', '{"a":"x\\"9007199254740993"}'],
    ['{"a":1.9007199254740993}', '{"a":1.9007199254740993}'],
    ['{"a":9007199254740993e2}', '{"a":9007199254740993e2}'],
  ])('rewrites %s as %s', (input, expected) => {
    expect(quoteLongIntegers(input)).toBe(expected);
  });
});

describe('parseJsonKeepingLongIntegers', () => {
  it('keeps long integers exact and short ones as numbers', () => {
    expect(parseJsonKeepingLongIntegers('{"form_id":9007199254740993,"campaign_id":20000000002}')).toEqual({
      form_id: '9007199254740993',
      campaign_id: 20000000002,
    });
  });

  it('rejects a long integer used as an object key', () => {
    expect(() => parseJsonKeepingLongIntegers('{9007199254740993:1}')).toThrow(SyntaxError);
  });
});
