import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '#shared/http/routes';
import { propertiesOf, resourcesOfType, SYNTH_TIMEOUT_MS, type SynthesizedStack, synthesizeLeadPilot } from './synth';

let synthesized: SynthesizedStack;

beforeAll(() => {
  synthesized = synthesizeLeadPilot({ stage: 'prod', 'leadpilot:tenants': 'demo,groupe-martin' });
}, SYNTH_TIMEOUT_MS);

describe('StreamConsumer', () => {
  it('reads the lead stream with partial batch responses, bisection, bounded retries and a failure queue', () => {
    const [mapping] = resourcesOfType(synthesized.template, 'AWS::Lambda::EventSourceMapping');

    expect(mapping?.[1].Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [expect.stringMatching(/^LeadStoreLeads/), 'StreamArn'] },
      FunctionName: { Ref: expect.stringMatching(/^FunctionsStreamToLakeFunction/) },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 86_400,
      ParallelizationFactor: 1,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^StreamConsumerFailureQueue/), 'Arn'] } },
      },
    });
  });

  it('passes only records whose new or old image is a lead or a lead event', () => {
    const mapping = propertiesOf(synthesized.template, 'AWS::Lambda::EventSourceMapping');
    const filters = (mapping.FilterCriteria as { Filters: { Pattern: string }[] }).Filters;

    expect(filters.map((filter) => JSON.parse(filter.Pattern))).toEqual([
      { dynamodb: { NewImage: { entity: { S: ['lead', 'lead-event'] } } } },
      { dynamodb: { OldImage: { entity: { S: ['lead', 'lead-event'] } } } },
    ]);
  });

  it('raises an alarm as soon as the failure queue holds a message', () => {
    synthesized.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StreamConsumerFailureQueue'), 'QueueName'] },
        },
      ],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });
});

describe('NightlySchedule', () => {
  it('runs at 02:30 Paris time for each tenant of the context', () => {
    const schedules = resourcesOfType(synthesized.template, 'AWS::Scheduler::Schedule');

    expect(schedules.map(([, schedule]) => schedule.Properties)).toEqual(
      ['demo', 'groupe-martin'].map((tenantId) =>
        expect.objectContaining({
          ScheduleExpression: 'cron(30 2 * * ? *)',
          ScheduleExpressionTimezone: 'Europe/Paris',
          State: 'ENABLED',
          Target: expect.objectContaining({
            Arn: { 'Fn::GetAtt': [expect.stringMatching(/^FunctionsNightlyFunction/), 'Arn'] },
            Input: JSON.stringify({ tenantId }),
            RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 },
            DeadLetterConfig: {
              Arn: { 'Fn::GetAtt': [expect.stringMatching(/^NightlyScheduleDeadLetterQueue/), 'Arn'] },
            },
          }),
        }),
      ),
    );
  });

  it('lets the scheduler role invoke the nightly function only', () => {
    const policy = propertiesOf(synthesized.template, 'AWS::IAM::Policy', (_id, candidate) =>
      JSON.stringify(candidate.Roles).includes('NightlyScheduleRole'),
    );
    const statements = (policy.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;

    expect(statements).toContainEqual({
      Action: 'lambda:InvokeFunction',
      Effect: 'Allow',
      Resource: [
        { 'Fn::GetAtt': [expect.stringMatching(/^FunctionsNightlyFunction/), 'Arn'] },
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^FunctionsNightlyFunction/), 'Arn'] }, ':*']] },
      ],
    });
    expect(statements.filter((statement) => String(statement.Action).startsWith('lambda:'))).toHaveLength(1);
  });

  it('raises an alarm on errors of the nightly job', () => {
    synthesized.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^FunctionsNightlyFunction') } }],
      Threshold: 0,
    });
  });
});

describe('IngestApi', () => {
  it('creates every route of the route table with its authorization', () => {
    const routes = resourcesOfType(synthesized.template, 'AWS::ApiGatewayV2::Route').map(([, route]) => ({
      key: route.Properties?.RouteKey,
      authorization: route.Properties?.AuthorizationType,
    }));

    expect(routes).toEqual(
      expect.arrayContaining(
        ROUTES.map((route) => ({
          key: `${route.method} ${route.path}`,
          authorization: route.auth === 'jwt' ? 'JWT' : 'NONE',
        })),
      ),
    );
    expect(routes).toHaveLength(ROUTES.length);
  });

  it('checks JWTs against the Cognito issuer and the API and dashboard app clients', () => {
    synthesized.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [
          { Ref: Match.stringLikeRegexp('^IngestApiUserPoolApiClient') },
          { Ref: Match.stringLikeRegexp('^IngestApiUserPoolWebClient') },
        ],
        Issuer: {
          'Fn::Join': [
            '',
            [
              'https://cognito-idp.',
              { Ref: 'AWS::Region' },
              '.amazonaws.com/',
              { Ref: Match.stringLikeRegexp('^IngestApiUserPool') },
            ],
          ],
        },
      },
    });
  });

  it('throttles each route as the route table says and logs access', () => {
    const [stage] = resourcesOfType(synthesized.template, 'AWS::ApiGatewayV2::Stage');

    expect(stage?.[1].Properties?.RouteSettings).toEqual(
      Object.fromEntries(
        ROUTES.map((route) => [
          `${route.method} ${route.path}`,
          { ThrottlingRateLimit: route.throttleRatePerSecond, ThrottlingBurstLimit: route.throttleBurst },
        ]),
      ),
    );
    expect(stage?.[1].Properties?.AccessLogSettings).toEqual({
      DestinationArn: { 'Fn::GetAtt': [expect.stringMatching(/^IngestApiAccessLogs/), 'Arn'] },
      Format: expect.stringContaining('$context.requestId'),
    });
  });

  it('adds tenant, role and sites to ID tokens and lets users write none of them', () => {
    synthesized.template.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: { PreTokenGeneration: Match.anyValue() },
      Schema: Match.arrayWith([
        Match.objectLike({ Name: 'tenant', Mutable: false }),
        Match.objectLike({ Name: 'role', Mutable: true }),
        Match.objectLike({ Name: 'sites', Mutable: true }),
      ]),
      MfaConfiguration: 'OPTIONAL',
      UserPoolTier: 'PLUS',
    });
    synthesized.template.hasResourceProperties('AWS::Cognito::UserPoolClient', { WriteAttributes: ['name'] });
  });
});

describe('OperationsDashboard', () => {
  it('charts leads by source, webhook errors by code, iterator age, job duration and bytes scanned', () => {
    const [dashboard] = resourcesOfType(synthesized.template, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard?.[1].Properties?.DashboardBody);

    for (const expected of [
      'MetricName=\\\\\\"LeadsReceived\\\\\\"',
      'Namespace=\\\\\\"LeadPilot\\\\\\"',
      'MetricName=\\\\\\"WebhookErrors\\\\\\"',
      'IteratorAge',
      'Duration',
      'ProcessedBytes',
    ]) {
      expect(body).toContain(expected);
    }
  });
});
