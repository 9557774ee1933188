/**
 * Bounds on what a log line may contain. Request values (a URL path, a header, a body excerpt inside an error
 * message) are chosen by the client, so every logged string is cut to a fixed length.
 */

/** Maximum length of a logged string value, in UTF-16 code units. */
export const MAX_LOGGED_STRING_LENGTH = 256;

/** Stack frames kept from an error's stack; the frames nearest to the throw come first. */
const MAX_STACK_LINES = 30;

/**
 * Returns `value` unchanged when it fits in `maxLength`, else its first `maxLength` code units followed by a
 * marker that gives the number of characters cut. A surrogate pair at the cut is kept whole or dropped whole.
 */
export function truncateForLog(value: string, maxLength: number = MAX_LOGGED_STRING_LENGTH): string {
  if (value.length <= maxLength) {
    return value;
  }
  const lastKept = value.charCodeAt(maxLength - 1);
  const end = lastKept >= 0xd800 && lastKept <= 0xdbff ? maxLength - 1 : maxLength;
  return `${value.slice(0, end)}...[truncated ${value.length - end} characters]`;
}

/**
 * JSON replacer for the Powertools logger (`jsonReplacerFn`): cuts every string value with `truncateForLog`.
 * An error's `stack` is cut line by line, so that a long message in its first line does not hide the frames.
 */
export function truncatingJsonReplacer(key: string, value: unknown): unknown {
  if (typeof value !== 'string') {
    return value;
  }
  if (key === 'stack') {
    const lines = value.split('\n');
    const kept = lines.slice(0, MAX_STACK_LINES).map((line) => truncateForLog(line));
    if (lines.length > MAX_STACK_LINES) {
      kept.push(`...[truncated ${lines.length - MAX_STACK_LINES} lines]`);
    }
    return kept.join('\n');
  }
  return truncateForLog(value);
}
