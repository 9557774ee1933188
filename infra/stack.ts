/**
 * The LeadPilot stack and the app that contains it. Settings come from CDK context (cdk.json or `-c key=value`);
 * synthesis makes no lookup, so it runs offline.
 */
import { App, type AppProps, CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import * as z from 'zod';
import { identifierSchema } from '#shared/tenant/model';
import { OperationsDashboard } from './constructs/dashboard';
import { DataLake } from './constructs/data-lake';
import { LeadPilotFunctions } from './constructs/functions';
import { IngestApi } from './constructs/ingest-api';
import { LeadExportJobs } from './constructs/lead-export-jobs';
import { LeadStore } from './constructs/lead-store';
import { acknowledge } from './constructs/nag';
import { NightlySchedule } from './constructs/nightly-schedule';
import { StreamConsumer } from './constructs/stream-consumer';
import { ExportsBucket, WebApp } from './constructs/web-app';

/** Context keys that the app reads. */
export const CONTEXT_KEYS = {
  stage: 'stage',
  athenaEngine: 'leadpilot:athenaEngine',
  tenantIds: 'leadpilot:tenants',
  account: 'leadpilot:account',
  region: 'leadpilot:region',
} as const;

/** `-c leadpilot:tenants=a,b` arrives as a string and cdk.json gives an array. Both mean a list of tenant ids. */
const tenantListSchema = z.preprocess(
  (value) => (typeof value === 'string' ? value.split(',').map((tenant) => tenant.trim()) : value),
  z.array(identifierSchema).min(1),
);

const settingsSchema = z.object({
  stage: z.enum(['dev', 'prod']).default('dev'),
  athenaEngine: z.enum(['v3', 'duckdb']).default('v3'),
  tenantIds: tenantListSchema.default(['demo']),
  account: z
    .string()
    .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
    .optional(),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-3')
    .optional(),
});

export type LeadPilotSettings = z.infer<typeof settingsSchema>;

/** Reads and validates the settings from the app's context. Throws an error that names every invalid key. */
export function settingsFromContext(scope: Construct): LeadPilotSettings {
  const raw = Object.fromEntries(
    Object.entries(CONTEXT_KEYS).map(([setting, key]) => [setting, scope.node.tryGetContext(key) ?? undefined]),
  );
  const result = settingsSchema.safeParse(raw);
  if (!result.success) {
    const detail = result.error.issues
      .map(
        (issue) =>
          `${CONTEXT_KEYS[issue.path[0] as keyof typeof CONTEXT_KEYS] ?? issue.path.join('.')}: ${issue.message}`,
      )
      .join('; ');
    throw new Error(`Invalid CDK context: ${detail}. Set it in cdk.json or with -c key=value.`);
  }
  return result.data;
}

export interface LeadPilotStackProps extends StackProps {
  readonly settings: LeadPilotSettings;
}

/**
 * Everything LeadPilot runs on in AWS. In `prod`, every stateful resource (tables, keys, buckets, user pool,
 * queues, log groups, catalog) is retained when it leaves the stack. In `dev`, they are destroyed, and
 * buckets are emptied first.
 */
export class LeadPilotStack extends Stack {
  readonly store: LeadStore;
  readonly lake: DataLake;
  readonly functions: LeadPilotFunctions;
  readonly api: IngestApi;
  readonly streamConsumer: StreamConsumer;
  readonly nightlySchedule: NightlySchedule;
  readonly dashboard: OperationsDashboard;
  readonly exports: ExportsBucket;
  readonly leadExportJobs: LeadExportJobs;
  readonly webApp: WebApp;

  constructor(scope: Construct, id: string, props: LeadPilotStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const production = settings.stage === 'prod';
    const removalPolicy = production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = production ? RetentionDays.SIX_MONTHS : RetentionDays.ONE_WEEK;

    this.store = new LeadStore(this, 'LeadStore', { removalPolicy });
    this.lake = new DataLake(this, 'DataLake', { removalPolicy, athenaEngine: settings.athenaEngine });
    this.functions = new LeadPilotFunctions(this, 'Functions', {
      store: this.store,
      lake: this.lake,
      logRetention,
      removalPolicy,
    });
    this.api = new IngestApi(this, 'IngestApi', {
      webhook: this.functions.webhook,
      api: this.functions.api,
      logRetention,
      removalPolicy,
    });
    this.streamConsumer = new StreamConsumer(this, 'StreamConsumer', {
      table: this.store.leads,
      consumer: this.functions.streamToLake,
      removalPolicy,
    });
    this.nightlySchedule = new NightlySchedule(this, 'NightlySchedule', {
      job: this.functions.nightly,
      tenantIds: settings.tenantIds,
      removalPolicy,
    });
    this.dashboard = new OperationsDashboard(this, 'Dashboard', {
      webhook: this.functions.webhook,
      streamToLake: this.functions.streamToLake,
      nightly: this.functions.nightly,
      workgroupName: this.lake.workgroupName,
    });
    this.exports = new ExportsBucket(this, 'Exports', { accessLogsBucket: this.lake.accessLogsBucket, removalPolicy });
    this.leadExportJobs = new LeadExportJobs(this, 'LeadExportJobs', {
      store: this.store,
      exports: this.exports,
      api: this.functions.api,
      logRetention,
      removalPolicy,
    });
    this.webApp = new WebApp(this, 'WebApp', {
      api: this.api,
      accessLogsBucket: this.lake.accessLogsBucket,
      logRetention,
      removalPolicy,
    });

    this.acknowledgeBucketEmptier();
    this.addOutputs();
  }

  private addOutputs(): void {
    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'DashboardUrl', {
      value: this.webApp.url,
      description: 'The dashboard, with the API under /v1 on the same origin',
    });
    new CfnOutput(this, 'UserPoolId', { value: this.api.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', {
      value: this.api.userPoolClient.userPoolClientId,
      description: 'App client id: the audience of the ID tokens that the API accepts',
    });
    new CfnOutput(this, 'NightlyFunctionName', {
      value: this.functions.nightly.function.functionName,
      description: 'Invoke with {"tenantId","from","to"} to recompute a date range',
    });
    new CfnOutput(this, 'LeadsTableName', {
      value: this.store.leads.tableName,
      description: 'Lead table: pass it to npm run tenant and npm run quarantine with --target aws --table',
    });
    new CfnOutput(this, 'LakeUri', { value: this.lake.lakeUri });
    new CfnOutput(this, 'AthenaWorkgroup', { value: this.lake.workgroupName });
  }

  /**
   * In `dev`, `autoDeleteObjects` adds CDK's bucket-emptying custom resource, whose function and role CDK
   * defines. Its findings are acknowledged here because no prop of the provider can fix them.
   */
  private acknowledgeBucketEmptier(): void {
    const provider = this.node.tryFindChild('Custom::S3AutoDeleteObjectsCustomResourceProvider');
    if (provider === undefined) {
      return;
    }
    acknowledge(
      provider,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'CDK-owned provider that empties dev buckets on stack deletion; CDK fixes its role, and it exists in dev only.',
    );
    acknowledge(
      provider,
      'AwsSolutions-L1',
      'CDK-owned provider that empties dev buckets on stack deletion; CDK chooses and updates its runtime.',
    );
  }
}

/**
 * Builds the app: one stack named `LeadPilot-<stage>`, checked by the cdk-nag AwsSolutions rules at synthesis.
 * Account and region come from context when given; otherwise the stack is environment-agnostic.
 */
export function createLeadPilotApp(props: AppProps = {}): { app: App; stack: LeadPilotStack } {
  const app = new App(props);
  const settings = settingsFromContext(app);
  const env = settings.account || settings.region ? { account: settings.account, region: settings.region } : undefined;
  const stack = new LeadPilotStack(app, `LeadPilot-${settings.stage}`, {
    settings,
    env,
    description: `LeadPilot lead capture and KPI reporting (${settings.stage})`,
    tags: { application: 'leadpilot', stage: settings.stage },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
