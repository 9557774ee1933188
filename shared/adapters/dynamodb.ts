/** DynamoDB clients shared by the adapters. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Creates a document client. `endpoint` points at DynamoDB Local on the local stack and is unset in AWS.
 * Retries use the SDK's standard mode so throttling is absorbed before it reaches a caller.
 */
export function createDocumentClient(options: { endpoint?: string; region: string }): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    maxAttempts: 4,
    // Bounds an endpoint that accepts connections but never answers: four attempts stay well inside the
    // webhook's 15 s Lambda timeout, while DynamoDB answers in milliseconds when it is well.
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
    base64Decoder: decodeBase64,
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/**
 * Decodes the base64 text of a binary attribute. The SDK's own decoder first checks the text with a regular
 * expression, which took about a tenth of `GET /v1/kpis` on the aggregate blocks it reads (hundreds of
 * kilobytes). The text comes from DynamoDB over TLS, so Node's decoder reads it without that check.
 */
function decodeBase64(input: string): Uint8Array {
  const bytes = Buffer.from(input, 'base64');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
