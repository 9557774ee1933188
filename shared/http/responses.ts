/** Structured HTTP API responses. */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS, ...headers },
    body: JSON.stringify(body),
  };
}

export function textResponse(statusCode: number, body: string): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS }, body };
}

/** `attachment` with an ASCII `filename` and the exact UTF-8 name in `filename*` (RFC 6266). */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  // RFC 5987 leaves ' ( ) * out of the characters allowed unencoded, and encodeURIComponent keeps them.
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** A file download: text goes as is, bytes as base64 with `isBase64Encoded`. */
export function attachmentResponse(
  statusCode: number,
  body: string | Uint8Array,
  contentType: string,
  fileName: string,
): APIGatewayProxyStructuredResultV2 {
  const binary = typeof body !== 'string';
  return {
    statusCode,
    headers: { 'content-type': contentType, 'content-disposition': contentDisposition(fileName), ...SECURITY_HEADERS },
    body: binary ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: binary,
  };
}

/** The error body of every 4xx and 5xx: `{"error":{"code","message"}}`. */
export function errorResponse(
  statusCode: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return jsonResponse(statusCode, { error: { code, message } }, headers);
}
