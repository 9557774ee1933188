/** Reading API Gateway HTTP API (payload 2.0) events. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** The body exactly as the client sent it: API Gateway base64-encodes bodies it does not treat as text. */
export function rawBody(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): Buffer {
  if (event.body === undefined || event.body === null) {
    return Buffer.alloc(0);
  }
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

/** Headers with lower-case names; HTTP API already lower-cases them, the copy guards direct invocations. */
export function headersOf(event: Pick<APIGatewayProxyEventV2, 'headers'>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) {
      headers[name.toLowerCase()] = value;
    }
  }
  return headers;
}

/** The media type of a Content-Type header, lower-cased and without parameters. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
