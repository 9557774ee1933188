/**
 * Handler configuration, read from the environment and validated once, when a handler module loads.
 * This is the only module that reads `process.env`; the CDK app and the local stack set the same variables.
 */
import * as z from 'zod';

const nonEmpty = z.string().min(1);

const commonSchema = z.object({
  /** Endpoint of DynamoDB Local; unset in AWS. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  AWS_REGION: nonEmpty.default('eu-west-3'),
});

/**
 * Months after the last contact from the prospect at which a lead's personal data expires (36, three years,
 * by default). Read by the handlers that write leads or their contact events.
 */
const retentionSchema = z.object({
  RETENTION_MONTHS: z.coerce.number().int().min(1).max(120).default(36),
});

const secretsSchema = z.discriminatedUnion('SECRETS_BACKEND', [
  z.object({ SECRETS_BACKEND: z.literal('secrets-manager') }),
  /** A JSON file of name → value, used by the local stack. */
  z.object({ SECRETS_BACKEND: z.literal('file'), SECRETS_FILE: nonEmpty }),
]);

/** Lake location: `s3://bucket/prefix` in AWS, `file:///absolute/folder` on the local stack. */
const lakeUri = z
  .string()
  .regex(/^(s3:\/\/[a-z0-9.-]+(\/.*)?|file:\/\/\/.+)$/, 'must be s3://bucket/prefix or file:///path');

const queryEngineSchema = z.discriminatedUnion('QUERY_ENGINE', [
  z.object({ QUERY_ENGINE: z.literal('athena'), ATHENA_WORKGROUP: nonEmpty, ATHENA_DATABASE: nonEmpty }),
  z.object({ QUERY_ENGINE: z.literal('duckdb') }),
]);

export const webhookConfigSchema = commonSchema
  .extend({
    LEADS_TABLE_NAME: nonEmpty,
    GRAPH_API_BASE_URL: z.url().default('https://graph.facebook.com/v21.0'),
  })
  .extend(retentionSchema.shape)
  .and(secretsSchema);
export type WebhookConfig = z.infer<typeof webhookConfigSchema>;

/** The API reads the person-id key from the secret store to find the person keys that an erasure deletes. */
export const apiConfigSchema = commonSchema
  .extend({
    LEADS_TABLE_NAME: nonEmpty,
    AGGREGATES_TABLE_NAME: nonEmpty,
    /**
     * Where lead exports too large for a response go, as `s3://bucket/prefix` or `file:///folder`. Unset, such
     * exports are rejected with 400.
     */
    EXPORTS_URI: lakeUri.optional(),
    /** Key that signs the download links of a `file://` EXPORTS_URI; the local gateway checks them with it. */
    EXPORTS_LINK_SECRET: z.string().min(32).optional(),
    /**
     * Name or ARN of the lead export worker function, which the API invokes asynchronously. Unset (or without
     * EXPORTS_URI), lead export jobs are rejected with 503.
     */
    LEAD_EXPORT_FUNCTION_NAME: nonEmpty.optional(),
    /** Endpoint of the local stack's stand-in of the Lambda Invoke API; unset in AWS. */
    LAMBDA_ENDPOINT: z.url().optional(),
  })
  .extend(retentionSchema.shape)
  .and(secretsSchema);
export type ApiConfig = z.infer<typeof apiConfigSchema>;

/** The lead export worker reads leads and the tenant from the lead table, and writes its file to EXPORTS_URI. */
export const leadExportConfigSchema = commonSchema.extend({
  LEADS_TABLE_NAME: nonEmpty,
  EXPORTS_URI: lakeUri,
  /** Needed to open a `file://` EXPORTS_URI, whose store also signs links, although the worker signs none. */
  EXPORTS_LINK_SECRET: z.string().min(32).optional(),
});
export type LeadExportConfig = z.infer<typeof leadExportConfigSchema>;

export const streamToLakeConfigSchema = commonSchema.extend({
  LAKE_URI: lakeUri,
  /**
   * Table that receives the live lead items behind `GET /v1/kpis/live`. The CDK app and the local stack set
   * it. When it is unset, the consumer only writes the lake and the live counts stay empty.
   */
  AGGREGATES_TABLE_NAME: nonEmpty.optional(),
});
export type StreamToLakeConfig = z.infer<typeof streamToLakeConfigSchema>;

export const nightlyConfigSchema = commonSchema
  .extend({ LAKE_URI: lakeUri, AGGREGATES_TABLE_NAME: nonEmpty })
  .and(queryEngineSchema);
export type NightlyConfig = z.infer<typeof nightlyConfigSchema>;

/** Thrown at module load when a variable is missing or invalid; names every offending variable. */
export class ConfigurationError extends Error {
  constructor(handler: string, issues: z.core.$ZodIssue[]) {
    const detail = issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
    super(`Invalid ${handler} configuration: ${detail}`);
    this.name = 'ConfigurationError';
  }
}

function load<T>(handler: string, schema: z.ZodType<T>): T {
  const result = schema.safeParse(process.env);
  if (!result.success) {
    throw new ConfigurationError(handler, result.error.issues);
  }
  return result.data;
}

export const loadWebhookConfig = (): WebhookConfig => load('webhook', webhookConfigSchema);
export const loadApiConfig = (): ApiConfig => load('api', apiConfigSchema);
export const loadStreamToLakeConfig = (): StreamToLakeConfig => load('stream-to-lake', streamToLakeConfigSchema);
export const loadNightlyConfig = (): NightlyConfig => load('nightly', nightlyConfigSchema);
export const loadLeadExportConfig = (): LeadExportConfig => load('lead-export', leadExportConfigSchema);
