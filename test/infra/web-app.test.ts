import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { propertiesOf, resourcesOfType, SYNTH_TIMEOUT_MS, type SynthesizedStack, synthesizeLeadPilot } from './synth';

let synthesized: SynthesizedStack;

beforeAll(() => {
  synthesized = synthesizeLeadPilot({ stage: 'dev' });
}, SYNTH_TIMEOUT_MS);

function logicalIdOf(type: string, predicate: (id: string) => boolean): string {
  const match = resourcesOfType(synthesized.template, type).find(([id]) => predicate(id));
  if (match === undefined) {
    throw new Error(`No ${type} matches`);
  }
  return match[0];
}

describe('WebApp distribution', () => {
  it('serves the site bucket through origin access control', () => {
    synthesized.template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    synthesized.template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        Logging: Match.objectLike({ Bucket: Match.anyValue(), Prefix: 'cloudfront/' }),
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          ResponseHeadersPolicyId: Match.anyValue(),
          FunctionAssociations: [Match.objectLike({ EventType: 'viewer-request' })],
        }),
        Origins: Match.arrayWith([
          Match.objectLike({ OriginAccessControlId: Match.anyValue(), S3OriginConfig: Match.anyValue() }),
        ]),
      }),
    });
  });

  it('routes /v1/* to the HTTP API without caching and without the Host header', () => {
    const distribution = propertiesOf(synthesized.template, 'AWS::CloudFront::Distribution');
    const config = distribution.DistributionConfig as {
      CacheBehaviors: Record<string, unknown>[];
      Origins: { Id: string; DomainName: unknown; CustomOriginConfig?: Record<string, unknown> }[];
    };
    const apiBehavior = config.CacheBehaviors.find((behavior) => behavior.PathPattern === '/v1/*');
    const apiOrigin = config.Origins.find((origin) => origin.Id === apiBehavior?.TargetOriginId);

    expect(apiBehavior).toMatchObject({
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      ViewerProtocolPolicy: 'https-only',
      // The managed AllViewerExceptHostHeader origin request policy.
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
    });
    expect(apiOrigin?.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only' });
    expect(JSON.stringify(apiOrigin?.DomainName)).toContain('execute-api');
  });

  it('forwards Authorization through a cache policy that caches nothing', () => {
    synthesized.template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        MinTTL: 0,
        DefaultTTL: 0,
        MaxTTL: 1,
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Authorization'] },
          QueryStringsConfig: { QueryStringBehavior: 'all' },
          CookiesConfig: { CookieBehavior: 'none' },
        }),
      }),
    });
  });

  it('sends security headers', () => {
    const policy = propertiesOf(synthesized.template, 'AWS::CloudFront::ResponseHeadersPolicy');

    expect(JSON.stringify(policy)).toContain("frame-ancestors 'none'");
    synthesized.template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: Match.objectLike({ Override: true }),
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 31_536_000 }),
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
        }),
      }),
    });
  });
});

describe('WebApp site bucket', () => {
  it('is private, encrypted and logged', () => {
    const bucketId = logicalIdOf('AWS::S3::Bucket', (id) => id.startsWith('WebAppBucket'));

    expect(propertiesOf(synthesized.template, 'AWS::S3::Bucket', (id) => id === bucketId)).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { DestinationBucketName: expect.anything(), LogFilePrefix: 'web-bucket/' },
    });
  });

  it('deploys the build and a config.json with the hosted UI settings', () => {
    const deployment = propertiesOf(synthesized.template, 'Custom::CDKBucketDeployment');
    const rendered = JSON.stringify(deployment);

    expect(deployment.DistributionPaths).toEqual(['/index.html', '/config.json']);
    expect(deployment.SourceMarkers).toHaveLength(2);
    const configFolder = readdirSync(synthesized.app.outdir).find((name) =>
      existsSync(join(synthesized.app.outdir, name, 'config.json')),
    );
    const config = readFileSync(join(synthesized.app.outdir, configFolder ?? '', 'config.json'), 'utf8');

    expect(JSON.parse(config)).toEqual({
      auth: 'cognito',
      cognito: {
        domain: 'https://<<marker:0xbaba:0>>.auth.<<marker:0xbaba:1>>.amazoncognito.com',
        clientId: '<<marker:0xbaba:2>>',
        redirectUri: 'https://<<marker:0xbaba:3>>/',
        scopes: ['openid', 'email', 'profile'],
      },
    });
    expect(rendered).toContain('IngestApiUserPoolHostedUi');
    expect(rendered).toContain('IngestApiUserPoolWebClient');
    expect(rendered).toContain('WebAppDistribution');
  });
});

describe('WebApp sign-in', () => {
  it('adds a hosted UI domain', () => {
    synthesized.template.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
  });

  it('adds a public code-grant client whose callback is the distribution', () => {
    const client = propertiesOf(synthesized.template, 'AWS::Cognito::UserPoolClient', (id) =>
      id.startsWith('IngestApiUserPoolWebClient'),
    );

    expect(client).toMatchObject({
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      GenerateSecret: false,
      SupportedIdentityProviders: ['COGNITO'],
    });
    expect(JSON.stringify(client.CallbackURLs)).toContain('DomainName');
  });

  it('lets the API accept ID tokens of both clients', () => {
    synthesized.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      JwtConfiguration: { Audience: [Match.anyValue(), Match.anyValue()], Issuer: Match.anyValue() },
    });
  });
});

describe('ExportsBucket', () => {
  it('expires exports after a day', () => {
    const bucketId = logicalIdOf('AWS::S3::Bucket', (id) => id.startsWith('ExportsBucket'));

    expect(propertiesOf(synthesized.template, 'AWS::S3::Bucket', (id) => id === bucketId)).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'expire-exports',
            ExpirationInDays: 1,
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            Status: 'Enabled',
          },
        ],
      },
    });
  });

  it('gives the API GetObject under the leads prefix only, to sign links', () => {
    const bucketId = logicalIdOf('AWS::S3::Bucket', (id) => id.startsWith('ExportsBucket'));
    const apiPolicy = propertiesOf(synthesized.template, 'AWS::IAM::Policy', (id) => id.startsWith('FunctionsApiRole'));
    const statements = (apiPolicy.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement;
    const exportStatements = statements.filter((statement) => JSON.stringify(statement.Resource).includes(bucketId));

    expect(exportStatements).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/leads/*']] },
      },
    ]);
  });

  it('sets the API EXPORTS_URI to the leads prefix', () => {
    const api = propertiesOf(synthesized.template, 'AWS::Lambda::Function', (_id, fn) =>
      String(fn.Description).startsWith('LeadPilot API'),
    );

    expect((api.Environment as { Variables: Record<string, unknown> }).Variables.EXPORTS_URI).toEqual({
      'Fn::Join': [
        '',
        ['s3://', { Ref: logicalIdOf('AWS::S3::Bucket', (id) => id.startsWith('ExportsBucket')) }, '/leads'],
      ],
    });
  });
});

describe('cdk-nag on the web app and exports', () => {
  it('finds nothing unacknowledged on them', () => {
    const own = synthesized.findings.filter(
      (finding) =>
        finding.path.includes('/WebApp/') ||
        finding.path.includes('/Exports/') ||
        finding.path.includes('CDKBucketDeployment') ||
        finding.path.includes('/Functions/Api/'),
    );

    expect(own).toEqual([]);
  });
});
