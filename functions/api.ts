/**
 * The KPI and lead API for group managers, site managers and finance: `GET /v1/kpis`, `GET /v1/leads`,
 * `GET /v1/leads/{leadId}`, `POST /v1/leads/{leadId}/events` and `PUT /v1/spend` behind the gateway's JWT
 * authorizer, and the OpenAPI document.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DynamoDbAggregateStore } from '#shared/adapters/aggregates-dynamodb';
import { createDocumentClient } from '#shared/adapters/dynamodb';
import { DynamoLeadEventStore } from '#shared/adapters/lead-events-dynamodb';
import { DynamoLeadRepository } from '#shared/adapters/lead-repository-dynamodb';
import { DynamoDbSpendStore } from '#shared/adapters/spend-dynamodb';
import { DynamoTenantRepository } from '#shared/adapters/tenant-repository-dynamodb';
import { callerFromEvent } from '#shared/api/caller';
import { getLead, listLeads } from '#shared/api/leads';
import { buildOpenApiDocument } from '#shared/api/openapi';
import { NotFoundError } from '#shared/errors';
import { correlation, httpErrorHandler } from '#shared/http/middleware';
import { jsonResponse } from '#shared/http/responses';
import {
  leadEventsBodySchema,
  leadListQuerySchema,
  leadPathSchema,
  parseJsonBody,
  spendBodySchema,
} from '#shared/http/schemas';
import { validate } from '#shared/http/validate';
import { kpiQueryParamsSchema, readKpis } from '#shared/kpi/read';
import { replaceSpend } from '#shared/kpi/spend';
import { leadEventsOf } from '#shared/lifecycle/events';
import { recordLeadEvents } from '#shared/lifecycle/record';
import { systemClock } from '#shared/ports/clock';
import { loadApiConfig } from './config';

const config = loadApiConfig();
const documentClient = createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION });
const leads = new DynamoLeadRepository({ client: documentClient, tableName: config.LEADS_TABLE_NAME });
const aggregates = new DynamoDbAggregateStore({ client: documentClient, tableName: config.AGGREGATES_TABLE_NAME });
const spend = new DynamoDbSpendStore({ client: documentClient, tableName: config.AGGREGATES_TABLE_NAME });
const lifecycle = {
  events: new DynamoLeadEventStore({ client: documentClient, tableName: config.LEADS_TABLE_NAME }),
  tenants: new DynamoTenantRepository({ client: documentClient, tableName: config.LEADS_TABLE_NAME }),
  clock: systemClock,
};

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;
type Route = (event: Event) => Promise<APIGatewayProxyStructuredResultV2>;

const routes: Record<string, Route> = {
  'GET /v1/kpis': async (event) => {
    const caller = callerFromEvent(event);
    const query = validate(kpiQueryParamsSchema, event.queryStringParameters, 'query');

    const sites = caller.sites === '*' ? '*' : [...caller.sites];
    const report = await readKpis(aggregates, { ...query, tenantId: caller.tenantId, sites }, spend);

    return jsonResponse(200, report);
  },

  'GET /v1/leads': async (event) => {
    const caller = callerFromEvent(event);
    const query = validate(leadListQuerySchema, event.queryStringParameters, 'query');

    const page = await listLeads(leads, caller, query);

    return jsonResponse(200, page);
  },

  'GET /v1/leads/{leadId}': async (event) => {
    const caller = callerFromEvent(event);
    const { leadId } = validate(leadPathSchema, event.pathParameters, 'path');

    const lead = await getLead(leads, caller, leadId);

    return jsonResponse(200, lead);
  },

  'POST /v1/leads/{leadId}/events': async (event) => {
    const caller = callerFromEvent(event);
    const { leadId } = validate(leadPathSchema, event.pathParameters, 'path');
    const body = validate(leadEventsBodySchema, parseJsonBody(event), 'body');

    const result = await recordLeadEvents(lifecycle, caller, leadId, leadEventsOf(body));

    return jsonResponse(202, result);
  },

  'PUT /v1/spend': async (event) => {
    const caller = callerFromEvent(event);
    const body = validate(spendBodySchema, parseJsonBody(event), 'body');

    const result = await replaceSpend(spend, caller, body.rows);

    return jsonResponse(200, result);
  },

  'GET /v1/openapi.json': async () => jsonResponse(200, buildOpenApiDocument()),
};

async function route(event: Event): Promise<APIGatewayProxyStructuredResultV2> {
  const target = routes[event.routeKey];
  if (!target) {
    throw new NotFoundError(`No route ${event.routeKey}`);
  }
  return target(event);
}

export const handler = middy(route).use(correlation()).use(httpErrorHandler());
