/**
 * Webhook for lead deliveries: `POST /v1/webhooks/{tenantId}/{integrationId}` takes one payload in the
 * integration's format and responds with 202 `{leadIds, duplicates, pending}`; `GET` on the same route
 * completes Meta's subscription handshake.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createDocumentClient } from '#shared/adapters/dynamodb';
import { HttpGraphApi } from '#shared/adapters/graph-api-http';
import {
  DynamoLeadRepository,
  DynamoPendingFetchRepository,
  DynamoQuarantineRepository,
} from '#shared/adapters/lead-repository-dynamodb';
import { SecretsManagerStore } from '#shared/adapters/secret-store-aws';
import { FileSecretStore } from '#shared/adapters/secret-store-file';
import { DynamoTenantRepository } from '#shared/adapters/tenant-repository-dynamodb';
import { headersOf, rawBody } from '#shared/http/event';
import { correlation, httpErrorHandler } from '#shared/http/middleware';
import { jsonResponse, textResponse } from '#shared/http/responses';
import { webhookPathSchema } from '#shared/http/schemas';
import { validate } from '#shared/http/validate';
import { type IngestDependencies, ingestDelivery, verifySubscription } from '#shared/ingest/service';
import { webhookErrorMetrics } from '#shared/metrics';
import { systemClock } from '#shared/ports/clock';
import { loadWebhookConfig } from './config';

const config = loadWebhookConfig();
const documentClient = createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION });
const table = { client: documentClient, tableName: config.LEADS_TABLE_NAME };

const dependencies: IngestDependencies = {
  tenants: new DynamoTenantRepository(table),
  secrets:
    config.SECRETS_BACKEND === 'file'
      ? new FileSecretStore(config.SECRETS_FILE)
      : new SecretsManagerStore({ client: new SecretsManagerClient({ region: config.AWS_REGION }) }),
  leads: new DynamoLeadRepository({ ...table, retentionMonths: config.RETENTION_MONTHS }),
  quarantine: new DynamoQuarantineRepository(table),
  pending: new DynamoPendingFetchRepository(table),
  graph: new HttpGraphApi({ baseUrl: config.GRAPH_API_BASE_URL }),
  clock: systemClock,
};

async function receive(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const path = validate(webhookPathSchema, event.pathParameters, 'path');

  if (event.requestContext.http.method === 'GET') {
    const challenge = await verifySubscription(dependencies, { ...path, query: event.queryStringParameters ?? {} });
    return textResponse(200, challenge);
  }

  const result = await ingestDelivery(dependencies, { ...path, headers: headersOf(event), body: rawBody(event) });

  return jsonResponse(202, result);
}

// middy runs onError hooks last-registered first, so errors are counted before the error handler builds the response.
export const handler = middy(receive).use(correlation()).use(httpErrorHandler()).use(webhookErrorMetrics());
