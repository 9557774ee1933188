import { beforeAll, describe, expect, it } from 'vitest';
import { LEAD_EXPORT_MAX_EVENT_AGE_SECONDS, LEAD_EXPORT_WORKER_TIMEOUT_SECONDS } from '#shared/export/lead-export-job';
import { propertiesOf, resourcesOfType, SYNTH_TIMEOUT_MS, type SynthesizedStack, synthesizeLeadPilot } from './synth';

let synthesized: SynthesizedStack;

beforeAll(() => {
  synthesized = synthesizeLeadPilot({ stage: 'prod' });
}, SYNTH_TIMEOUT_MS);

function logicalIdOf(type: string, predicate: (id: string) => boolean): string {
  const match = resourcesOfType(synthesized.template, type).find(([id]) => predicate(id));
  if (match === undefined) {
    throw new Error(`No ${type} matches`);
  }
  return match[0];
}

function workerFunctionId(): string {
  return logicalIdOf('AWS::Lambda::Function', (id) => id.startsWith('LeadExportJobsWorkerFunction'));
}

function statementsOfRole(rolePrefix: string): Record<string, unknown>[] {
  const policy = propertiesOf(synthesized.template, 'AWS::IAM::Policy', (id) => id.startsWith(rolePrefix));
  return (policy.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
}

describe('LeadExportJobs', () => {
  it('runs the worker for up to 15 minutes with the lead table and the exports prefix', () => {
    const worker = propertiesOf(synthesized.template, 'AWS::Lambda::Function', (id) => id === workerFunctionId());

    expect(worker).toMatchObject({
      Runtime: 'nodejs24.x',
      Timeout: LEAD_EXPORT_WORKER_TIMEOUT_SECONDS,
      MemorySize: 1024,
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'leadpilot',
          LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
          LEADS_TABLE_NAME: { Ref: expect.stringMatching(/^LeadStoreLeads/) },
          EXPORTS_URI: { 'Fn::Join': ['', ['s3://', { Ref: expect.stringMatching(/^ExportsBucket/) }, '/leads']] },
        },
      },
    });
  });

  it('limits retries and event age of the asynchronous invocation', () => {
    synthesized.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: workerFunctionId() },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: LEAD_EXPORT_MAX_EVENT_AGE_SECONDS,
      Qualifier: '$LATEST',
    });
  });

  it('lets the worker read leads, update tenant partition items and put export files only', () => {
    const bucketId = logicalIdOf('AWS::S3::Bucket', (id) => id.startsWith('ExportsBucket'));
    const tableId = logicalIdOf('AWS::DynamoDB::Table', (id) => id.startsWith('LeadStoreLeads'));
    const statements = statementsOfRole('LeadExportJobsWorkerRole');

    expect(statements).toContainEqual({
      Action: 'dynamodb:UpdateItem',
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['TENANT#*'] } },
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
    });
    expect(statements).toContainEqual({
      Action: 's3:PutObject',
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/leads/*']] },
    });
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions).not.toContain('dynamodb:PutItem');
    expect(actions).not.toContain('dynamodb:DeleteItem');
    expect(actions).not.toContain('s3:GetObject');
  });

  it('lets the API invoke the worker and nothing else', () => {
    const statements = statementsOfRole('FunctionsApiRole');

    expect(statements).toContainEqual({
      Action: 'lambda:InvokeFunction',
      Effect: 'Allow',
      Resource: [
        { 'Fn::GetAtt': [workerFunctionId(), 'Arn'] },
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [workerFunctionId(), 'Arn'] }, ':*']] },
      ],
    });
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    const own = synthesized.findings.filter(
      (finding) => finding.path.includes('/LeadExportJobs/') || finding.path.includes('/Functions/Api/'),
    );

    expect(own).toEqual([]);
  });
});
