/**
 * Byte and JSON decoding shared by the source parsers. Every failure becomes a `PayloadError`
 * whose message names the format and the problem, never a value from the payload.
 */
import type * as z from 'zod';
import { InvalidLeadError, MalformedPayloadError } from './errors';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes UTF-8 bytes (a leading BOM is dropped); throws `MalformedPayloadError` on invalid sequences. */
export function decodeUtf8(body: Uint8Array, payloadName: string): string {
  try {
    return utf8.decode(body);
  } catch (error) {
    throw new MalformedPayloadError(`${payloadName} is not valid UTF-8`, { cause: error });
  }
}

/** Integers with more digits than this may lose precision as a JavaScript number (2^53 has 16 digits). */
const MAX_SAFE_DIGITS = 15;
const LONG_DIGIT_RUN = new RegExp(`\\d{${MAX_SAFE_DIGITS + 1}}`);

/**
 * Wraps every bare integer literal of more than 15 digits in quotes, so that `JSON.parse` keeps
 * int64 ids (`9007199254740993`) as exact strings.
 *
 * Node 20 has no `context.source` in `JSON.parse` revivers, so the raw text is rewritten first.
 * The scan tracks string literals and their escapes; numbers with a fraction or an exponent
 * are left alone because ids are integers. The rewrite can turn invalid JSON into valid JSON
 * (a bare number used as an object key), so callers check the original text first
 * (see `parseJsonKeepingLongIntegers`).
 */
export function quoteLongIntegers(text: string): string {
  if (!LONG_DIGIT_RUN.test(text)) {
    return text;
  }
  let output = '';
  let copiedUpTo = 0;
  let index = 0;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === 0x22) {
      index = skipString(text, index);
      continue;
    }
    const isDigit = code >= 0x30 && code <= 0x39;
    if (!isDigit && code !== 0x2d) {
      index += 1;
      continue;
    }
    const end = numberEnd(text, index);
    const literal = text.slice(index, end);
    if (/^-?\d+$/.test(literal) && literal.replace('-', '').length > MAX_SAFE_DIGITS) {
      output += `${text.slice(copiedUpTo, index)}"${literal}"`;
      copiedUpTo = end;
    }
    index = Math.max(end, index + 1);
  }
  return output + text.slice(copiedUpTo);
}

/** Returns the index just after the string literal that opens at `start`, or the text length if unterminated. */
function skipString(text: string, start: number): number {
  let index = start + 1;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === 0x5c) {
      index += 2;
      continue;
    }
    if (code === 0x22) {
      return index + 1;
    }
    index += 1;
  }
  return text.length;
}

/** Returns the index just after the run of number characters (`-+.0-9eE`) that starts at `start`. */
function numberEnd(text: string, start: number): number {
  let index = start;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    const isNumberChar =
      (code >= 0x30 && code <= 0x39) ||
      code === 0x2d ||
      code === 0x2b ||
      code === 0x2e ||
      code === 0x65 ||
      code === 0x45;
    if (!isNumberChar) {
      break;
    }
    index += 1;
  }
  return index;
}

/**
 * Parses JSON text like `JSON.parse`, except that integers of more than 15 digits become strings.
 * Throws `SyntaxError` for invalid JSON, checked on the original text. The result still needs a zod schema.
 */
export function parseJsonKeepingLongIntegers(text: string): unknown {
  const rewritten = quoteLongIntegers(text);
  if (rewritten === text) {
    return JSON.parse(text);
  }
  JSON.parse(text);
  return JSON.parse(rewritten);
}

/**
 * Parses a UTF-8 JSON body with `parseJsonKeepingLongIntegers`.
 * Throws `MalformedPayloadError` when the bytes are not UTF-8 or not JSON.
 */
export function parseJsonBody(body: Uint8Array, payloadName: string): unknown {
  const text = decodeUtf8(body, payloadName);
  try {
    return parseJsonKeepingLongIntegers(text);
  } catch (error) {
    throw new MalformedPayloadError(`${payloadName} is not valid JSON`, { cause: error });
  }
}

/**
 * Validates `value` with `schema`, or throws `InvalidLeadError` listing each failing path and zod's message.
 * Zod's messages name the expected and received types, never the value itself.
 */
export function validatePayload<T>(schema: z.ZodType<T>, value: unknown, payloadName: string): T {
  const result = schema.safeParse(value);
  if (result.success) {
    return result.data;
  }
  const detail = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  throw new InvalidLeadError(`${payloadName} is invalid: ${detail}`, { cause: result.error });
}

/** Id fields that senders write either as JSON strings or as JSON numbers; both become strings. */
export function idToString(value: string | number): string {
  return typeof value === 'number' ? String(value) : value;
}
