/**
 * The data lake: the bucket that the stream consumer fills with Parquet change rows, the Glue table
 * `lead_changes` over it (partition projection, so no crawler and no partition maintenance), and the Athena
 * workgroup that the nightly job queries through.
 */
import { Aws, type CfnResource, Duration, Names, RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import { CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import { Effect, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type LifecycleRule,
  ObjectOwnership,
  StorageClass,
  TransitionDefaultMinimumObjectSize,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LAKE_KEY_TEMPLATE } from '#shared/lake/keys';
import { LAKE_COLUMNS, LAKE_PARTITION_KEYS, LAKE_TABLE } from '#shared/lake/schema';
import { arnWildcardFinding } from './nag';

/** Athena engine of the workgroup: `v3` (Trino) or `duckdb` (Athena's DuckDB engine, in Preview). */
export type AthenaEngine = 'v3' | 'duckdb';

/**
 * `EngineVersion.SelectedEngineVersion` values, as Athena's ListEngineVersions returns them (case-sensitive),
 * per the Athena user guide page "Workgroups and query controls" of the DuckDB engine.
 */
export const ATHENA_ENGINE_VERSIONS: Record<AthenaEngine, string> = {
  v3: 'Athena engine version 3',
  duckdb: 'DuckDB',
};

/** Prefix of the lake inside its bucket; the functions get `s3://<bucket>/lake` as LAKE_URI. */
export const LAKE_PREFIX = 'lake';

/** Prefix of Athena query results inside the results bucket. */
const RESULTS_PREFIX = 'results';

export interface DataLakeProps {
  /**
   * What happens to the buckets, the key and the catalog entries when they leave the stack. With `DESTROY`
   * the buckets are emptied first.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Query engine of the Athena workgroup.
   * @default 'v3'
   */
  readonly athenaEngine?: AthenaEngine;
  /**
   * Data usage limit of one query; Athena cancels a query that scans more.
   * @default Size.gibibytes(10)
   */
  readonly bytesScannedCutoffPerQuery?: Size;
  /**
   * Age at which lake objects move to S3 Standard-IA.
   * @default Duration.days(90)
   */
  readonly infrequentAccessAfter?: Duration;
  /**
   * Age at which lake objects move to S3 Glacier Instant Retrieval.
   * @default Duration.days(365)
   */
  readonly glacierInstantRetrievalAfter?: Duration;
  /**
   * Age after which overwritten or deleted object versions are removed, in every bucket.
   * @default Duration.days(30)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * Age after which Athena query results are deleted.
   * @default Duration.days(30)
   */
  readonly queryResultsExpiration?: Duration;
  /**
   * Age after which S3 server access logs are deleted.
   * @default Duration.days(365)
   */
  readonly accessLogsExpiration?: Duration;
  /**
   * First `dt` partition that the projection enumerates, `yyyy-MM-dd`. Rows dated earlier are invisible to Athena.
   * @default '2024-01-01'
   */
  readonly projectionStartDate?: string;
}

/** Lake bucket, Athena results bucket, their access log bucket, Glue database and table, Athena workgroup. */
export class DataLake extends Construct {
  readonly bucket: Bucket;
  readonly resultsBucket: Bucket;
  readonly accessLogsBucket: Bucket;
  /** Customer managed key of the lake and results buckets and of the query results. */
  readonly key: Key;
  readonly database: CfnDatabase;
  readonly table: CfnTable;
  readonly workgroup: CfnWorkGroup;
  /** Glue database name, passed to the nightly job as ATHENA_DATABASE. */
  readonly databaseName: string;
  /** Athena workgroup name, passed to the nightly job as ATHENA_WORKGROUP. */
  readonly workgroupName: string;
  /** `s3://<bucket>/lake`, passed to the functions as LAKE_URI. */
  readonly lakeUri: string;
  /** Glue table parameter `storage.location.template`: where Athena reads a `tenant`/`dt` partition. */
  readonly locationTemplate: string;

  constructor(scope: Construct, id: string, props: DataLakeProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const autoDeleteObjects = removalPolicy === RemovalPolicy.DESTROY;
    const noncurrentVersionExpiration = props.noncurrentVersionExpiration ?? Duration.days(30);

    this.key = new Key(this, 'Key', {
      description: 'LeadPilot data lake: lake objects and Athena query results',
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy,
    });

    // Server access logs only support SSE-S3 on the target bucket, so this one bucket is not KMS-encrypted.
    this.accessLogsBucket = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      removalPolicy,
      autoDeleteObjects,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: props.accessLogsExpiration ?? Duration.days(365),
          noncurrentVersionExpiration,
        },
      ],
    });

    this.bucket = new Bucket(this, 'Bucket', {
      ...this.protectedBucketProps('lake-bucket/', removalPolicy),
      transitionDefaultMinimumObjectSize: TransitionDefaultMinimumObjectSize.ALL_STORAGE_CLASSES_128_K,
      lifecycleRules: [
        {
          // Objects under 128 KB stay in S3 Standard: the default minimum object size above keeps them there,
          // because Standard-IA and Glacier IR bill at least 128 KB per object.
          id: 'tier-old-lake-objects',
          prefix: `${LAKE_PREFIX}/`,
          transitions: [
            {
              storageClass: StorageClass.INFREQUENT_ACCESS,
              transitionAfter: props.infrequentAccessAfter ?? Duration.days(90),
            },
            {
              storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL,
              transitionAfter: props.glacierInstantRetrievalAfter ?? Duration.days(365),
            },
          ],
        },
        expireNoncurrentVersions(noncurrentVersionExpiration),
      ],
    });

    this.resultsBucket = new Bucket(this, 'QueryResults', {
      ...this.protectedBucketProps('query-results-bucket/', removalPolicy),
      lifecycleRules: [
        { id: 'expire-query-results', expiration: props.queryResultsExpiration ?? Duration.days(30) },
        expireNoncurrentVersions(Duration.days(1)),
      ],
    });

    this.lakeUri = `s3://${this.bucket.bucketName}/${LAKE_PREFIX}`;
    this.locationTemplate = `${this.lakeUri}/${LAKE_KEY_TEMPLATE}`;

    // Glue and Athena need physical names. They derive from the construct path, so two stacks never clash.
    this.databaseName = Names.uniqueResourceName(this, { maxLength: 64, separator: '_' }).toLowerCase();
    this.database = new CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: { name: this.databaseName, description: 'LeadPilot lead change lake' },
    });
    this.database.applyRemovalPolicy(removalPolicy);

    this.table = this.createTable(props.projectionStartDate ?? '2024-01-01');
    this.table.applyRemovalPolicy(removalPolicy);

    this.workgroupName = Names.uniqueResourceName(this, { maxLength: 128, separator: '-' });
    this.workgroup = this.createWorkgroup(props, removalPolicy);
  }

  /**
   * Grants writing new lake objects: PutObject under the lake prefix and the data key to encrypt them.
   */
  grantWriteObjects(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects(`${LAKE_PREFIX}/*`)] }),
    );
    this.key.grant(grantee, 'kms:GenerateDataKey');
  }

  /**
   * Grants compacting the lake: listing, reading, writing and deleting objects under the lake prefix.
   */
  grantCompactObjects(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [this.bucket.arnForObjects(`${LAKE_PREFIX}/*`)],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(this.listLakeStatement());
    this.key.grant(grantee, 'kms:Decrypt', 'kms:GenerateDataKey');
  }

  /**
   * Grants running queries in the workgroup: the Athena query actions on the workgroup, the Glue reads of
   * the table, reading the lake (Athena reads S3 with the caller's credentials) and reading and writing results.
   */
  grantQuery(grantee: IGrantable): void {
    const stack = Stack.of(this);
    const principal = grantee.grantPrincipal;
    principal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'athena:StartQueryExecution',
          'athena:GetQueryExecution',
          'athena:GetQueryResults',
          'athena:StopQueryExecution',
          'athena:GetWorkGroup',
        ],
        resources: [stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workgroupName })],
      }),
    );
    principal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions'],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
          stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/${LAKE_TABLE}` }),
        ],
      }),
    );
    principal.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects(`${LAKE_PREFIX}/*`)] }),
    );
    principal.addToPrincipalPolicy(this.listLakeStatement());
    principal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:GetBucketLocation'],
        resources: [this.bucket.bucketArn, this.resultsBucket.bucketArn],
      }),
    );
    principal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [this.resultsBucket.bucketArn],
      }),
    );
    principal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [this.resultsBucket.arnForObjects(`${RESULTS_PREFIX}/*`)],
      }),
    );
    this.key.grant(grantee, 'kms:Decrypt', 'kms:GenerateDataKey');
  }

  /** Finding ids of the object-prefix wildcards that the grants above create, for cdk-nag acknowledgments. */
  objectWildcardFindings(): { lakeObjects: string; resultObjects: string } {
    return {
      lakeObjects: arnWildcardFinding(this.bucket.node.defaultChild as CfnResource, `/${LAKE_PREFIX}/*`),
      resultObjects: arnWildcardFinding(this.resultsBucket.node.defaultChild as CfnResource, `/${RESULTS_PREFIX}/*`),
    };
  }

  private listLakeStatement(): PolicyStatement {
    return new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['s3:ListBucket'],
      resources: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${LAKE_PREFIX}/*`] } },
    });
  }

  private protectedBucketProps(logPrefix: string, removalPolicy: RemovalPolicy) {
    return {
      encryption: BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: logPrefix,
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    };
  }

  private createTable(projectionStartDate: string): CfnTable {
    const table = new CfnTable(this, 'LeadChanges', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: this.databaseName,
      tableInput: {
        name: LAKE_TABLE,
        description: 'One row per change of a lead item, without personal data',
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          EXTERNAL: 'TRUE',
          classification: 'parquet',
          'projection.enabled': 'true',
          // `injected`: every query names its tenant, so Athena never lists tenants.
          'projection.tenant.type': 'injected',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': `${projectionStartDate},NOW`,
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          'storage.location.template': this.locationTemplate,
        },
        partitionKeys: LAKE_PARTITION_KEYS.map((name) => ({ name, type: 'string' })),
        storageDescriptor: {
          location: `${this.lakeUri}/${LAKE_TABLE}/`,
          columns: LAKE_COLUMNS.map((column) => ({ name: column.name, type: column.glueType })),
          inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        },
      },
    });
    table.addResourceDependency(this.database);
    return table;
  }

  private createWorkgroup(props: DataLakeProps, removalPolicy: RemovalPolicy): CfnWorkGroup {
    const engine = props.athenaEngine ?? 'v3';
    const workgroup = new CfnWorkGroup(this, 'Workgroup', {
      name: this.workgroupName,
      description: 'LeadPilot nightly KPI queries',
      state: 'ENABLED',
      // Deleting a workgroup that contains saved queries fails unless deletion is recursive.
      recursiveDeleteOption: removalPolicy === RemovalPolicy.DESTROY,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        // NOTE: the DuckDB engine (Preview) bounds compute in DPUs (`max-dpu-count`); the Athena user guide does
        // not say whether it also enforces this cutoff. Check a DuckDB workgroup's behaviour before relying on it.
        bytesScannedCutoffPerQuery: (props.bytesScannedCutoffPerQuery ?? Size.gibibytes(10)).toBytes(),
        engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSIONS[engine] },
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/${RESULTS_PREFIX}/`,
          expectedBucketOwner: Aws.ACCOUNT_ID,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: this.key.keyArn },
        },
      },
    });
    workgroup.applyRemovalPolicy(removalPolicy);
    return workgroup;
  }
}

function expireNoncurrentVersions(after: Duration): LifecycleRule {
  return {
    id: 'expire-noncurrent-versions',
    noncurrentVersionExpiration: after,
    abortIncompleteMultipartUploadAfter: Duration.days(7),
  };
}
