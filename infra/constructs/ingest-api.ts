/**
 * The public HTTP API: every route of shared/http/routes.ts, the Cognito user pool whose ID tokens the JWT
 * routes accept, per-route throttling and access logs.
 */
import { Duration, Lazy, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  type HttpRoute,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  UserPoolOperation,
} from 'aws-cdk-lib/aws-cognito';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ROUTES, type RouteDefinition, type RouteTarget } from '#shared/http/routes';
import { acknowledge } from './nag';
import { ServiceFunction } from './service-function';

export interface IngestApiProps {
  /** Handler of the webhook routes. */
  readonly webhook: ServiceFunction;
  /** Handler of the lead and KPI routes. */
  readonly api: ServiceFunction;
  /**
   * Route table; the local gateway serves the same one.
   * @default ROUTES
   */
  readonly routes?: readonly RouteDefinition[];
  /**
   * Stage-wide throttling, for requests that match no route of the table.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly defaultThrottle?: { rateLimit: number; burstLimit: number };
  /**
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the user pool and the log groups when they leave the stack. Anything but `RETAIN` also
   * turns off the user pool's deletion protection.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * HTTP API with a JWT authorizer on the `jwt` routes.
 *
 * The authorizer accepts Cognito ID tokens of the app client (audience = client id). A pre token generation
 * trigger copies the custom attributes `custom:tenant`, `custom:role`, `custom:sites` and `custom:salesperson`
 * into the claims of the same names, so the API handler reads `requestContext.authorizer.jwt.claims.tenant`
 * (and `role`, `sites`, `salesperson`) in AWS as on the local gateway. The webhook routes are open at the gateway because each
 * delivery carries a signature that the webhook checks.
 */
export class IngestApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly userPool: UserPool;
  readonly userPoolClient: UserPoolClient;
  /**
   * App client of the dashboard's hosted-UI sign-in (authorization code grant; a public client, so the
   * dashboard sends a PKCE challenge). Its ID tokens are accepted by the API like those of `userPoolClient`.
   */
  readonly webClient: UserPoolClient;
  readonly accessLogs: LogGroup;
  /** Callback and sign-out URLs of `webClient`, added by `addWebSignInUrl` once the dashboard's URL is known. */
  private readonly webSignInUrls: string[] = [];
  /** Adds the tenant, role and sites claims to ID tokens. */
  readonly claimsTrigger: ServiceFunction;

  constructor(scope: Construct, id: string, props: IngestApiProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;

    this.userPool = this.createUserPool(removalPolicy);
    this.claimsTrigger = new ServiceFunction(this, 'ClaimsTrigger', {
      entry: `infra/constructs/handlers/pre-token-generation.ts`,
      description: 'LeadPilot Cognito trigger: copies tenant, role and sites into ID token claims',
      environment: {},
      memorySize: 256,
      timeout: Duration.seconds(5),
      logRetention,
      removalPolicy,
    });
    this.userPool.addTrigger(UserPoolOperation.PRE_TOKEN_GENERATION, this.claimsTrigger.function);
    this.userPoolClient = this.userPool.addClient('ApiClient', {
      authFlows: { userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      disableOAuth: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      readAttributes: new ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
        .withCustomAttributes('tenant', 'role', 'sites'),
      // Users may edit their name only: a writable tenant, role or sites attribute would let them grant
      // themselves access.
      writeAttributes: new ClientAttributes().withStandardAttributes({ fullname: true }),
    });
    const webSignInUrls = Lazy.list({ produce: () => this.webSignInUrls });
    this.webClient = this.userPool.addClient('WebClient', {
      generateSecret: false,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: webSignInUrls,
        logoutUrls: webSignInUrls,
      },
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(1),
      readAttributes: new ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
        .withCustomAttributes('tenant', 'role', 'sites'),
      writeAttributes: new ClientAttributes().withStandardAttributes({ fullname: true }),
    });

    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: logRetention, removalPolicy });
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'LeadPilot lead webhooks and KPI API',
      createDefaultStage: false,
    });
    const defaultThrottle = props.defaultThrottle ?? { rateLimit: 50, burstLimit: 100 };
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: defaultThrottle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });

    this.addRoutes(props);
  }

  /**
   * Adds a URL that the hosted UI may redirect to after sign-in and sign-out (the dashboard's origin). The web
   * client needs at least one, or CloudFormation rejects it.
   */
  addWebSignInUrl(url: string): void {
    this.webSignInUrls.push(url);
  }

  /** Base URL of the API, without a trailing slash. */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }

  private createUserPool(removalPolicy: RemovalPolicy): UserPool {
    const userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      customAttributes: {
        // A user belongs to one tenant for life; moving tenants means a new user.
        tenant: new StringAttribute({ minLen: 1, maxLen: 63, mutable: false }),
        role: new StringAttribute({ minLen: 1, maxLen: 32, mutable: true }),
        sites: new StringAttribute({ minLen: 1, maxLen: 2048, mutable: true }),
        salesperson: new StringAttribute({ minLen: 1, maxLen: 128, mutable: true }),
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { sms: false, otp: true },
      // The Plus plan's threat protection blocks compromised credentials and risky sign-ins.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    acknowledge(
      userPool,
      'AwsSolutions-COG2',
      'MFA is optional by product decision: every user can enroll a TOTP app, and Plus-plan threat protection ' +
        'challenges or blocks risky sign-ins.',
    );
    return userPool;
  }

  private addRoutes(props: IngestApiProps): void {
    const integrations: Record<RouteTarget, HttpLambdaIntegration> = {
      webhook: new HttpLambdaIntegration('WebhookIntegration', props.webhook.function),
      api: new HttpLambdaIntegration('ApiIntegration', props.api.function),
    };
    const jwtAuthorizer = new HttpUserPoolAuthorizer('JwtAuthorizer', this.userPool, {
      userPoolClients: [this.userPoolClient, this.webClient],
      identitySource: ['$request.header.Authorization'],
    });
    const openRoute = new HttpNoneAuthorizer();

    // RouteSettings is a JSON map in CloudFormation, so CDK passes it through as is: keys must be PascalCase.
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    const created: HttpRoute[] = [];
    for (const route of props.routes ?? ROUTES) {
      const authorizer: IHttpRouteAuthorizer = route.auth === 'jwt' ? jwtAuthorizer : openRoute;
      const [httpRoute] = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrations[route.target],
        authorizer,
      });
      if (httpRoute === undefined) {
        throw new Error(`No route was created for ${route.method} ${route.path}`);
      }
      created.push(httpRoute);
      routeSettings[`${route.method} ${route.path}`] = {
        ThrottlingRateLimit: route.throttleRatePerSecond,
        ThrottlingBurstLimit: route.throttleBurst,
      };
      if (route.auth === 'none') {
        const reason =
          route.target === 'webhook'
            ? 'Webhook senders (ad platforms, dealer sites) cannot present Cognito tokens; the webhook verifies ' +
              'the delivery signature (HMAC, Google key or Meta signature) on the raw body before anything else.'
            : 'The OpenAPI document is public by design so integrators can read the contract without an account.';
        acknowledge(httpRoute, 'AwsSolutions-APIG4', reason);
        acknowledge(httpRoute, 'AwsSolutions-COG4', reason);
      }
    }

    // The L2 stage has no per-route settings, so they go on the L1 stage. CloudFormation rejects settings
    // for route keys that do not exist yet, hence the explicit dependency.
    const cfnStage = this.stage.node.defaultChild as CfnStage;
    cfnStage.routeSettings = routeSettings;
    for (const route of created) {
      cfnStage.node.addDependency(route);
    }
  }
}

/**
 * Access log line: request id, route, status, latency and the authorizer or integration error. It has no
 * source IP, user agent or query string, which can identify a person.
 */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  requestTime: '$context.requestTimeEpoch',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
});
