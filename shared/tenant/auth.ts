/**
 * Webhook authentication schemes. Every check runs on the raw body bytes as received, before any parsing,
 * and compares in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureExpiredError, SignatureInvalidError } from '#shared/ingest/errors';

/** Maximum distance in seconds between the signed timestamp and the receiver's clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

function hmacHex(secret: string, parts: (string | Uint8Array)[]): string {
  const mac = createHmac('sha256', secret);
  for (const part of parts) {
    mac.update(part);
  }
  return mac.digest('hex');
}

/** Compares two strings in time that does not depend on where they differ. */
export function constantTimeEquals(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  // Comparing equal-length buffers keeps the time independent of the content; the length itself may leak,
  // which reveals nothing useful for HMAC digests of fixed size.
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

/**
 * Builds the `X-Signature` header value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
 */
export function signHmac(secret: string, body: Uint8Array, unixSeconds: number): string {
  const t = String(Math.floor(unixSeconds));
  return `t=${t},v1=${hmacHex(secret, [`${t}.`, body])}`;
}

/**
 * Verifies an `X-Signature` header; throws `SignatureInvalidError` or `SignatureExpiredError`.
 */
export function verifyHmac(secret: string, body: Uint8Array, header: string | undefined, now: Date): void {
  if (!header) {
    throw new SignatureInvalidError('Missing X-Signature header');
  }
  const fields = new Map<string, string[]>();
  for (const part of header.split(',')) {
    const [name, ...rest] = part.trim().split('=');
    if (name && rest.length > 0) {
      fields.set(name, [...(fields.get(name) ?? []), rest.join('=')]);
    }
  }
  const t = fields.get('t')?.[0];
  const signatures = fields.get('v1') ?? [];
  if (!t || !/^\d{1,12}$/.test(t) || signatures.length === 0) {
    throw new SignatureInvalidError('X-Signature must have the form t=<unix seconds>,v1=<hex digest>');
  }
  const skew = Math.abs(now.getTime() / 1000 - Number(t));
  if (skew > SIGNATURE_TOLERANCE_SECONDS) {
    throw new SignatureExpiredError(
      `X-Signature timestamp is ${Math.round(skew)} s away from the server clock (at most ${SIGNATURE_TOLERANCE_SECONDS} s)`,
    );
  }
  const expected = hmacHex(secret, [`${t}.`, body]);
  // Every candidate is compared so that the time does not reveal which one matched.
  const matches = signatures.map((signature) => constantTimeEquals(signature.toLowerCase(), expected));
  if (!matches.includes(true)) {
    throw new SignatureInvalidError('X-Signature does not match the body');
  }
}

/** Builds Meta's `X-Hub-Signature-256` header value: `sha256=<hex HMAC-SHA256 of the raw body>`. */
export function signMeta(appSecret: string, body: Uint8Array): string {
  return `sha256=${hmacHex(appSecret, [body])}`;
}

/** Verifies Meta's `X-Hub-Signature-256` header over the raw body; throws `SignatureInvalidError`. */
export function verifyMeta(appSecret: string, body: Uint8Array, header: string | undefined): void {
  if (!header?.startsWith('sha256=')) {
    throw new SignatureInvalidError('Missing or malformed X-Hub-Signature-256 header');
  }
  if (!constantTimeEquals(header.slice('sha256='.length).toLowerCase(), hmacHex(appSecret, [body]))) {
    throw new SignatureInvalidError('X-Hub-Signature-256 does not match the body');
  }
}

/** Verifies the `google_key` that Google Ads puts in the lead body; throws `SignatureInvalidError`. */
export function verifyGoogleKey(expectedKey: string, sentKey: string | null): void {
  if (sentKey === null || !constantTimeEquals(sentKey, expectedKey)) {
    throw new SignatureInvalidError('google_key does not match the integration key');
  }
}
