import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  resourcesOfType,
  SYNTH_TIMEOUT_MS,
  type SynthesizedStack,
  synthesizeLeadPilot,
  synthesizeWithFindings,
} from './synth';

/** Resource types that hold data or configuration that must outlive the stack in production. */
const STATEFUL_TYPES = [
  'AWS::DynamoDB::Table',
  'AWS::KMS::Key',
  'AWS::S3::Bucket',
  'AWS::SQS::Queue',
  'AWS::Logs::LogGroup',
  'AWS::Cognito::UserPool',
  'AWS::Glue::Database',
  'AWS::Glue::Table',
  'AWS::Athena::WorkGroup',
];

/** Number of S3 buckets that the stack's constructs define. */
function bucketsDefinedBy(synthesized: SynthesizedStack): number {
  return synthesized.stack.node.findAll().filter((construct) => construct instanceof Bucket).length;
}

const stages: Record<'dev' | 'prod', SynthesizedStack> = {} as Record<'dev' | 'prod', SynthesizedStack>;

beforeAll(() => {
  stages.dev = synthesizeLeadPilot({ stage: 'dev' });
  stages.prod = synthesizeLeadPilot({ stage: 'prod' });
}, SYNTH_TIMEOUT_MS);

describe('cdk-nag AwsSolutions checks', () => {
  it('reports findings of a non-compliant bucket', () => {
    const app = new App();
    new Bucket(new Stack(app, 'Probe'), 'Open');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    const rules = synthesizeWithFindings(app).map((finding) => finding.rule);

    expect(rules).toContain('AwsSolutions-S1');
    expect(rules).toContain('AwsSolutions-S10');
  });

  it.each(['dev', 'prod'] as const)('finds nothing unacknowledged in %s', (stage) => {
    expect(stages[stage].findings).toEqual([]);
  });
});

describe('LeadPilotStack in prod', () => {
  it.each(STATEFUL_TYPES)('retains every %s', (type) => {
    const resources = resourcesOfType(stages.prod.template, type);

    expect(resources.length).toBeGreaterThan(0);
    for (const [, resource] of resources) {
      expect({ DeletionPolicy: resource.DeletionPolicy, UpdateReplacePolicy: resource.UpdateReplacePolicy }).toEqual({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    }
  });

  it('protects tables and the user pool from deletion', () => {
    for (const [, table] of resourcesOfType(stages.prod.template, 'AWS::DynamoDB::Table')) {
      expect(table.Properties?.DeletionProtectionEnabled).toBe(true);
    }
    stages.prod.template.hasResourceProperties('AWS::Cognito::UserPool', { DeletionProtection: 'ACTIVE' });
  });

  it('empties no bucket on deletion', () => {
    stages.prod.template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  it('keeps function logs for six months', () => {
    for (const [, logGroup] of resourcesOfType(stages.prod.template, 'AWS::Logs::LogGroup')) {
      expect(logGroup.Properties?.RetentionInDays).toBe(180);
    }
  });
});

describe('LeadPilotStack in dev', () => {
  it.each(STATEFUL_TYPES)('destroys every %s', (type) => {
    const resources = resourcesOfType(stages.dev.template, type);

    expect(resources.length).toBeGreaterThan(0);
    for (const [, resource] of resources) {
      expect(resource.DeletionPolicy).toBe('Delete');
    }
  });

  it('empties each bucket before deleting it', () => {
    const buckets = resourcesOfType(stages.dev.template, 'AWS::S3::Bucket');

    expect(buckets).toHaveLength(bucketsDefinedBy(stages.dev));
    stages.dev.template.resourceCountIs('Custom::S3AutoDeleteObjects', buckets.length);
  });

  it('keeps logs for one week', () => {
    for (const [, logGroup] of resourcesOfType(stages.dev.template, 'AWS::Logs::LogGroup')) {
      expect(logGroup.Properties?.RetentionInDays).toBe(7);
    }
  });
});

describe.each(['dev', 'prod'] as const)('encryption in %s', (stage) => {
  it('encrypts both tables with a customer managed key, with point-in-time recovery', () => {
    const tables = resourcesOfType(stages[stage].template, 'AWS::DynamoDB::Table');

    expect(tables).toHaveLength(2);
    for (const [, table] of tables) {
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: expect.anything() },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
    }
  });

  it('rotates every KMS key', () => {
    for (const [, key] of resourcesOfType(stages[stage].template, 'AWS::KMS::Key')) {
      expect(key.Properties?.EnableKeyRotation).toBe(true);
    }
  });

  it('encrypts, versions and closes every bucket', () => {
    const buckets = resourcesOfType(stages[stage].template, 'AWS::S3::Bucket');

    expect(buckets).toHaveLength(bucketsDefinedBy(stages[stage]));
    for (const [, bucket] of buckets) {
      expect(bucket.Properties).toMatchObject({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { ServerSideEncryptionByDefault: { SSEAlgorithm: expect.stringMatching(/^(aws:kms|AES256)$/) } },
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      });
    }
  });

  it('denies requests without TLS on every bucket and queue', () => {
    const denyInsecure = Match.arrayWith([
      Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]);
    expect(resourcesOfType(stages[stage].template, 'AWS::S3::BucketPolicy')).toHaveLength(
      resourcesOfType(stages[stage].template, 'AWS::S3::Bucket').length,
    );
    stages[stage].template.allResourcesProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: denyInsecure },
    });
    stages[stage].template.allResourcesProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: denyInsecure },
    });
  });

  it('encrypts every queue', () => {
    for (const [, queue] of resourcesOfType(stages[stage].template, 'AWS::SQS::Queue')) {
      expect(queue.Properties?.SqsManagedSseEnabled ?? queue.Properties?.KmsMasterKeyId).toBeTruthy();
    }
  });
});

describe('IAM policies', () => {
  it.each(['dev', 'prod'] as const)('grant no * or service:* action in %s', (stage) => {
    const actions = resourcesOfType(stages[stage].template, 'AWS::IAM::Policy').flatMap(([, policy]) => {
      const document = policy.Properties?.PolicyDocument as { Statement: { Action: string | string[] }[] };
      return document.Statement.flatMap((statement) => [statement.Action].flat());
    });

    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((action) => action === '*' || /^[a-z0-9-]+:\*$/.test(action))).toEqual([]);
  });

  it('limits Secrets Manager reads to leadpilot/ secrets', () => {
    stages.prod.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 'secretsmanager:GetSecretValue',
            Effect: 'Allow',
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':secretsmanager:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':secret:leadpilot/*',
                ],
              ],
            },
          },
        ]),
      },
    });
  });

  it('attaches no AWS managed policy to function roles', () => {
    for (const [, role] of resourcesOfType(stages.prod.template, 'AWS::IAM::Role')) {
      expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
    }
  });
});
