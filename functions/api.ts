/**
 * The KPI and lead API for group managers, site managers and finance: `GET /v1/kpis`, `GET /v1/leads`,
 * `GET /v1/leads/{leadId}`, `POST /v1/leads/{leadId}/events`, `PUT /v1/spend`, `PUT /v1/targets`,
 * `GET /v1/targets/attainment`, `GET /v1/kpis/pacing`, `GET /v1/kpis/live`, and the erasures of personal
 * data `DELETE /v1/leads/{leadId}` and `POST /v1/erasures`, the CSV and XLSX exports `GET /v1/kpis/export.csv`,
 * `GET /v1/kpis/export.xlsx` and `GET /v1/leads/export.csv`, the lead export jobs `POST /v1/leads/exports` and
 * `GET /v1/leads/exports/{exportId}`, behind the gateway's JWT authorizer, and the OpenAPI document.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DynamoDbAggregateStore } from '#shared/adapters/aggregates-dynamodb';
import { DynamoAuditTrail } from '#shared/adapters/audit-dynamodb';
import { createDocumentClient } from '#shared/adapters/dynamodb';
import { DynamoErasureStore } from '#shared/adapters/erasure-dynamodb';
import { DynamoLeadEventStore } from '#shared/adapters/lead-events-dynamodb';
import { DynamoLeadRepository } from '#shared/adapters/lead-repository-dynamodb';
import { DynamoDbLiveLeadStore } from '#shared/adapters/live-dynamodb';
import { SecretsManagerStore } from '#shared/adapters/secret-store-aws';
import { FileSecretStore } from '#shared/adapters/secret-store-file';
import { DynamoDbSpendStore } from '#shared/adapters/spend-dynamodb';
import { DynamoDbTargetStore } from '#shared/adapters/targets-dynamodb';
import { DynamoTenantRepository } from '#shared/adapters/tenant-repository-dynamodb';
import { callerFromEvent } from '#shared/api/caller';
import { getLead, listLeads } from '#shared/api/leads';
import { buildOpenApiDocument } from '#shared/api/openapi';
import { NotFoundError } from '#shared/errors';
import { CSV_CONTENT_TYPE } from '#shared/export/csv';
import { createExportStore } from '#shared/export/export-store';
import { exportKpis, type KpiExportFormat, kpiExportQuerySchema } from '#shared/export/kpi-export';
import { exportLeads } from '#shared/export/lead-export';
import { DynamoLeadExportJobStore } from '#shared/export/lead-export-job-dynamodb';
import { LambdaLeadExportLauncher } from '#shared/export/lead-export-launcher-lambda';
import { readLeadExport, startLeadExport } from '#shared/export/lead-export-status';
import { correlation, httpErrorHandler } from '#shared/http/middleware';
import { attachmentResponse, jsonResponse } from '#shared/http/responses';
import {
  erasureBodySchema,
  leadEventsBodySchema,
  leadExportBodySchema,
  leadExportPathSchema,
  leadExportQuerySchema,
  leadListQuerySchema,
  leadPathSchema,
  parseJsonBody,
  spendBodySchema,
} from '#shared/http/schemas';
import { validate } from '#shared/http/validate';
import { attainmentQuerySchema, readAttainment } from '#shared/kpi/attainment';
import { readLiveCounts } from '#shared/kpi/live-report';
import { pacingQuerySchema, readPacing } from '#shared/kpi/pacing';
import { kpiQueryParamsSchema } from '#shared/kpi/read';
import { getKpiReport } from '#shared/kpi/report';
import { replaceSpend } from '#shared/kpi/spend';
import { replaceTargets, targetsBodySchema } from '#shared/kpi/targets';
import { leadEventsOf } from '#shared/lifecycle/events';
import { recordLeadEvents } from '#shared/lifecycle/record';
import { systemClock } from '#shared/ports/clock';
import { eraseLead, erasePerson } from '#shared/privacy/erasure';
import { extendingRetention } from '#shared/privacy/retention';
import { loadApiConfig } from './config';

const config = loadApiConfig();
const documentClient = createDocumentClient({ endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION });
const leads = new DynamoLeadRepository({
  client: documentClient,
  tableName: config.LEADS_TABLE_NAME,
  retentionMonths: config.RETENTION_MONTHS,
});
const erasureStore = new DynamoErasureStore({ client: documentClient, tableName: config.LEADS_TABLE_NAME });
const aggregates = new DynamoDbAggregateStore({ client: documentClient, tableName: config.AGGREGATES_TABLE_NAME });
const spend = new DynamoDbSpendStore({ client: documentClient, tableName: config.AGGREGATES_TABLE_NAME });
const targets = new DynamoDbTargetStore({ client: documentClient, tableName: config.AGGREGATES_TABLE_NAME });
const liveLeads = new DynamoDbLiveLeadStore({ client: documentClient, tableName: config.AGGREGATES_TABLE_NAME });
const tenants = new DynamoTenantRepository({ client: documentClient, tableName: config.LEADS_TABLE_NAME });
const lifecycle = {
  // Each contact from the prospect pushes back the expiry of the lead's personal data.
  events: extendingRetention(
    new DynamoLeadEventStore({ client: documentClient, tableName: config.LEADS_TABLE_NAME }),
    erasureStore,
    config.RETENTION_MONTHS,
  ),
  tenants: new DynamoTenantRepository({ client: documentClient, tableName: config.LEADS_TABLE_NAME }),
  clock: systemClock,
};

const erasure = {
  store: erasureStore,
  personKeys: leads,
  audit: new DynamoAuditTrail({ client: documentClient, tableName: config.LEADS_TABLE_NAME }),
  secrets:
    config.SECRETS_BACKEND === 'file'
      ? new FileSecretStore(config.SECRETS_FILE)
      : new SecretsManagerStore({ client: new SecretsManagerClient({ region: config.AWS_REGION }) }),
  clock: systemClock,
};

const exportStore =
  config.EXPORTS_URI === undefined
    ? undefined
    : createExportStore(config.EXPORTS_URI, { linkSecret: config.EXPORTS_LINK_SECRET });
// A job needs both the worker and the store that it writes the file to.
const leadExportLauncher =
  config.LEAD_EXPORT_FUNCTION_NAME === undefined || exportStore === undefined
    ? undefined
    : new LambdaLeadExportLauncher({
        client: new LambdaClient({
          region: config.AWS_REGION,
          ...(config.LAMBDA_ENDPOINT ? { endpoint: config.LAMBDA_ENDPOINT } : {}),
        }),
        functionName: config.LEAD_EXPORT_FUNCTION_NAME,
      });
const leadExportJobs = {
  jobs: new DynamoLeadExportJobStore({ client: documentClient, tableName: config.LEADS_TABLE_NAME }),
  launcher: leadExportLauncher,
  exportStore,
  clock: systemClock,
};

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;
type Route = (event: Event) => Promise<APIGatewayProxyStructuredResultV2>;

function kpiExportRoute(format: KpiExportFormat): Route {
  return async (event) => {
    const caller = callerFromEvent(event);
    const query = validate(kpiExportQuerySchema, event.queryStringParameters, 'query');

    const file = await exportKpis({ aggregates, spend, tenants }, caller, query, format);

    return attachmentResponse(200, file.body, file.contentType, file.fileName);
  };
}

const routes: Record<string, Route> = {
  'GET /v1/kpis': async (event) => {
    const caller = callerFromEvent(event);
    const query = validate(kpiQueryParamsSchema, event.queryStringParameters, 'query');

    const report = await getKpiReport({ aggregates, spend, tenants: lifecycle.tenants }, caller, query);

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

  'DELETE /v1/leads/{leadId}': async (event) => {
    const caller = callerFromEvent(event);
    const { leadId } = validate(leadPathSchema, event.pathParameters, 'path');

    const result = await eraseLead(erasure, caller, leadId);

    return jsonResponse(200, result);
  },

  'POST /v1/erasures': async (event) => {
    const caller = callerFromEvent(event);
    const body = validate(erasureBodySchema, parseJsonBody(event), 'body');

    const result = await erasePerson(erasure, caller, body);

    return jsonResponse(200, result);
  },

  'PUT /v1/spend': async (event) => {
    const caller = callerFromEvent(event);
    const body = validate(spendBodySchema, parseJsonBody(event), 'body');

    const result = await replaceSpend(spend, caller, body.rows);

    return jsonResponse(200, result);
  },

  'PUT /v1/targets': async (event) => {
    const caller = callerFromEvent(event);
    const body = validate(targetsBodySchema, parseJsonBody(event), 'body');

    const result = await replaceTargets({ targets, tenants }, caller, body.rows);

    return jsonResponse(200, result);
  },

  'GET /v1/targets/attainment': async (event) => {
    const caller = callerFromEvent(event);
    const query = validate(attainmentQuerySchema, event.queryStringParameters, 'query');

    const report = await readAttainment({ aggregates, spend, targets, tenants, now: systemClock() }, caller, query);

    return jsonResponse(200, report);
  },

  'GET /v1/kpis/pacing': async (event) => {
    const caller = callerFromEvent(event);
    const { month } = validate(pacingQuerySchema, event.queryStringParameters, 'query');

    const report = await readPacing({ aggregates, spend, tenants, now: systemClock() }, caller, month);

    return jsonResponse(200, report);
  },

  'GET /v1/kpis/live': async (event) => {
    const caller = callerFromEvent(event);

    const report = await readLiveCounts({ live: liveLeads, tenants, now: systemClock() }, caller);

    return jsonResponse(200, report);
  },

  'GET /v1/kpis/export.csv': kpiExportRoute('csv'),

  'GET /v1/kpis/export.xlsx': kpiExportRoute('xlsx'),

  'GET /v1/leads/export.csv': async (event) => {
    const caller = callerFromEvent(event);
    const query = validate(leadExportQuerySchema, event.queryStringParameters, 'query');

    const result = await exportLeads({ leads, tenants }, caller, query);

    if (result.kind === 'inline') {
      return attachmentResponse(200, result.body, CSV_CONTENT_TYPE, result.fileName);
    }
    // Too large or too slow for a response: the same export continues as a job that the client polls.
    const job = await startLeadExport(leadExportJobs, caller, query);
    return jsonResponse(202, job, { location: job.statusUrl });
  },

  'POST /v1/leads/exports': async (event) => {
    const caller = callerFromEvent(event);
    const body = validate(leadExportBodySchema, parseJsonBody(event), 'body');

    const job = await startLeadExport(leadExportJobs, caller, body);

    return jsonResponse(202, job, { location: job.statusUrl });
  },

  'GET /v1/leads/exports/{exportId}': async (event) => {
    const caller = callerFromEvent(event);
    const { exportId } = validate(leadExportPathSchema, event.pathParameters, 'path');

    const job = await readLeadExport(leadExportJobs, caller, exportId);

    return jsonResponse(200, job);
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
