import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SignatureExpiredError, SignatureInvalidError } from '#shared/ingest/errors';
import { constantTimeEquals, signHmac, signMeta, verifyGoogleKey, verifyHmac, verifyMeta } from '#shared/tenant/auth';

const body = Buffer.from('<adf><prospect/></adf>', 'utf8');
const now = new Date('2026-11-06T10:00:00Z');
const nowSeconds = now.getTime() / 1000;

describe('verifyHmac', () => {
  it('accepts a signature made with the same secret and a fresh timestamp', () => {
    expect(() => verifyHmac('s3cret', body, signHmac('s3cret', body, nowSeconds), now)).not.toThrow();
  });

  it('rejects a signature made with another secret', () => {
    expect(() => verifyHmac('s3cret', body, signHmac('other', body, nowSeconds), now)).toThrow(SignatureInvalidError);
  });

  it('rejects a body changed by one byte', () => {
    const header = signHmac('s3cret', body, nowSeconds);
    const altered = Buffer.from(body);
    altered[1] = 0x41;
    expect(() => verifyHmac('s3cret', altered, header, now)).toThrow(SignatureInvalidError);
  });

  it('rejects a timestamp older than five minutes', () => {
    expect(() => verifyHmac('s3cret', body, signHmac('s3cret', body, nowSeconds - 301), now)).toThrow(
      SignatureExpiredError,
    );
  });

  it('rejects a missing or malformed header', () => {
    expect(() => verifyHmac('s3cret', body, undefined, now)).toThrow(SignatureInvalidError);
    expect(() => verifyHmac('s3cret', body, 'v1=abc', now)).toThrow(SignatureInvalidError);
    expect(() => verifyHmac('s3cret', body, 't=abc,v1=abc', now)).toThrow(SignatureInvalidError);
  });

  it('accepts any matching v1 among several during a secret rotation', () => {
    const fresh = signHmac('new', body, nowSeconds);
    const stale = signHmac('old', body, nowSeconds).split(',')[1];
    expect(() => verifyHmac('new', body, `${fresh},${stale}`, now)).not.toThrow();
  });

  it('signs the timestamp and the raw bytes as the demo tenant documents', () => {
    const digest = createHmac('sha256', 'k').update('1700000000.{}').digest('hex');
    expect(signHmac('k', Buffer.from('{}'), 1_700_000_000)).toBe(`t=1700000000,v1=${digest}`);
  });
});

describe('verifyMeta', () => {
  it('accepts the sha256 signature of the raw body', () => {
    expect(() => verifyMeta('app', body, signMeta('app', body))).not.toThrow();
  });

  it('rejects a signature over other bytes', () => {
    expect(() => verifyMeta('app', body, signMeta('app', Buffer.from('x')))).toThrow(SignatureInvalidError);
  });

  it('rejects a header without the sha256= prefix', () => {
    expect(() => verifyMeta('app', body, signMeta('app', body).slice(7))).toThrow(SignatureInvalidError);
  });
});

describe('verifyGoogleKey', () => {
  it('accepts the configured key', () => {
    expect(() => verifyGoogleKey('key-1', 'key-1')).not.toThrow();
  });

  it('rejects a wrong or missing key', () => {
    expect(() => verifyGoogleKey('key-1', 'key-2')).toThrow(SignatureInvalidError);
    expect(() => verifyGoogleKey('key-1', null)).toThrow(SignatureInvalidError);
  });
});

describe('constantTimeEquals', () => {
  it('compares strings of different lengths without throwing', () => {
    expect(constantTimeEquals('abc', 'abcd')).toBe(false);
    expect(constantTimeEquals('abc', 'abc')).toBe(true);
  });
});
