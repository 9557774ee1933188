/**
 * Lead export jobs: the worker function that writes large lead exports to the exports bucket, and the grants
 * that let the API start it and sign download links to its files.
 */
import { type CfnResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Runtime } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LEAD_EXPORT_MAX_EVENT_AGE_SECONDS, LEAD_EXPORT_WORKER_TIMEOUT_SECONDS } from '#shared/export/lead-export-job';
import type { LeadStore } from './lead-store';
import { acknowledge, arnWildcardFinding } from './nag';
import { ServiceFunction } from './service-function';
import { type ExportsBucket, LEAD_EXPORTS_PREFIX } from './web-app';

export interface LeadExportJobsProps {
  readonly store: LeadStore;
  readonly exports: ExportsBucket;
  /** The API function, which creates and reads the jobs and starts the worker. */
  readonly api: ServiceFunction;
  /** @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** @default Runtime.NODEJS_24_X */
  readonly runtime?: Runtime;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The lead export worker, invoked asynchronously by the API. The worker reads the lead table, updates job items
 * and puts files under the leads prefix of the exports bucket. The API invokes the worker and reads files only
 * to sign GET links to them. Its grant on the lead table, from LeadPilotFunctions, covers the job items.
 */
export class LeadExportJobs extends Construct {
  readonly worker: ServiceFunction;

  constructor(scope: Construct, id: string, props: LeadExportJobsProps) {
    super(scope, id);
    const { store, exports, api } = props;
    const exportObjects = exports.bucket.arnForObjects(`${LEAD_EXPORTS_PREFIX}/*`);

    this.worker = new ServiceFunction(this, 'Worker', {
      entry: 'functions/lead-export.ts',
      description: 'LeadPilot lead export worker: writes a lead export job to the exports bucket',
      timeout: Duration.seconds(LEAD_EXPORT_WORKER_TIMEOUT_SECONDS),
      // The CSV is held in memory until it is written: about 30 MB per 100,000 leads, twice while it is joined.
      memorySize: 1024,
      runtime: props.runtime,
      logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'leadpilot',
        LOG_LEVEL: props.logLevel ?? 'INFO',
        LEADS_TABLE_NAME: store.leads.tableName,
        EXPORTS_URI: exports.leadExportsUri,
      },
    });
    // A retry runs a job only if the failed attempt never started it. An attempt that started it left it
    // `running`, so the retry skips it.
    this.worker.function.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.seconds(LEAD_EXPORT_MAX_EVENT_AGE_SECONDS),
    });

    store.leads.grantReadData(this.worker.role);
    this.worker.role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['dynamodb:UpdateItem'],
        resources: [store.leads.tableArn],
        // Job items live in the tenant partitions (`TENANT#<tenantId>`); leads, keys and events do not.
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TENANT#*'] } },
      }),
    );
    store.key.grant(this.worker.role, 'kms:Encrypt', 'kms:GenerateDataKey*');
    this.worker.role.addToPrincipalPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:PutObject'], resources: [exportObjects] }),
    );

    this.worker.function.grantInvoke(api.role);
    api.function.addEnvironment('LEAD_EXPORT_FUNCTION_NAME', this.worker.function.functionName);
    api.role.addToPrincipalPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:GetObject'], resources: [exportObjects] }),
    );
    api.function.addEnvironment('EXPORTS_URI', exports.leadExportsUri);

    this.acknowledgeWildcards(props);
  }

  private acknowledgeWildcards({ store, exports, api }: LeadExportJobsProps): void {
    acknowledge(
      this.worker.role,
      arnWildcardFinding(store.leads.node.defaultChild as CfnResource, '/index/*'),
      'Table read grant: covers the indexes of this one table (gsi1 for the tenant lead listing).',
    );
    acknowledge(
      this.worker.role,
      'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      'Job updates write to the lead table, whose items DynamoDB encrypts with the lead store key, and only that key.',
    );
    const objects = arnWildcardFinding(exports.bucket.node.defaultChild as CfnBucket, `/${LEAD_EXPORTS_PREFIX}/*`);
    acknowledge(
      this.worker.role,
      objects,
      'Each job writes one new key (tenant, export id, file name) under the leads prefix, and nothing else.',
    );
    acknowledge(
      api.role,
      objects,
      'The API signs GET links to the job files under the leads prefix; it reads nothing else of the bucket.',
    );
    acknowledge(
      api.role,
      arnWildcardFinding(this.worker.function.node.defaultChild as CfnResource, ':*'),
      'Lambda grantInvoke covers the worker function and its versions and aliases, and no other function.',
    );
  }
}
