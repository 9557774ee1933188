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
  .and(secretsSchema);
export type WebhookConfig = z.infer<typeof webhookConfigSchema>;

export const apiConfigSchema = commonSchema.extend({
  LEADS_TABLE_NAME: nonEmpty,
  AGGREGATES_TABLE_NAME: nonEmpty,
});
export type ApiConfig = z.infer<typeof apiConfigSchema>;

export const streamToLakeConfigSchema = commonSchema.extend({ LAKE_URI: lakeUri });
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
