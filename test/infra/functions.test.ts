import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
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

function environmentOf(descriptionStart: string): Record<string, unknown> {
  return (functionProperties(descriptionStart).Environment as { Variables: Record<string, unknown> }).Variables;
}

describe('LeadPilotFunctions', () => {
  it('runs every function on arm64 Node.js 24 with active tracing and its own log group', () => {
    const functions = resourcesOfType(synthesized.template, 'AWS::Lambda::Function');

    expect(functions).toHaveLength(5);
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

  it('gives the API both table names', () => {
    expect(environmentOf('LeadPilot API')).toEqual({
      POWERTOOLS_SERVICE_NAME: 'leadpilot',
      LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
      LEADS_TABLE_NAME: { Ref: expect.stringMatching(/^LeadStoreLeads/) },
      AGGREGATES_TABLE_NAME: { Ref: expect.stringMatching(/^LeadStoreAggregates/) },
    });
  });

  it('gives the stream consumer the lake URI', () => {
    expect(environmentOf('LeadPilot stream consumer')).toEqual({
      POWERTOOLS_SERVICE_NAME: 'leadpilot',
      LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
      LAKE_URI: { 'Fn::Join': ['', ['s3://', { Ref: expect.stringMatching(/^DataLakeBucket/) }, '/lake']] },
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
