/**
 * The four handlers of functions/ as Lambda functions, each with the environment that functions/config.ts
 * validates for it and only the permissions its code path uses.
 */
import { ArnFormat, type CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Runtime } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { integrationSecretName, personIdKeySecretName } from '#shared/tenant/model';
import type { DataLake } from './data-lake';
import type { LeadStore } from './lead-store';
import { acknowledge, arnWildcardFinding } from './nag';
import { ServiceFunction } from './service-function';

export interface LeadPilotFunctionsProps {
  readonly store: LeadStore;
  readonly lake: DataLake;
  /**
   * Base URL of the Meta Graph API that the webhook fetches Meta leads from.
   * @default 'https://graph.facebook.com/v21.0'
   */
  readonly graphApiBaseUrl?: string;
  /**
   * Powertools log level of every function.
   * @default 'INFO'
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /**
   * @default Runtime.NODEJS_24_X
   */
  readonly runtime?: Runtime;
  /**
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the log groups when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The webhook, API, stream-to-lake and nightly functions. */
export class LeadPilotFunctions extends Construct {
  readonly webhook: ServiceFunction;
  readonly api: ServiceFunction;
  readonly streamToLake: ServiceFunction;
  readonly nightly: ServiceFunction;

  constructor(scope: Construct, id: string, props: LeadPilotFunctionsProps) {
    super(scope, id);
    const { store, lake } = props;
    const shared = {
      runtime: props.runtime,
      logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    };
    const logging = { POWERTOOLS_SERVICE_NAME: 'leadpilot', LOG_LEVEL: props.logLevel ?? 'INFO' };

    this.webhook = new ServiceFunction(this, 'Webhook', {
      ...shared,
      entry: `functions/webhook.ts`,
      description: 'LeadPilot webhook: receives lead deliveries',
      // Meta deliveries fetch the lead from the Graph API before the response.
      timeout: Duration.seconds(15),
      environment: {
        ...logging,
        LEADS_TABLE_NAME: store.leads.tableName,
        SECRETS_BACKEND: 'secrets-manager',
        GRAPH_API_BASE_URL: props.graphApiBaseUrl ?? 'https://graph.facebook.com/v21.0',
      },
    });
    store.leads.grantReadWriteData(this.webhook.role);
    this.grantIntegrationSecrets(this.webhook);

    this.api = new ServiceFunction(this, 'Api', {
      ...shared,
      entry: `functions/api.ts`,
      description: 'LeadPilot API: leads and KPIs',
      // A lead export pages through every lead of its range. API Gateway ends an integration at 30 seconds.
      timeout: Duration.seconds(29),
      memorySize: 1024,
      environment: {
        ...logging,
        LEADS_TABLE_NAME: store.leads.tableName,
        AGGREGATES_TABLE_NAME: store.aggregates.tableName,
        SECRETS_BACKEND: 'secrets-manager',
      },
    });
    // Lifecycle events, erasures and retention updates write to the lead table.
    store.leads.grantReadWriteData(this.api.role);
    this.grantPersonIdKeys(this.api);
    // `PUT /v1/spend` and `PUT /v1/targets` write their months to the aggregates table.
    store.aggregates.grantReadWriteData(this.api.role);

    this.streamToLake = new ServiceFunction(this, 'StreamToLake', {
      ...shared,
      entry: `functions/stream-to-lake.ts`,
      description: 'LeadPilot stream consumer: writes lead changes to the lake and the live lead counts',
      timeout: Duration.seconds(60),
      environment: { ...logging, LAKE_URI: lake.lakeUri, AGGREGATES_TABLE_NAME: store.aggregates.tableName },
    });
    lake.grantWriteObjects(this.streamToLake.role);
    // Live lead items are upserted with UpdateItem and never read by this function.
    store.aggregates.grantWriteData(this.streamToLake.role);

    this.nightly = new ServiceFunction(this, 'Nightly', {
      ...shared,
      entry: `functions/nightly.ts`,
      description: 'LeadPilot nightly job: KPI queries and lake compaction',
      // Athena queries and compaction of a day of partitions; Lambda's maximum is 15 minutes.
      timeout: Duration.minutes(10),
      memorySize: 1024,
      environment: {
        ...logging,
        LAKE_URI: lake.lakeUri,
        AGGREGATES_TABLE_NAME: store.aggregates.tableName,
        QUERY_ENGINE: 'athena',
        ATHENA_WORKGROUP: lake.workgroupName,
        ATHENA_DATABASE: lake.databaseName,
      },
    });
    store.aggregates.grantReadWriteData(this.nightly.role);
    lake.grantQuery(this.nightly.role);
    lake.grantCompactObjects(this.nightly.role);

    this.acknowledgeGrantWildcards(props);
  }

  /** Allows reading the secrets named `leadpilot/<tenantId>/<integrationId>`, and no other secret. */
  private grantIntegrationSecrets(fn: ServiceFunction): void {
    const prefix = integrationSecretName('TENANT', 'INTEGRATION').split('/')[0];
    const secrets = Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${prefix}/*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secrets] }),
    );
    acknowledge(
      fn.role,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${prefix}/*]`,
      'Each tenant integration has its own secret, created by operators after deployment; the webhook reads ' +
        `only the ${prefix}/ names (Secrets Manager appends a random suffix, so no exact ARN is known here).`,
    );
  }

  /**
   * Allows reading each tenant's person-id key (`leadpilot/<tenantId>/person-id-key`), which an erasure needs to
   * find the person-key entries of an email or phone.
   */
  private grantPersonIdKeys(fn: ServiceFunction): void {
    const [prefix, , name] = personIdKeySecretName('TENANT').split('/');
    const secrets = Stack.of(this).formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: `${prefix}/*/${name}-*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secrets] }),
    );
    acknowledge(
      fn.role,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${prefix}/*/${name}-*]`,
      'Each tenant has its own person-id key, created by the tenant tool after deployment; the API reads only ' +
        'those keys (Secrets Manager appends a random suffix, so no exact ARN is known here).',
    );
  }

  private acknowledgeGrantWildcards({ store, lake }: LeadPilotFunctionsProps): void {
    const leadsIndexes = arnWildcardFinding(store.leads.node.defaultChild as CfnResource, '/index/*');
    const indexReason = 'Table grant: covers the indexes of this one table (gsi1 for the tenant lead listing).';
    acknowledge(this.webhook.role, leadsIndexes, indexReason);
    acknowledge(this.api.role, leadsIndexes, indexReason);

    // Read-write and write table grants on a customer managed key include the kms:GenerateDataKey* and
    // kms:ReEncrypt* action families; the statement names the lead store key only.
    const keyReason = 'Table write grant: DynamoDB uses these actions of the lead store key, and only that key.';
    for (const role of [this.webhook.role, this.nightly.role, this.api.role, this.streamToLake.role]) {
      acknowledge(role, 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', keyReason);
      acknowledge(role, 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', keyReason);
    }

    const { lakeObjects, resultObjects } = lake.objectWildcardFindings();
    acknowledge(
      this.streamToLake.role,
      lakeObjects,
      'Writes new Parquet objects, with content-hash names, under the lake prefix only.',
    );
    acknowledge(
      this.nightly.role,
      lakeObjects,
      'Athena reads and compaction rewrites objects under the lake prefix only.',
    );
    acknowledge(
      this.nightly.role,
      resultObjects,
      'Athena writes query results under the results prefix of its own bucket.',
    );
  }
}
