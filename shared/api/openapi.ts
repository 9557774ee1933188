/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the zod schemas that the handlers validate
 * requests with and from the response schemas in resource-schemas.ts. Served at `GET /v1/openapi.json`
 * and written to docs/openapi.json by infra/scripts/write-openapi.ts.
 */
import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import * as z from 'zod';
import { exportLocaleQuerySchema } from '#shared/export/kpi-export';
import { EXPORT_LINK_SECONDS, INLINE_EXPORT_TIME_BUDGET_MS, MAX_INLINE_EXPORT_BYTES } from '#shared/export/lead-export';
import { LEAD_EXPORT_JOB_TTL_SECONDS } from '#shared/export/lead-export-job';
import { leadExportJobViewSchema } from '#shared/export/lead-export-status';
import { XLSX_CONTENT_TYPE } from '#shared/export/xlsx';
import { ROUTES, type RouteDefinition } from '#shared/http/routes';
import {
  leadExportBodySchema,
  leadExportPathSchema,
  leadListQuerySchema,
  leadPathSchema,
  MAX_JSON_BODY_BYTES,
  MAX_LEAD_EXPORT_MONTHS,
  webhookPathSchema,
} from '#shared/http/schemas';
import { MAX_BODY_BYTES } from '#shared/ingest/limits';
import { pacingQuerySchema } from '#shared/kpi/pacing';
import { kpiQueryParamsSchema, MAX_KPI_RANGE_MONTHS } from '#shared/kpi/read';
import { MAX_SPEND_ROWS } from '#shared/kpi/spend';
import { MAX_TARGET_ROWS } from '#shared/kpi/targets';
import { MAX_EVENTS_PER_REQUEST } from '#shared/lifecycle/events';
import { SIGNATURE_TOLERANCE_SECONDS } from '#shared/tenant/auth';
import {
  adfXmlDocumentSchema,
  attainmentReportSchema,
  ERROR_STATUS,
  type ErrorCode,
  erasureRequestSchema,
  erasureResultSchema,
  errorBodySchema,
  gatewayErrorBodySchema,
  googleAdsLeadFormSchema,
  ingestResultSchema,
  kpiReportSchema,
  leadEventsRequestSchema,
  leadEventsResultSchema,
  leadPageSchema,
  leadSchema,
  liveReportSchema,
  metaLeadgenNotificationSchema,
  pacingReportSchema,
  spendRequestSchema,
  spendUploadResultSchema,
  targetsRequestSchema,
  targetUploadResultSchema,
  webFormJsonSchema,
  webFormUrlencodedSchema,
} from './resource-schemas';

/** The OpenAPI 3.1 document type of the generator, so callers need not import openapi3-ts themselves. */
export type OpenAPIObject = ReturnType<OpenApiGeneratorV31['generateDocument']>;

const BEARER_AUTH = 'bearerAuth';

/** Meaning of each error code, as the error responses describe it. */
const ERROR_MEANINGS: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'a path or query parameter or the JSON body is invalid; the message names each invalid field',
  MALFORMED_PAYLOAD: 'the body is not well-formed in its syntax (broken XML or JSON, undecodable text)',
  XML_DOCTYPE_FORBIDDEN: 'the XML declares a DOCTYPE or entities, which are rejected',
  UNAUTHORIZED: 'the bearer token lacks the tenant, role or sites claim',
  SIGNATURE_INVALID: 'the signature or key is missing or does not match the integration secret',
  SIGNATURE_EXPIRED: `the X-Signature timestamp is more than ${SIGNATURE_TOLERANCE_SECONDS} s away from the server clock`,
  FORBIDDEN: 'the caller role does not allow the operation',
  VERIFICATION_FAILED: 'hub.mode is not `subscribe`, hub.verify_token does not match, or the integration is not Meta',
  NOT_FOUND: 'no such resource, or the caller may not see it (both return 404 so ids cannot be probed)',
  INTEGRATION_NOT_FOUND: 'no such tenant or integration',
  GRAPH_LEAD_NOT_FOUND:
    'Meta only: the Graph API refused to return a lead of the notification (unknown id or missing permission)',
  GRAPH_API_UNAVAILABLE: 'Meta only: the Graph API did not return a lead after every retry',
  PAYLOAD_TOO_LARGE: `the body is larger than ${MAX_BODY_BYTES} bytes`,
  UNSUPPORTED_MEDIA_TYPE: "the Content-Type is not one of the integration format's types",
  INVALID_LEAD: "the body is well-formed but is not a lead of the integration's format",
  INTERNAL_ERROR: 'an unexpected error; the message is generic',
  DEPENDENCY_UNAVAILABLE: 'a store or upstream service failed; retry after the Retry-After delay',
  DEPENDENCY_THROTTLED: 'the lead store or the secret store is throttling; retry after the Retry-After delay',
};

const STATUS_TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable lead',
  429: 'Too many requests',
  500: 'Internal error',
  503: 'Service unavailable',
};

const retryAfterHeader = z.string().meta({ description: 'Seconds to wait before retrying.', examples: ['5'] });

/**
 * An error response whose body is `ErrorBody` restricted to `codes`, which must all have that status.
 * `gatewayAlternative` adds the gateway's own body for statuses that API Gateway also returns.
 */
function errorResponse(status: number, codes: ErrorCode[], gatewayAlternative?: string): ResponseConfig {
  const wrongStatus = codes.filter((code) => ERROR_STATUS[code] !== status);
  if (wrongStatus.length > 0) {
    throw new Error(
      `Error codes ${wrongStatus.join(', ')} do not have status ${status}; list them under the response of their status`,
    );
  }
  const body = errorBodySchema.and(
    z.object({ error: z.object({ code: z.enum(codes as [ErrorCode, ...ErrorCode[]]) }) }),
  );
  const lines = codes.map((code) => `- \`${code}\`: ${ERROR_MEANINGS[code]}.`);
  if (gatewayAlternative) {
    lines.push(`- \`{"message": ...}\` without a code: ${gatewayAlternative}.`);
  }
  return {
    description: `${STATUS_TITLES[status] ?? 'Error'}.\n\n${lines.join('\n')}`,
    headers: status === 503 || status === 429 ? z.object({ 'Retry-After': retryAfterHeader }) : undefined,
    content: {
      'application/json': { schema: gatewayAlternative ? z.union([body, gatewayErrorBodySchema]) : body },
    },
  };
}

/**
 * The 429 of a route: API Gateway's throttling body, or also LeadPilot's own `codes` (a throttled store) when
 * the route passes them.
 */
function throttledResponse(route: RouteDefinition, codes: ErrorCode[] = []): ResponseConfig {
  const gatewayLimit =
    `API Gateway throttles this route at ${route.throttleRatePerSecond} requests per second ` +
    `(bursts of ${route.throttleBurst}). Retry with backoff.`;
  if (codes.length === 0) {
    return {
      description: `Too many requests: ${gatewayLimit}`,
      content: { 'application/json': { schema: gatewayErrorBodySchema } },
    };
  }
  return errorResponse(429, codes, `the gateway's own throttling: ${gatewayLimit}`);
}

// ---------------------------------------------------------------------------------------------------------
// Operations

type OperationSpec = Omit<RouteConfig, 'method' | 'path' | 'security'>;

const WEBHOOK_AUTHENTICATION = [
  'Each integration format authenticates deliveries its own way. Signatures cover the raw body bytes as sent.',
  '',
  '- **ADF/XML and web forms** (`hmac-sha256`): header `X-Signature: t=<unix seconds>,v1=<hex>` where',
  '  `<hex>` is the HMAC-SHA256, keyed with the integration secret, of `<t>.<raw body>`. A timestamp more',
  `  than ${SIGNATURE_TOLERANCE_SECONDS} s away from the server clock is rejected. Several \`v1=\` entries are accepted; one must match.`,
  '- **Meta Lead Ads**: header `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`, keyed with the app secret.',
  '- **Google Ads lead forms**: the `google_key` field of the JSON body must equal the key configured on the form.',
  '',
  'No lead is stored unless the delivery is authentic. A payload that cannot be read is quarantined with its',
  'reason and rejected with 400, 415 or 422, so it can be replayed once the parser is fixed.',
].join('\n');

const LEAD_EVENTS_DESCRIPTION = [
  'Records what happened to a lead after it arrived: assignment, contacts, appointments, test drives, offers,',
  'sales and losses. CRM and DMS integrations send batches from their sync; a salesperson app may send one',
  'event at a time. Each event is stored at most once per `eventId`, so a whole batch can be retried after a',
  'timeout or re-sent by the next sync: events already stored are listed in `duplicates` and change nothing.',
  '',
  'Events may arrive late and out of order. After each request the lead status and lifecycle are recomputed',
  'from all its events ordered by `occurredAt` (then `eventId`), so the result does not depend on the order of',
  'arrival. KPIs pick the change up at the next nightly run.',
  '',
  'A `contacted` event of a `system` actor (an automated email or SMS) counts the lead as contacted but never',
  'as its first human contact, so it does not stop the time to first contact.',
  '',
  'Scope: the lead must belong to the tenant and to a site of the token, and a salesperson may only record',
  'events of leads assigned to them; other leads return 404. An `assigned` event must name a salesperson of',
  'the tenant team, or the request returns 400 and stores nothing. The finance role is read-only and gets 403.',
].join('\n');

const ERASE_LEAD_DESCRIPTION = [
  "Erases the lead's personal data: contact (names, email, phones, postal code, city), comments, consent,",
  'custom answers and click ids, the pseudonymous `personId`, the person-link entries that point at this lead,',
  "and the quarantined payloads that mention the lead's email or phones. The lead stays with its anonymous",
  'facts (source, site, dates, status, lifecycle), is marked `erased`, and still counts in KPIs. An audit',
  'record that names no erased value is kept and returned.',
  '',
  'Repeating the request is safe: it returns 200 with an empty `leadIds`. Only group admins may erase; other',
  'roles get 403. A lead of another tenant, or of a site the token does not cover, returns 404.',
].join('\n');

const ERASE_PERSON_DESCRIPTION = [
  "Erases, as for `DELETE /v1/leads/{leadId}`, every lead of the token's tenant whose email or phone is the",
  'one given, and the quarantined payloads that mention it. Use it for a request to be forgotten. The email',
  'is compared trimmed and lower-cased; the phone after normalisation to E.164.',
  '',
  'Finding the leads reads the whole lead table, so the route allows one request per second. Repeating the',
  'request is safe: nothing is left to match and `leadIds` is empty. Only group admins may erase.',
].join('\n');

const SPEND_DESCRIPTION = [
  'Stores monthly marketing spend, which gives the `cost` figures of `GET /v1/kpis` (spend, cost per lead,',
  'cost per sale, ROI). The rows replace all spend of every month they name, so send every row of a month,',
  'and a corrected upload leaves no stale row. Months not named are kept.',
  '',
  'KPI reports spread each month evenly over its days. Spend that names a site stays on that site. Spend',
  "without a site is spread over the sites by their share of the month's leads of the same source (and",
  "campaign, when the row names one); when that source had no lead, by their share of all the month's",
  'leads; when the tenant had no lead that month, it goes to `unassigned`.',
  '',
  'Only group admins and finance may upload spend; site managers and salespeople get 403.',
].join('\n');

const TARGETS_DESCRIPTION = [
  "Stores the sales managers' monthly targets, per group, site, team or salesperson and KPI, such as 90% of",
  'leads handled within one business hour (`handledWithinOneBusinessHourRate`, target `0.9`). The rows replace',
  'all targets of every month they name, so send every target of a month; months not named are kept.',
  '',
  'A site, team or salesperson that the tenant configuration lacks returns 400, as does a spend, cost or ROI',
  'target of a team or salesperson. Only group admins may set targets; other roles get 403.',
].join('\n');

const ATTAINMENT_DESCRIPTION = [
  'Each target of the month (or of the months `from` to `to`) next to the actual value of its KPI from the',
  'nightly aggregates, and whether it is attained. Rates, times and costs are read on the cohort basis (the',
  'leads created in the month); appointments, sales, revenue and gross margin on the activity basis (what',
  'happened in the month). For the current month the actual value covers the days up to yesterday, and',
  'additive KPIs (leads, prospects, appointments, sales, revenue, gross margin, spend) carry a projection to',
  'the month end.',
  '',
  'Team and salesperson targets are measured on the leads assigned to the salespeople of the team, or to the',
  'salesperson; they cannot name the spend KPIs, because spend is entered per source, campaign and site only.',
  '',
  'Callers that see every site see every target. A site manager sees the targets of their sites, of teams',
  'with a member at their sites and of salespeople of their sites; a salesperson sees only their own.',
].join('\n');

const LIVE_DESCRIPTION = [
  "Today's leads by site, kept live from the lead stream within seconds of each change: leads received, of",
  'those handled (contacted by a salesperson or the call centre), and waiting (nobody has contacted them yet).',
  "Each site's today is its own local date. Test leads are left out.",
  '',
  '`waitingLeads` lists the leads of today and the two days before that still wait for a first human contact,',
  'oldest first, with their wait in business minutes of the site and in calendar minutes.',
  '',
  'These counts serve today only. Once the nightly job has covered a day, `GET /v1/kpis` gives the',
  'authoritative figures of that day, and the live items expire a few days later.',
].join('\n');

const webhookHeaders = z.object({
  'X-Signature': z
    .string()
    .optional()
    .meta({
      description: 'ADF/XML and web-form integrations: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.',
      examples: ['t=1793952000,v1=5d41402abc4b2a76b9719d911017c592b5d41402abc4b2a76b9719d911017c59'],
    }),
  'X-Hub-Signature-256': z.string().optional().meta({
    description: 'Meta integrations: `sha256=<hex HMAC-SHA256 of the raw body>` keyed with the app secret.',
  }),
});

const webhookPath = z.object({
  tenantId: webhookPathSchema.shape.tenantId.meta({ description: 'The tenant (dealer group) id.' }),
  integrationId: webhookPathSchema.shape.integrationId.meta({
    description: 'The integration id; it selects the payload format and the authentication scheme.',
  }),
});

const leadPath = z.object({
  leadId: leadPathSchema.shape.leadId.meta({ description: 'Lead id: `ld_` and 26 base32 characters.' }),
});

const handshakeQuery = z.object({
  'hub.mode': z.literal('subscribe').meta({ description: 'Always `subscribe`.' }),
  'hub.verify_token': z.string().meta({ description: 'The verify token configured on the integration.' }),
  'hub.challenge': z.string().min(1).meta({ description: 'Echoed back as the response body on success.' }),
});

const leadListQuery = z.object({
  ...leadListQuerySchema.shape,
  from: leadListQuerySchema.shape.from.meta({ description: 'First local date, `YYYY-MM-DD`, included.' }),
  to: leadListQuerySchema.shape.to.meta({
    description: 'Last local date, `YYYY-MM-DD`, included; not before `from`.',
  }),
  site: leadListQuerySchema.shape.site.meta({ description: 'Only leads of this site id.' }),
  source: leadListQuerySchema.shape.source.meta({ description: 'Only leads of this marketing source.' }),
  limit: leadListQuerySchema.shape.limit.meta({ description: 'Page size.' }),
  cursor: leadListQuerySchema.shape.cursor.meta({ description: '`nextCursor` of the previous page.' }),
});

const kpiQuery = z.object({
  ...kpiQueryParamsSchema.shape,
  from: kpiQueryParamsSchema.shape.from.meta({
    description: 'First local date, `YYYY-MM-DD`, included.',
    format: 'date',
  }),
  to: kpiQueryParamsSchema.shape.to.meta({
    description: `Last local date, \`YYYY-MM-DD\`, included; not before \`from\` and less than ${MAX_KPI_RANGE_MONTHS} months after it.`,
    format: 'date',
  }),
  groupBy: kpiQueryParamsSchema.shape.groupBy.meta({
    description:
      'What each row of the report groups leads by. Rows grouped by `channel`, `category`, `salesperson` or ' +
      "`team` have no cost. `team` comes from the tenant's team list.",
  }),
  basis: kpiQueryParamsSchema.shape.basis.meta({
    description:
      '`cohort`: what became of the leads created in the range, so recent figures grow as later events arrive. ' +
      '`activity`: what happened on the days of the range, whatever day the lead was created; counts, sums and ' +
      'waits only, with `rates` null.',
  }),
  site: kpiQueryParamsSchema.shape.site.meta({ description: 'Only this site id (within the sites of the token).' }),
  source: kpiQueryParamsSchema.shape.source.meta({ description: 'Only leads of this marketing source.' }),
  campaign: kpiQueryParamsSchema.shape.campaign.meta({
    description: 'Only leads of this campaign id; empty for leads with no campaign.',
  }),
  channel: kpiQueryParamsSchema.shape.channel.meta({ description: 'Only leads of this channel.' }),
  category: kpiQueryParamsSchema.shape.category.meta({
    description: 'Only leads of this category (`VN`, `VO`, `APV`).',
  }),
  salesperson: kpiQueryParamsSchema.shape.salesperson.meta({
    description:
      'Only this salesperson id; empty for leads with no salesperson. Tokens of the `salesperson` role always see their own figures only.',
  }),
  team: kpiQueryParamsSchema.shape.team.meta({
    description: "Only the salespeople of this team of the tenant's team list.",
  }),
  compare: kpiQueryParamsSchema.shape.compare.meta({
    description:
      '`previous-period`: the same number of days just before `from`. `previous-year`: the same dates a year ' +
      'earlier (29 February becomes 28 February). Adds `previous` and `change` to the totals and every row.',
  }),
});

const monthQueryParameter = (description: string) =>
  z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
    .optional()
    .meta({ description });

// The handler's schema transforms `month` into `from` and `to`, so the document states the parameters as sent.
const attainmentQuery = z.object({
  month: monthQueryParameter('The month, `YYYY-MM`; required unless `from` and `to` are given.'),
  from: monthQueryParameter('First month, `YYYY-MM`, with `to` and without `month`.'),
  to: monthQueryParameter(`Last month, \`YYYY-MM\`, less than ${MAX_KPI_RANGE_MONTHS} months after \`from\`.`),
});

const pacingQuery = z.object({
  month: pacingQuerySchema.shape.month.meta({ description: 'The month, `YYYY-MM`.', examples: ['2026-06'] }),
});

const exportLocale = exportLocaleQuerySchema.shape.locale.meta({
  description:
    '`fr`: French headers; CSV with `;` between fields and a decimal comma, as French Excel opens it. ' +
    '`en`: English headers; CSV with `,` and a decimal point.',
});

const kpiExportQuery = z.object({ ...kpiQuery.shape, locale: exportLocale });

const leadExportQuery = z.object({
  from: leadListQuery.shape.from,
  to: leadListQuery.shape.to,
  site: leadListQuery.shape.site,
  source: leadListQuery.shape.source,
  locale: exportLocale,
});

const attachmentHeaders = z.object({
  'Content-Disposition': z.string().meta({
    description: 'Always `attachment`, with the file name.',
    examples: ['attachment; filename="leadpilot-kpis-2026-03-01-2026-03-31.csv"'],
  }),
});

const jobLocationHeaders = z.object({
  Location: z.string().meta({
    description: 'Path of the job: `GET` it to follow the export.',
    examples: ['/v1/leads/exports/0b9f4f5e-8f0e-4a57-9a43-6f1f3c2f8d21'],
  }),
});

const CSV_FORMAT = [
  'CSV: UTF-8 with a byte order mark, CRLF line ends, a header line, no `sep=` line. Fields with the separator,',
  'a double quote or a line break are quoted (RFC 4180). Rates are percentages with two decimals and no `%`',
  'sign (`41,67` in `fr`, `41.67` in `en`), amounts in EUR have two decimals, empty fields are null figures.',
  "Text that starts with `=`, `+`, `-` or `@` gets a leading `'` so that Excel does not run it as a formula.",
].join(' ');

function kpiExportSpec(route: RouteDefinition, format: 'csv' | 'xlsx'): OperationSpec {
  const mediaType = format === 'csv' ? 'text/csv' : XLSX_CONTENT_TYPE;
  const formatDescription =
    format === 'csv'
      ? CSV_FORMAT
      : 'XLSX: one sheet with a frozen header row and typed cells: counts as numbers, rates with the `0.00%` ' +
        'format, amounts with `#,##0.00 "€"`, days as dates.';
  return {
    operationId: format === 'csv' ? 'exportKpisCsv' : 'exportKpisXlsx',
    tags: ['KPIs'],
    summary: `Export lead KPIs as ${format.toUpperCase()}`,
    description:
      'The report of `GET /v1/kpis` for the same parameters, as a file: the group key (site and salesperson ' +
      'names in place of ids), then every figure of the report as a column, then a totals row. ' +
      `${formatDescription} The file is named \`leadpilot-kpis-<from>-<to>.${format}\`.`,
    request: { query: kpiExportQuery },
    responses: {
      200: {
        description: 'The export file.',
        headers: attachmentHeaders,
        content: {
          [mediaType]: { schema: z.string().meta({ contentMediaType: mediaType }) },
        },
      },
      400: errorResponse(400, ['VALIDATION_FAILED']),
      401: errorResponse(401, ['UNAUTHORIZED'], 'the gateway rejected a missing, expired or invalid token'),
      429: throttledResponse(route),
      500: errorResponse(500, ['INTERNAL_ERROR']),
      503: errorResponse(503, ['DEPENDENCY_UNAVAILABLE']),
    },
  };
}

const LEAD_EXPORT_DESCRIPTION = [
  'The leads that `GET /v1/leads` would list for the same filters, every page, as one CSV file named',
  '`leadpilot-leads-<from>-<to>.csv`. Columns: lead id, received at and first human contact (site time,',
  '`dd/mm/yyyy hh:mm:ss` in `fr`), site name, source, channel, campaign, category, status, assigned',
  'salesperson, time to first contact in business and calendar minutes, then the personal fields (first and',
  'last name, full name, email, phones, postal code, city).',
  `A range covers at most ${MAX_LEAD_EXPORT_MONTHS} months: \`to\` is before \`from\` plus ${MAX_LEAD_EXPORT_MONTHS} months.`,
  '',
  `When the file is small enough for a response (about ${Math.floor(MAX_INLINE_EXPORT_BYTES / 1024 / 1024)} MB) and its leads`,
  `are read within ${INLINE_EXPORT_TIME_BUDGET_MS / 1000} seconds, it is the 200 body. Otherwise the request stops reading and`,
  'starts the same export as a job, exactly as `POST /v1/leads/exports` does, and the response is 202 with the',
  'job; poll its `Location` (`GET /v1/leads/exports/{exportId}`) until `status` is `succeeded`, then download',
  '`downloadUrl`. Clients that expect large exports can call `POST /v1/leads/exports` directly.',
  '',
  CSV_FORMAT,
].join('\n');

const LEAD_EXPORT_JOB_DESCRIPTION = [
  'Starts an export of the leads that `GET /v1/leads` would list for the same filters, as the CSV file of',
  "`GET /v1/leads/export.csv`, in a background job without that route's size and time limits. The response",
  "is 202 with the job, `queued`; its `Location` is the job's status URL.",
  `A range covers at most ${MAX_LEAD_EXPORT_MONTHS} months, as for \`GET /v1/leads/export.csv\`.`,
  '',
  'Poll `GET /v1/leads/exports/{exportId}` about once a second: `rowCount` and `byteCount` grow page by page',
  'while the job is `running`. Once `succeeded`, the job has a `downloadUrl` that needs no token and expires',
  `after ${EXPORT_LINK_SECONDS / 60} minutes; each read signs a new one. Only the user who started the job can`,
  `read it, and the job and its file are deleted ${LEAD_EXPORT_JOB_TTL_SECONDS / 3600} hours after it started.`,
].join('\n');

/** The operation of every route, keyed like API Gateway route keys (`GET /v1/leads`). */
function operationSpecs(): Record<string, (route: RouteDefinition) => OperationSpec> {
  return {
    'GET /v1/webhooks/{tenantId}/{integrationId}': (route) => ({
      operationId: 'verifyWebhookSubscription',
      tags: ['Webhooks'],
      summary: "Answer Meta's subscription handshake",
      description:
        'Meta calls this once when the webhook is subscribed. When `hub.verify_token` matches the verify ' +
        'token of the integration, the response body is `hub.challenge` as plain text. Only Meta integrations support it.',
      request: { params: webhookPath, query: handshakeQuery },
      responses: {
        200: { description: 'The challenge, echoed.', content: { 'text/plain': { schema: z.string() } } },
        400: errorResponse(400, ['VALIDATION_FAILED']),
        403: errorResponse(403, ['VERIFICATION_FAILED']),
        404: errorResponse(404, ['INTEGRATION_NOT_FOUND']),
        429: throttledResponse(route),
        500: errorResponse(500, ['INTERNAL_ERROR']),
        503: errorResponse(503, ['DEPENDENCY_UNAVAILABLE']),
      },
    }),

    'POST /v1/webhooks/{tenantId}/{integrationId}': (route) => ({
      operationId: 'deliverLeads',
      tags: ['Webhooks'],
      summary: 'Deliver leads',
      description:
        "Takes one payload in the integration's format and stores each lead once. Lead ids derive from the " +
        "tenant, the integration and the sender's lead id, so a redelivery returns 202 again and lists the lead " +
        `in \`duplicates\`. Bodies are limited to ${MAX_BODY_BYTES} bytes.\n\n${WEBHOOK_AUTHENTICATION}`,
      request: {
        params: webhookPath,
        headers: webhookHeaders,
        body: {
          required: true,
          description:
            "One payload in the integration's format. JSON bodies are read according to the integration format " +
            '(Google Ads lead form, Meta leadgen notification or web form), not guessed from the content.',
          content: {
            'application/xml': { schema: adfXmlDocumentSchema },
            'application/json': {
              schema: z.union([googleAdsLeadFormSchema, metaLeadgenNotificationSchema, webFormJsonSchema]),
            },
            'application/x-www-form-urlencoded': { schema: webFormUrlencodedSchema },
          },
        },
      },
      responses: {
        202: {
          description: 'Accepted: every lead is stored, or pending a Graph API fetch for Meta.',
          content: { 'application/json': { schema: ingestResultSchema } },
        },
        400: errorResponse(400, ['VALIDATION_FAILED', 'MALFORMED_PAYLOAD', 'XML_DOCTYPE_FORBIDDEN']),
        401: errorResponse(401, ['SIGNATURE_INVALID', 'SIGNATURE_EXPIRED']),
        404: errorResponse(404, ['INTEGRATION_NOT_FOUND']),
        413: errorResponse(413, ['PAYLOAD_TOO_LARGE']),
        415: errorResponse(415, ['UNSUPPORTED_MEDIA_TYPE']),
        422: errorResponse(422, ['INVALID_LEAD']),
        429: throttledResponse(route, ['DEPENDENCY_THROTTLED']),
        500: errorResponse(500, ['INTERNAL_ERROR']),
        503: errorResponse(503, ['DEPENDENCY_UNAVAILABLE']),
      },
    }),

    'GET /v1/kpis': (route) => ({
      operationId: 'getKpis',
      tags: ['KPIs'],
      summary: 'Read lead KPIs',
      description:
        'Lead figures from the nightly aggregates, grouped by site, team, salesperson, source, campaign, channel, ' +
        'category or day, over the sites of the ' +
        'token: funnel counts, revenue and gross margin, time to first human contact, rates and marketing cost. ' +
        'Every ratio is computed from the counts summed over the range and group (never an average of daily ' +
        'ratios) and is null when its denominator is 0. The `activity` basis gives counts only, with `rates` null ' +
        'and cost ratios null. Leads with no site (`unassigned`) count only for callers that see every site. ' +
        'Figures cover the days up to the last nightly run.',
      request: { query: kpiQuery },
      responses: {
        200: { description: 'The KPI report.', content: { 'application/json': { schema: kpiReportSchema } } },
        400: errorResponse(400, ['VALIDATION_FAILED']),
        401: errorResponse(401, ['UNAUTHORIZED'], 'the gateway rejected a missing, expired or invalid token'),
        429: throttledResponse(route),
        500: errorResponse(500, ['INTERNAL_ERROR']),
        503: errorResponse(503, ['DEPENDENCY_UNAVAILABLE']),
      },
    }),

    'GET /v1/leads': (route) => ({
      operationId: 'listLeads',
      tags: ['Leads'],
      summary: 'List leads',
      description:
        'Leads of the sites of the token whose local date is between `from` and `to`, page by page. Follow ' +
        '`nextCursor` until it is absent. An unknown cursor returns 400. A salesperson sees only the leads ' +
        'assigned to them, so a page may hold fewer items than `limit`; finance sees no lead (403).',
      request: { query: leadListQuery },
      responses: {
        200: { description: 'One page of leads.', content: { 'application/json': { schema: leadPageSchema } } },
        400: errorResponse(400, ['VALIDATION_FAILED']),
        401: errorResponse(401, ['UNAUTHORIZED'], 'the gateway rejected a missing, expired or invalid token'),
        403: errorResponse(403, ['FORBIDDEN']),
        429: throttledResponse(route),
        500: errorResponse(500, ['INTERNAL_ERROR']),
        503: errorResponse(503, ['DEPENDENCY_UNAVAILABLE']),
      },
    }),

    'GET /v1/leads/{leadId}': (route) => ({
      operationId: 'getLead',
      tags: ['Leads'],
      summary: 'Get a lead',
      description:
        'One lead of the tenant of the token. A lead of another tenant, of a site the token does not cover, ' +
        'or (for a salesperson) not assigned to the caller returns 404 like a lead that does not exist. ' +
        'Finance sees no lead (403).',
      request: { params: leadPath },
      responses: {
        200: { description: 'The lead.', content: { 'application/json': { schema: leadSchema } } },
        400: errorResponse(400, ['VALIDATION_FAILED']),
        401: errorResponse(401, ['UNAUTHORIZED'], 'the gateway rejected a missing, expired or invalid token'),
        403: errorResponse(403, ['FORBIDDEN']),
        404: errorResponse(404, ['NOT_FOUND']),
        429: throttledResponse(route),
        500: errorResponse(500, ['INTERNAL_ERROR']),
        503: errorResponse(503, ['DEPENDENCY_UNAVAILABLE']),
      },
    }),

    'POST /v1/leads/{leadId}/events': (route) => ({
      operationId: 'recordLeadEvents',
      tags: ['Leads'],
      summary: 'Record lead lifecycle events',
      description: LEAD_EVENTS_DESCRIPTION,
      request: {
        params: leadPath,
        body: {
          required: true,
          description: `One event, or \`{"events": [...]}\` with 1 to ${MAX_EVENTS_PER_REQUEST} events. At most ${MAX_JSON_BODY_BYTES} bytes.`,
          content: { 'application/json': { schema: leadEventsRequestSchema } },
        },
      },
      responses: {
        202: {
          description: 'Accepted: every event is stored, now or before, and the lead state is recomputed.',
          content: { 'application/json': { schema: leadEventsResultSchema } },
        },
        400: errorResponse(400, ['VALIDATION_FAILED']),
        401: errorResponse(401, ['UNAUTHORIZED'], 'the gateway rejected a missing, expired or invalid token'),
        403: errorResponse(403, ['FORBIDDEN']),
        404: errorResponse(404, ['NOT_FOUND']),
        429: throttledResponse(route),
        500: errorResponse(500, ['INTERNAL_ERROR']),
        503: errorResponse(503, ['DEPENDENCY_UNAVAILABLE']),
      },
    }),

    'DELETE /v1/leads/{leadId}': (route) => ({
      operationId: 'eraseLead',
      tags: ['Personal data'],
      summary: "Erase a lead's personal data",
      description: ERASE_LEAD_DESCRIPTION,
      request: { params: leadPath },
      responses: {
        200: {
          description: 'The personal data is erased, now or before.',
          content: { 'application/json': { schema: erasureResultSchema } },
        },
        400: errorResponse(400, ['VALIDATION_FAILED']),
        401: errorResponse(401, ['UNAUTHORIZED'], 'the gateway rejected a missing, expired or invalid token'),
        403: errorResponse(403, ['FORBIDDEN']),
        404: errorResponse(404, ['NOT_FOUND']),
        429: throttledResponse(route),
        500: errorResponse(500, ['INTERNAL_ERROR']),
        503: errorResponse(503, ['DEPENDENCY_UNAVAILABLE']),
      },
    }),

    'POST /v1/erasures': (route) => ({
      operationId: 'erasePerson',
      tags: ['Personal data'],
      summary: "Erase a person's personal data by email or phone",
      description: ERASE_PERSON_DESCRIPTION,
      request: {
        body: {
          required: true,
          description: 'The email or the phone of the person, exactly one.',
          content: { 'application/json': { schema: erasureRequestSchema } },
        },
      },
      responses: {
        200: {
          description: 'Every lead and quarantined payload of the person is erased, now or before.',
          content: { 'application/json': { schema: erasureResultSchema } },
        },
        400: errorResponse(400, ['VALIDATION_FAILED']),
        401: errorResponse(401, ['UNAUTHORIZED'], 'the gateway rejected a missing, expired or invalid token'),
        403: errorResponse(403, ['FORBIDDEN']),
        429: throttledResponse(route),
        500: errorResponse(500, ['INTERNAL_ERROR']),
        503: errorResponse(503, ['DEPENDENCY_UNAVAILABLE']),
      },
    }),

    'PUT /v1/spend': (route) => ({
      operationId: 'replaceSpend',
      tags: ['KPIs'],
      summary: 'Replace monthly marketing spend',
      description: SPEND_DESCRIPTION,
      request: {
        body: {
          required: true,
          description: `1 to ${MAX_SPEND_ROWS} rows. At most ${MAX_JSON_BODY_BYTES} bytes.`,
          content: { 'application/json': { schema: spendRequestSchema } },
        },
      },
      responses: {
        200: {
          description: 'The spend of every month named is replaced.',
          content: { 'application/json': { schema: spendUploadResultSchema } },
        },
        400: errorResponse(400, ['VALIDATION_FAILED']),
        401: errorResponse(401, ['UNAUTHORIZED'], 'the gateway rejected a missing, expired or invalid token'),
        403: errorResponse(403, ['FORBIDDEN']),
        429: throttledResponse(route),
        500: errorResponse(500, ['INTERNAL_ERROR']),
        503: errorResponse(503, ['DEPENDENCY_UNAVAILABLE']),
      },
    }),

    'PUT /v1/targets': (route) => ({
      operationId: 'replaceTargets',
      tags: ['KPIs'],
      summary: 'Replace monthly targets',
      description: TARGETS_DESCRIPTION,
      request: {
        body: {
          required: true,
          description: `1 to ${MAX_TARGET_ROWS} rows. At most ${MAX_JSON_BODY_BYTES} bytes.`,
          content: { 'application/json': { schema: targetsRequestSchema } },
        },
      },
      responses: {
        200: {
          description: 'The targets of every month named are replaced.',
          content: { 'application/json': { schema: targetUploadResultSchema } },
        },
        400: errorResponse(400, ['VALIDATION_FAILED']),
        401: errorResponse(401, ['UNAUTHORIZED'], 'the gateway rejected a missing, expired or invalid token'),
        403: errorResponse(403, ['FORBIDDEN']),
        404: errorResponse(404, ['NOT_FOUND']),
        429: throttledResponse(route),
        500: errorResponse(500, ['INTERNAL_ERROR']),
        503: errorResponse(503, ['DEPENDENCY_UNAVAILABLE']),
      },
    }),

    'GET /v1/targets/attainment': (route) => ({
      operationId: 'getTargetAttainment',
      tags: ['KPIs'],
      summary: 'Read the attainment of targets',
      description: ATTAINMENT_DESCRIPTION,
      request: { query: attainmentQuery },
      responses: {
        200: {
          description: 'The targets with their actual values.',
          content: { 'application/json': { schema: attainmentReportSchema } },
        },
        400: errorResponse(400, ['VALIDATION_FAILED']),
        401: errorResponse(401, ['UNAUTHORIZED'], 'the gateway rejected a missing, expired or invalid token'),
        404: errorResponse(404, ['NOT_FOUND']),
        429: throttledResponse(route),
        500: errorResponse(500, ['INTERNAL_ERROR']),
        503: errorResponse(503, ['DEPENDENCY_UNAVAILABLE']),
      },
    }),

    'GET /v1/kpis/pacing': (route) => ({
      operationId: 'getKpiPacing',
      tags: ['KPIs'],
      summary: 'Project the month to its end',
      description:
        "Month-to-date leads, sales, revenue, gross margin and spend of the token's sites, by site and in total, " +
        'projected to the month end: `monthToDate / elapsedDays × daysInMonth`. Elapsed days are the whole days of ' +
        "the month before today in the tenant's default time zone, because the nightly aggregates cover the days up " +
        'to yesterday. On the first day of a month and for a future month, projections are null; for a closed ' +
        'month they equal the month-to-date values.',
      request: { query: pacingQuery },
      responses: {
        200: { description: 'The pacing report.', content: { 'application/json': { schema: pacingReportSchema } } },
        400: errorResponse(400, ['VALIDATION_FAILED']),
        401: errorResponse(401, ['UNAUTHORIZED'], 'the gateway rejected a missing, expired or invalid token'),
        404: errorResponse(404, ['NOT_FOUND']),
        429: throttledResponse(route),
        500: errorResponse(500, ['INTERNAL_ERROR']),
        503: errorResponse(503, ['DEPENDENCY_UNAVAILABLE']),
      },
    }),

    'GET /v1/kpis/live': (route) => ({
      operationId: 'getLiveKpis',
      tags: ['KPIs'],
      summary: "Read today's live lead counts",
      description: LIVE_DESCRIPTION,
      responses: {
        200: { description: 'The live counts.', content: { 'application/json': { schema: liveReportSchema } } },
        401: errorResponse(401, ['UNAUTHORIZED'], 'the gateway rejected a missing, expired or invalid token'),
        404: errorResponse(404, ['NOT_FOUND']),
        429: throttledResponse(route),
        500: errorResponse(500, ['INTERNAL_ERROR']),
        503: errorResponse(503, ['DEPENDENCY_UNAVAILABLE']),
      },
    }),

    'GET /v1/kpis/export.csv': (route) => kpiExportSpec(route, 'csv'),

    'GET /v1/kpis/export.xlsx': (route) => kpiExportSpec(route, 'xlsx'),

    'GET /v1/leads/export.csv': (route) => ({
      operationId: 'exportLeadsCsv',
      tags: ['Leads'],
      summary: 'Export leads as CSV',
      description: LEAD_EXPORT_DESCRIPTION,
      request: { query: leadExportQuery },
      responses: {
        200: {
          description: 'The export file.',
          headers: attachmentHeaders,
          content: { 'text/csv': { schema: z.string().meta({ contentMediaType: 'text/csv' }) } },
        },
        202: {
          description:
            'The export is too large or too slow for a response and continues as a job; poll `Location` until ' +
            'the job has succeeded, then download its `downloadUrl`.',
          headers: jobLocationHeaders,
          content: { 'application/json': { schema: leadExportJobViewSchema } },
        },
        400: errorResponse(400, ['VALIDATION_FAILED']),
        401: errorResponse(401, ['UNAUTHORIZED'], 'the gateway rejected a missing, expired or invalid token'),
        403: errorResponse(403, ['FORBIDDEN']),
        429: throttledResponse(route),
        500: errorResponse(500, ['INTERNAL_ERROR']),
        503: errorResponse(503, ['DEPENDENCY_UNAVAILABLE']),
      },
    }),

    'POST /v1/leads/exports': (route) => ({
      operationId: 'startLeadExport',
      tags: ['Leads'],
      summary: 'Start a lead export job',
      description: LEAD_EXPORT_JOB_DESCRIPTION,
      request: {
        body: {
          required: true,
          description: 'The filters and language of the export.',
          content: { 'application/json': { schema: leadExportBodySchema } },
        },
      },
      responses: {
        202: {
          description: 'The job is stored and its worker started.',
          headers: jobLocationHeaders,
          content: { 'application/json': { schema: leadExportJobViewSchema } },
        },
        400: errorResponse(400, ['VALIDATION_FAILED']),
        401: errorResponse(401, ['UNAUTHORIZED'], 'the gateway rejected a missing, expired or invalid token'),
        403: errorResponse(403, ['FORBIDDEN']),
        429: throttledResponse(route),
        500: errorResponse(500, ['INTERNAL_ERROR']),
        503: errorResponse(503, ['DEPENDENCY_UNAVAILABLE']),
      },
    }),

    'GET /v1/leads/exports/{exportId}': (route) => ({
      operationId: 'getLeadExport',
      tags: ['Leads'],
      summary: 'Read a lead export job',
      description:
        'The status and progress of a job started by the same user, and once it has succeeded a new download ' +
        'link. A job of another user or tenant, or an expired one, is not found.',
      request: { params: leadExportPathSchema },
      responses: {
        200: { description: 'The job.', content: { 'application/json': { schema: leadExportJobViewSchema } } },
        400: errorResponse(400, ['VALIDATION_FAILED']),
        401: errorResponse(401, ['UNAUTHORIZED'], 'the gateway rejected a missing, expired or invalid token'),
        404: errorResponse(404, ['NOT_FOUND']),
        429: throttledResponse(route),
        500: errorResponse(500, ['INTERNAL_ERROR']),
        503: errorResponse(503, ['DEPENDENCY_UNAVAILABLE']),
      },
    }),

    'GET /v1/openapi.json': (route) => ({
      operationId: 'getOpenApiDocument',
      tags: ['Contract'],
      summary: 'Get this OpenAPI document',
      description: 'This document, as JSON. It needs no token.',
      responses: {
        200: {
          description: 'The OpenAPI 3.1 document.',
          content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
        },
        429: throttledResponse(route),
        500: errorResponse(500, ['INTERNAL_ERROR']),
      },
    }),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Document

let cachedDocument: OpenAPIObject | undefined;

/**
 * Builds the OpenAPI document of every route in `ROUTES`, once per process. Throws when a route has no
 * operation here, so a new route cannot ship undocumented.
 */
export function buildOpenApiDocument(): OpenAPIObject {
  cachedDocument ??= generateDocument();
  return cachedDocument;
}

function generateDocument(): OpenAPIObject {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', BEARER_AUTH, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'A JWT whose audience is `leadpilot-api`, checked by the API gateway. LeadPilot reads these claims ' +
      '(Cognito ID tokens carry them as `custom:<name>`): `tenant` (the tenant id; the API never takes it ' +
      'from a parameter), `role` (`group-admin`, `site-manager`, `salesperson` or `finance`), `sites` ' +
      '(comma-separated site ids, or `*` for every site including leads with no site) and, for a ' +
      'salesperson, `salesperson` (their salesperson id; `sub` when absent).',
  });

  const specs = operationSpecs();
  for (const route of ROUTES) {
    const routeKey = `${route.method} ${route.path}`;
    const spec = specs[routeKey];
    if (!spec) {
      throw new Error(`Route ${routeKey} has no operation in the OpenAPI document; add it to shared/api/openapi.ts`);
    }
    registry.registerPath({
      ...spec(route),
      method: route.method.toLowerCase() as RouteConfig['method'],
      path: route.path,
      security: route.auth === 'jwt' ? [{ [BEARER_AUTH]: [] }] : [],
    });
  }

  const generator = new OpenApiGeneratorV31(registry.definitions, { sortComponents: 'alphabetically' });
  const document = generator.generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'LeadPilot API',
      version: '1.0.0',
      description:
        'Lead capture webhooks for marketing platforms, and the KPI and lead API for dealer groups.\n\n' +
        'Everything under `/v1` is stable: changes to it are additive only (new operations, new optional ' +
        'parameters, new response fields, new error codes), so clients must ignore fields they do not know. ' +
        'A breaking change would ship under a new version prefix.\n\n' +
        'Errors returned by LeadPilot have the body `{"error":{"code","message"}}` with a stable `code`; ' +
        'errors returned by the API gateway (throttling, rejected tokens) have the body `{"message"}`.',
    },
    servers: [{ url: '/', description: 'The origin that serves this document.' }],
    tags: [
      { name: 'Webhooks', description: 'Lead deliveries from marketing platforms and websites.' },
      { name: 'KPIs', description: 'Lead figures computed nightly, and the marketing spend behind their cost.' },
      { name: 'Leads', description: 'Captured leads, scoped to the tenant and sites of the token.' },
      { name: 'Contract', description: 'This API description.' },
    ],
  });
  return withoutEmptySections(document);
}

/** Drops the empty `webhooks` and `components.parameters` maps that the generator always emits. */
function withoutEmptySections(document: OpenAPIObject): OpenAPIObject {
  const { webhooks, components, ...rest } = document;
  const { parameters, ...otherComponents } = components ?? {};
  return {
    ...rest,
    ...(webhooks && Object.keys(webhooks).length > 0 ? { webhooks } : {}),
    components: { ...otherComponents, ...(parameters && Object.keys(parameters).length > 0 ? { parameters } : {}) },
  };
}

const TOP_LEVEL_ORDER = ['openapi', 'info', 'servers', 'tags', 'paths', 'webhooks', 'components'];

/**
 * Serialises the document as pretty JSON with a trailing newline and a key order that depends only on the
 * content: the OpenAPI top-level order, then keys sorted alphabetically at every level, except the
 * `properties` of an object schema, which keep their declaration order because renderers show them in it.
 */
export function serializeOpenApiDocument(document: OpenAPIObject): string {
  const ordered = orderKeys(document, false) as Record<string, unknown>;
  const topLevel = Object.fromEntries(
    Object.entries(ordered).sort(([left], [right]) => rank(left) - rank(right) || left.localeCompare(right)),
  );
  return `${JSON.stringify(topLevel, null, 2)}\n`;
}

function rank(key: string): number {
  const index = TOP_LEVEL_ORDER.indexOf(key);
  return index === -1 ? TOP_LEVEL_ORDER.length : index;
}

function orderKeys(value: unknown, keepOrder: boolean): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => orderKeys(item, false));
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  const isObjectSchema = (value as Record<string, unknown>).type === 'object';
  const entries = Object.entries(value).map(
    ([key, child]) => [key, orderKeys(child, isObjectSchema && key === 'properties')] as const,
  );
  if (!keepOrder) {
    // Code-unit order, unlike localeCompare, so the file is the same on every machine.
    entries.sort(([left], [right]) => {
      if (left === right) {
        return 0;
      }
      return left < right ? -1 : 1;
    });
  }
  return Object.fromEntries(entries);
}
