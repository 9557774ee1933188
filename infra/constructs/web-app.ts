/**
 * The dashboard in AWS: web/dist in a private bucket behind CloudFront, the HTTP API under the same origin at
 * `/v1/*`, and `/config.json` telling the dashboard to sign in through the Cognito hosted UI. Also the bucket
 * that holds lead exports too large for an API response.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Aws, Duration, Fn, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CacheCookieBehavior,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Function as CloudFrontFunction,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { UserPool, UserPoolDomain } from 'aws-cdk-lib/aws-cognito';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  type IBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, type ISource, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { IngestApi } from './ingest-api';
import { acknowledge, arnWildcardFinding } from './nag';
import { PROJECT_ROOT } from './service-function';

/** Folder of the built dashboard (`vite build` in web/). */
export const WEB_DIST_DIR = join(PROJECT_ROOT, 'web', 'dist');

/** Prefix of the lead exports inside the exports bucket. */
export const LEAD_EXPORTS_PREFIX = 'leads';

/** Served as index.html when web/dist has not been built, so that synthesis works without a build. */
const PLACEHOLDER_PAGE =
  '<!doctype html><html lang="fr"><meta charset="utf-8"><title>LeadPilot</title>' +
  '<p>Le tableau de bord n’a pas été construit : lancez <code>npx vite build web</code> puis redéployez.</p></html>';

/**
 * Rewrites dashboard routes (paths without a file extension) to /index.html, so that a shared link such as
 * /sources?from=... loads the app. A CloudFront function does this instead of error responses, which would
 * also turn the API's 403 and 404 answers into index.html.
 */
const SPA_REWRITE = `function handler(event) {
  var request = event.request;
  var last = request.uri.split('/').pop();
  if (last.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}`;

export interface WebAppProps {
  readonly api: IngestApi;
  /** Bucket that receives the S3 server access logs of the site bucket. */
  readonly accessLogsBucket: IBucket;
  /**
   * Built dashboard to deploy. When it has no index.html, a placeholder page is deployed instead.
   * @default WEB_DIST_DIR
   */
  readonly distDir?: string;
  /**
   * What happens to the buckets when they leave the stack. With `DESTROY` they are emptied first.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Age after which CloudFront access logs are deleted.
   * @default Duration.days(365)
   */
  readonly accessLogsExpiration?: Duration;
  /**
   * Retention of the deployment function's log group, which also follows `removalPolicy`.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
}

/** The dashboard's bucket, CloudFront distribution, Cognito hosted-UI domain and deployment. */
export class WebApp extends Construct {
  readonly bucket: Bucket;
  /** CloudFront standard logs; ACLs are enabled because CloudFront's log delivery writes with them. */
  readonly logsBucket: Bucket;
  readonly distribution: Distribution;
  readonly userPoolDomain: UserPoolDomain;
  /** Whether web/dist had a build; false means the placeholder page was deployed. */
  readonly hasBuild: boolean;
  /**
   * Role and log group of the function that copies the site into the bucket. They replace the ones CDK would
   * create: its role carries the AWS managed AWSLambdaBasicExecutionRole and its log group keeps logs two years.
   */
  readonly deploymentRole: Role;
  readonly deploymentLogs: LogGroup;

  constructor(scope: Construct, id: string, props: WebAppProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const autoDeleteObjects = removalPolicy === RemovalPolicy.DESTROY;

    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'web-bucket/',
      lifecycleRules: [{ id: 'expire-old-builds', noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy,
      autoDeleteObjects,
    });
    this.logsBucket = new Bucket(this, 'CloudFrontLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'cloudfront-logs-bucket/',
      lifecycleRules: [
        {
          id: 'expire-cloudfront-logs',
          expiration: props.accessLogsExpiration ?? Duration.days(365),
          noncurrentVersionExpiration: Duration.days(30),
        },
      ],
      removalPolicy,
      autoDeleteObjects,
    });

    this.distribution = this.createDistribution(props.api);
    this.userPoolDomain = this.createHostedUiDomain(props.api.userPool);
    const signInUrl = `https://${this.distribution.distributionDomainName}/`;
    props.api.addWebSignInUrl(signInUrl);

    const distDir = props.distDir ?? WEB_DIST_DIR;
    this.hasBuild = existsSync(join(distDir, 'index.html'));
    const site: ISource = this.hasBuild ? Source.asset(distDir) : Source.data('index.html', PLACEHOLDER_PAGE);
    const config = Source.jsonData('config.json', {
      auth: 'cognito',
      cognito: {
        domain: this.userPoolDomain.baseUrl(),
        clientId: props.api.webClient.userPoolClientId,
        redirectUri: signInUrl,
        scopes: ['openid', 'email', 'profile'],
      },
    });
    this.deploymentLogs = new LogGroup(this, 'DeploymentLogs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy,
    });
    this.deploymentRole = new Role(this, 'DeploymentRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'LeadPilot dashboard deployment: copies web/dist and config.json into the site bucket',
    });
    this.deploymentLogs.grantWrite(this.deploymentRole);
    new BucketDeployment(this, 'Deployment', {
      sources: [site, config],
      role: this.deploymentRole,
      logGroup: this.deploymentLogs,
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/config.json'],
      memoryLimit: 512,
    });
    this.acknowledgeFindings();
  }

  /** `https://<distribution domain>`, the dashboard's origin. */
  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }

  private createDistribution(api: IngestApi): Distribution {
    const apiDomain = `${api.httpApi.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`;
    // The API sends `cache-control: no-store`, so nothing is cached; a maximum TTL above zero is only what
    // CloudFront requires before a cache policy may forward the Authorization header.
    const apiCachePolicy = new CachePolicy(this, 'ApiCachePolicy', {
      comment: 'LeadPilot API: forwards Authorization and the query string, caches nothing the API marks no-store',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(1),
      headerBehavior: CacheHeaderBehavior.allowList('Authorization'),
      queryStringBehavior: CacheQueryStringBehavior.all(),
      cookieBehavior: CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    const securityHeaders = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'LeadPilot dashboard security headers',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          // ECharts sets inline styles on its elements; scripts stay same-origin only.
          contentSecurityPolicy:
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
            `connect-src 'self' https://*.amazoncognito.com https://*.${Aws.URL_SUFFIX}; ` +
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self' https://*.amazoncognito.com",
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
      },
    });
    const spaRewrite = new CloudFrontFunction(this, 'SpaRewrite', {
      code: FunctionCode.fromInline(SPA_REWRITE),
      runtime: FunctionRuntime.JS_2_0,
      comment: 'LeadPilot dashboard: serves index.html for app routes',
    });

    return new Distribution(this, 'Distribution', {
      comment: 'LeadPilot dashboard and API',
      defaultRootObject: 'index.html',
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logsBucket,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: securityHeaders,
        compress: true,
        functionAssociations: [{ function: spaRewrite, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        '/v1/*': {
          origin: new HttpOrigin(apiDomain, { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY }),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: apiCachePolicy,
          // API Gateway routes on its own Host name, so the viewer's Host must not reach it.
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: securityHeaders,
          compress: true,
        },
      },
    });
  }

  /**
   * The Cognito hosted UI's domain: a prefix unique to this construct path and the account, because Cognito
   * prefixes are global across accounts.
   */
  private createHostedUiDomain(userPool: UserPool): UserPoolDomain {
    const prefix = Fn.join('-', [
      Names.uniqueResourceName(this, { maxLength: 30, separator: '-' }).toLowerCase(),
      Aws.ACCOUNT_ID,
    ]);
    return userPool.addDomain('HostedUi', { cognitoDomain: { domainPrefix: prefix } });
  }

  private acknowledgeFindings(): void {
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'Dealer staff sign in from France and travel abroad; access is controlled by Cognito sign-in, not geography.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR2',
      'A CloudFront web ACL must live in us-east-1, outside this regional stack; the API behind /v1/* is ' +
        'throttled per route by API Gateway and every data route needs a Cognito token.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR4',
      'The distribution uses the default *.cloudfront.net certificate, whose minimum TLS version CloudFront fixes; ' +
        'a custom domain with an ACM certificate would allow TLSv1.2_2021.',
    );
    acknowledge(
      this.logsBucket,
      'AwsSolutions-S1',
      'This bucket receives CloudFront logs and sends its own access logs to the stack access log bucket.',
    );
    const grantReason =
      'Grants that BucketDeployment adds: read the CDK asset bucket and write the site bucket, both named.';
    const findings = [
      'Action::s3:GetBucket*',
      'Action::s3:GetObject*',
      'Action::s3:List*',
      'Action::s3:Abort*',
      'Action::s3:DeleteObject*',
      'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
    ].map((finding) => `AwsSolutions-IAM5[${finding}]`);
    findings.push(arnWildcardFinding(this.bucket.node.defaultChild as CfnBucket, '/*'));
    for (const finding of findings) {
      acknowledge(this.deploymentRole, finding, grantReason);
    }
    acknowledge(
      this.deploymentRole,
      'AwsSolutions-IAM5[Resource::*]',
      'BucketDeployment invalidates the distribution after a deployment; CloudFront invalidation permissions ' +
        'take no resource narrower than the distribution ARN, which CDK leaves as *.',
    );
    const stack = Stack.of(this);
    for (const child of stack.node.children) {
      if (child.node.id.startsWith('Custom::CDKBucketDeployment')) {
        acknowledge(child, 'AwsSolutions-L1', 'CDK-owned function of BucketDeployment; CDK chooses its runtime.');
      }
    }
  }
}

export interface ExportsBucketProps {
  /** Bucket that receives the S3 server access logs of the exports bucket. */
  readonly accessLogsBucket: IBucket;
  /**
   * What happens to the bucket when it leaves the stack. With `DESTROY` it is emptied first.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Lead exports too large for an API response. Objects expire after a day, because each is downloaded once,
 * through a link that expires within minutes.
 */
export class ExportsBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: ExportsBucketProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'exports-bucket/',
      // Expiry of a current version only adds a delete marker in a versioned bucket; the noncurrent version,
      // which holds the personal data, goes a day later.
      lifecycleRules: [
        {
          id: 'expire-exports',
          expiration: Duration.days(1),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    });
  }

  /** `s3://<bucket>/leads`, the API's EXPORTS_URI. */
  get leadExportsUri(): string {
    return `s3://${this.bucket.bucketName}/${LEAD_EXPORTS_PREFIX}`;
  }
}
