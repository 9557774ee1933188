import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { objectKeyFor, parseObjectKey } from '#shared/lake/keys';
import { LAKE_COLUMNS, type LakeRow } from '#shared/lake/schema';
import { propertiesOf, resourcesOfType, SYNTH_TIMEOUT_MS, type SynthesizedStack, synthesizeLeadPilot } from './synth';

/** Bucket name that stands for the lake bucket's `Ref` when a synthesized `Fn::Join` is turned into text. */
const BUCKET = 'lake-bucket-name';

let synthesized: SynthesizedStack;

beforeAll(() => {
  synthesized = synthesizeLeadPilot({ stage: 'dev' });
}, SYNTH_TIMEOUT_MS);

/** Renders a synthesized `Fn::Join` of strings and `Ref`s to the lake bucket into text. */
function renderJoin(value: unknown): string {
  const join = value as { 'Fn::Join': [string, (string | { Ref: string })[]] };
  return join['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') {
        return part;
      }
      if (!part.Ref.startsWith('DataLakeBucket')) {
        throw new Error(`Unexpected reference ${part.Ref}`);
      }
      return BUCKET;
    })
    .join(join['Fn::Join'][0]);
}

function leadChangesTableInput(): Record<string, unknown> & { Parameters: Record<string, unknown> } {
  const table = propertiesOf(synthesized.template, 'AWS::Glue::Table');
  return (table as { TableInput: Record<string, unknown> & { Parameters: Record<string, unknown> } }).TableInput;
}

function leadRow(overrides: Partial<LakeRow> = {}): LakeRow {
  return {
    event_id: 'c0ffee00-0000-4000-8000-000000000001',
    event_seq: '0000000000000000000000000000000000000042',
    event_name: 'INSERT',
    event_time_ms: Date.UTC(2025, 2, 14, 23, 30),
    entity: 'lead',
    tenant_id: 'demo',
    lead_id: 'lead-1',
    site_id: 'lyon-est',
    integration_id: 'web',
    source: 'website',
    channel: 'organic',
    campaign_id: null,
    campaign_name: null,
    form_id: null,
    utm_source: null,
    utm_medium: null,
    utm_campaign: null,
    category: 'VN',
    interest: null,
    status: 'new',
    is_test: false,
    is_deleted: false,
    person_id: 'person-1',
    dated_at_ms: Date.UTC(2025, 2, 14, 23, 30),
    received_at_ms: Date.UTC(2025, 2, 14, 23, 30),
    local_date: '2025-03-15',
    ...overrides,
  };
}

describe('DataLake Glue table', () => {
  it('declares the lake columns and the tenant and dt partition keys over Parquet', () => {
    expect(leadChangesTableInput()).toMatchObject({
      Name: 'lead_changes',
      TableType: 'EXTERNAL_TABLE',
      PartitionKeys: [
        { Name: 'tenant', Type: 'string' },
        { Name: 'dt', Type: 'string' },
      ],
      StorageDescriptor: {
        Columns: LAKE_COLUMNS.map((column) => ({ Name: column.name, Type: column.glueType })),
        InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
        OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
        SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
      },
    });
  });

  it('projects partitions: injected tenant, daily dt since 2024-01-01', () => {
    const { 'storage.location.template': template, ...projection } = leadChangesTableInput().Parameters;

    expect(projection).toEqual({
      EXTERNAL: 'TRUE',
      classification: 'parquet',
      'projection.enabled': 'true',
      'projection.tenant.type': 'injected',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': '2024-01-01,NOW',
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
    });
    expect(renderJoin(template)).toBe(`s3://${BUCKET}/lake/lead_changes/tenant=\${tenant}/dt=\${dt}/`);
  });

  it.each([
    ['a change late in the UTC day', leadRow()],
    [
      'a removal of another tenant',
      leadRow({ tenant_id: 'groupe-martin', event_name: 'REMOVE', event_time_ms: Date.UTC(2024, 0, 1) }),
    ],
  ])('matches the key the real writer gives %s', (_case, row) => {
    const key = objectKeyFor([row]);
    const partition = parseObjectKey(key);
    const streamConsumer = propertiesOf(synthesized.template, 'AWS::Lambda::Function', (_id, fn) =>
      String(fn.Description).startsWith('LeadPilot stream consumer'),
    );
    const lakeUri = renderJoin((streamConsumer.Environment as { Variables: { LAKE_URI: unknown } }).Variables.LAKE_URI);
    const objectUri = `${lakeUri}/${key}`;

    expect(partition).not.toBeNull();
    const location = renderJoin(leadChangesTableInput().Parameters['storage.location.template'])
      .replace(/\$\{tenant\}/, partition?.tenant ?? '')
      .replace(/\$\{dt\}/, partition?.dt ?? '');
    expect(objectUri.startsWith(location)).toBe(true);
    expect(objectUri.slice(location.length)).toMatch(/^[^/]+\.parquet$/);
  });
});

describe('DataLake Athena workgroup', () => {
  it('enforces its configuration, a 10 GiB cutoff, metrics and encrypted results on engine version 3', () => {
    synthesized.template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: {
          OutputLocation: Match.anyValue(),
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: Match.anyValue() },
        },
      },
    });
  });

  it(
    'selects the DuckDB engine when the context asks for it',
    () => {
      const duckdb = synthesizeLeadPilot({ stage: 'dev', 'leadpilot:athenaEngine': 'duckdb' });

      duckdb.template.hasResourceProperties('AWS::Athena::WorkGroup', {
        WorkGroupConfiguration: Match.objectLike({ EngineVersion: { SelectedEngineVersion: 'DuckDB' } }),
      });
    },
    SYNTH_TIMEOUT_MS,
  );
});

describe('DataLake buckets', () => {
  it('moves old lake objects to cheaper storage and expires old versions', () => {
    synthesized.template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Prefix: 'lake/',
            Status: 'Enabled',
            Transitions: [
              { StorageClass: 'STANDARD_IA', TransitionInDays: 90 },
              { StorageClass: 'GLACIER_IR', TransitionInDays: 365 },
            ],
          }),
          Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
        ]),
      },
    });
  });

  it('expires Athena results after 30 days', () => {
    synthesized.template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 30, Status: 'Enabled' })]),
      },
    });
  });

  it("sends every other bucket's access logs to the log bucket", () => {
    const logged = resourcesOfType(synthesized.template, 'AWS::S3::Bucket').filter(
      ([, bucket]) => bucket.Properties?.LoggingConfiguration !== undefined,
    );

    expect(logged.map(([, bucket]) => bucket.Properties?.LoggingConfiguration)).toEqual([
      { DestinationBucketName: { Ref: expect.stringMatching(/^DataLakeAccessLogs/) }, LogFilePrefix: 'lake-bucket/' },
      {
        DestinationBucketName: { Ref: expect.stringMatching(/^DataLakeAccessLogs/) },
        LogFilePrefix: 'query-results-bucket/',
      },
      {
        DestinationBucketName: { Ref: expect.stringMatching(/^DataLakeAccessLogs/) },
        LogFilePrefix: 'exports-bucket/',
      },
      { DestinationBucketName: { Ref: expect.stringMatching(/^DataLakeAccessLogs/) }, LogFilePrefix: 'web-bucket/' },
      {
        DestinationBucketName: { Ref: expect.stringMatching(/^DataLakeAccessLogs/) },
        LogFilePrefix: 'cloudfront-logs-bucket/',
      },
    ]);
    expect(logged).toHaveLength(resourcesOfType(synthesized.template, 'AWS::S3::Bucket').length - 1);
  });
});
