import { Match } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { ServiceFunction } from '#infra/constructs/service-function';
import { resourcesOfType, SYNTH_TIMEOUT_MS, type SynthesizedStack, synthesizeLeadPilot } from './synth';

let synthesized: SynthesizedStack;

beforeAll(() => {
  synthesized = synthesizeLeadPilot({ stage: 'prod' });
}, SYNTH_TIMEOUT_MS);

/** Returns the function whose description starts with the given text. */
function functionProperties(descriptionStart: string): Record<string, unknown> {
  const match = resourcesOfType(synthesized.template, 'AWS::Lambda::Function').find(([, fn]) =>
    String(fn.Properties?.Description).startsWith(descriptionStart),
  );
  if (match === undefined) {
    throw new Error(`No function described as "${descriptionStart}..."`);
  }
  return match[1].Properties ?? {};
}

/** Logical ids of the Lambda functions of every ServiceFunction in the stack. */
function serviceFunctionLogicalIds(): string[] {
  const stack = synthesized.stack;
  return stack.node
    .findAll()
    .filter((construct): construct is ServiceFunction => construct instanceof ServiceFunction)
    .map((service) => stack.resolve((service.function.node.defaultChild as CfnFunction).logicalId) as string);
}

function environmentOf(descriptionStart: string): Record<string, unknown> {
  return (functionProperties(descriptionStart).Environment as { Variables: Record<string, unknown> }).Variables;
}

describe('LeadPilotFunctions', () => {
  it('runs every LeadPilot function on arm64 Node.js 24 with active tracing and its own log group', () => {
    const ownFunctions = serviceFunctionLogicalIds();
    const functions = resourcesOfType(synthesized.template, 'AWS::Lambda::Function').filter(([id]) =>
      ownFunctions.includes(id),
    );

    expect(ownFunctions).toHaveLength(6);
    expect(functions).toHaveLength(ownFunctions.length);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
      });
    }
  });

  it('gives the dashboard deployment its own log group', () => {
    const others = resourcesOfType(synthesized.template, 'AWS::Lambda::Function').filter(
      ([id]) => !serviceFunctionLogicalIds().includes(id),
    );

    expect(others.map(([id]) => id)).toEqual([expect.stringMatching(/^CustomCDKBucketDeployment/)]);
    expect(others[0]?.[1].Properties?.LoggingConfig).toEqual({
      LogGroup: { Ref: expect.stringMatching(/^WebAppDeploymentLogs/) },
    });
  });

  it('gives the webhook the variables of its configuration', () => {
    expect(environmentOf('LeadPilot webhook')).toEqual({
      POWERTOOLS_SERVICE_NAME: 'leadpilot',
      LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
      LEADS_TABLE_NAME: { Ref: expect.stringMatching(/^LeadStoreLeads/) },
      SECRETS_BACKEND: 'secrets-manager',
      GRAPH_API_BASE_URL: 'https://graph.facebook.com/v21.0',
    });
  });

  it('gives the API both table names, the secrets backend, the exports URI and the export worker', () => {
    expect(environmentOf('LeadPilot API')).toEqual({
      POWERTOOLS_SERVICE_NAME: 'leadpilot',
      LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
      LEADS_TABLE_NAME: { Ref: expect.stringMatching(/^LeadStoreLeads/) },
      AGGREGATES_TABLE_NAME: { Ref: expect.stringMatching(/^LeadStoreAggregates/) },
      SECRETS_BACKEND: 'secrets-manager',
      EXPORTS_URI: { 'Fn::Join': ['', ['s3://', { Ref: expect.stringMatching(/^ExportsBucket/) }, '/leads']] },
      LEAD_EXPORT_FUNCTION_NAME: { Ref: expect.stringMatching(/^LeadExportJobsWorkerFunction/) },
    });
  });

  it('gives the stream consumer the lake URI and the aggregates table', () => {
    expect(environmentOf('LeadPilot stream consumer')).toEqual({
      POWERTOOLS_SERVICE_NAME: 'leadpilot',
      LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
      LAKE_URI: { 'Fn::Join': ['', ['s3://', { Ref: expect.stringMatching(/^DataLakeBucket/) }, '/lake']] },
      AGGREGATES_TABLE_NAME: { Ref: expect.stringMatching(/^LeadStoreAggregates/) },
    });
  });

  it('lets the stream consumer update items of the aggregates table', () => {
    const role = (functionProperties('LeadPilot stream consumer').Role as { 'Fn::GetAtt': [string, string] })[
      'Fn::GetAtt'
    ][0];

    synthesized.template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: role }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['dynamodb:UpdateItem']),
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^LeadStoreAggregates'), 'Arn'] },
          }),
        ]),
      },
    });
  });

  it('points the nightly job at the Athena workgroup and database', () => {
    const { workgroupName, databaseName } = synthesized.stack.lake;

    expect(environmentOf('LeadPilot nightly')).toEqual({
      POWERTOOLS_SERVICE_NAME: 'leadpilot',
      LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
      LAKE_URI: { 'Fn::Join': ['', ['s3://', { Ref: expect.stringMatching(/^DataLakeBucket/) }, '/lake']] },
      AGGREGATES_TABLE_NAME: { Ref: expect.stringMatching(/^LeadStoreAggregates/) },
      QUERY_ENGINE: 'athena',
      ATHENA_WORKGROUP: workgroupName,
      ATHENA_DATABASE: databaseName,
    });
  });

  it('limits Athena actions to the workgroup', () => {
    synthesized.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['athena:GetQueryResults', 'athena:StartQueryExecution']),
            Resource: {
              'Fn::Join': ['', Match.arrayWith([`:workgroup/${synthesized.stack.lake.workgroupName}`])],
            },
          }),
        ]),
      },
    });
  });
});
