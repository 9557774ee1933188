import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_LOGGED_STRING_LENGTH, truncateForLog, truncatingJsonReplacer } from '#shared/log-safety';
import { logger } from '#shared/logger';

/** Captures what the logger writes to stdout and stderr, one entry per line. */
function captureOutput() {
  const lines: string[] = [];
  const record = (chunk: unknown) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(record);
  vi.spyOn(process.stderr, 'write').mockImplementation(record);
  return lines;
}

describe('truncateForLog', () => {
  it('keeps a string within the limit', () => {
    const value = 'a'.repeat(MAX_LOGGED_STRING_LENGTH);

    expect(truncateForLog(value)).toBe(value);
  });

  it('cuts a longer string and says how much', () => {
    expect(truncateForLog('abcdefghij', 4)).toBe('abcd...[truncated 6 characters]');
  });

  it('keeps a surrogate pair whole at the cut', () => {
    // '😀' is two UTF-16 code units; a cut after its first unit would leave a lone surrogate.
    expect(truncateForLog('abc😀def', 4)).toBe('abc...[truncated 5 characters]');
  });
});

describe('truncatingJsonReplacer', () => {
  it('cuts every string of an object, nested ones included', () => {
    const text = JSON.stringify(
      { header: 'h'.repeat(1000), nested: { body: ['b'.repeat(300)] }, count: 3 },
      (key, value) => truncatingJsonReplacer(key, value),
    );

    expect(JSON.parse(text)).toEqual({
      header: `${'h'.repeat(256)}...[truncated 744 characters]`,
      nested: { body: [`${'b'.repeat(256)}...[truncated 44 characters]`] },
      count: 3,
    });
  });

  it('cuts a stack line by line', () => {
    const stack = [`Error: ${'m'.repeat(1000)}`, '    at handler (functions/webhook.ts:1:1)'].join('\n');

    const lines = String(truncatingJsonReplacer('stack', stack)).split('\n');

    expect(lines).toEqual([
      `${`Error: ${'m'.repeat(1000)}`.slice(0, 256)}...[truncated 751 characters]`,
      '    at handler (functions/webhook.ts:1:1)',
    ]);
  });
});

describe('logger', () => {
  let lines: string[];

  beforeEach(() => {
    lines = captureOutput();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('cuts a long field and a long error message', () => {
    logger.error('Request failed', { path: `/v1/${'x'.repeat(20_000)}`, error: new Error('y'.repeat(20_000)) });

    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] ?? '{}');
    expect(entry.path).toBe(`/v1/${'x'.repeat(252)}...[truncated 19748 characters]`);
    expect(entry.error.message).toBe(`${'y'.repeat(256)}...[truncated 19744 characters]`);
    expect(lines[0]?.length).toBeLessThan(8_000);
  });
});
