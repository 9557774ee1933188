/**
 * One LeadPilot Lambda function as the handlers expect to run: an ESM bundle built by esbuild, arm64, its own
 * role with no managed policy, its own log group with retention, and active X-Ray tracing.
 */
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from './nag';

/**
 * Prepended to every bundle: ESM output has no `require`, which some CommonJS dependencies call at run time.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as leadpilotCreateRequire } from 'node:module'; const require = leadpilotCreateRequire(import.meta.url);";

/**
 * Packages left out of the bundles. The Lambda Node.js runtime ships AWS SDK v3. DuckDB is the local query
 * engine only: in AWS the nightly job queries Athena, so the bundle must not load `@duckdb/node-api`.
 */
/** Repository root, found from this file's location so that synthesis does not depend on the working directory. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

export const EXTERNAL_MODULES = ['@aws-sdk/*', '@duckdb/node-api'];

export interface ServiceFunctionProps {
  /** Handler module, relative to the repository root (`functions/webhook.ts`); it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /** Variables that functions/config.ts reads for this handler. */
  readonly environment: Record<string, string>;
  /**
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Memory in MiB; CPU share grows with it.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Node.js runtime. The handlers use only APIs that Node.js 20 and later have.
   * @default Runtime.NODEJS_24_X
   */
  readonly runtime?: Runtime;
  /**
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** A NodejsFunction with a dedicated role and log group. */
export class ServiceFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // A role of its own instead of the default one, which attaches the AWS managed AWSLambdaBasicExecutionRole
    // (logs on every log group of the account).
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (execution role)`,
    });
    this.logGroup.grantWrite(this.role);

    const runtime = props.runtime ?? Runtime.NODEJS_24_X;
    this.function = new NodejsFunction(this, 'Function', {
      entry: `${PROJECT_ROOT}/${props.entry}`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}/package-lock.json`,
      description: props.description,
      runtime,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      // Stack traces in the logs then point into the TypeScript sources instead of the minified bundle.
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        banner: ESM_REQUIRE_BANNER,
        externalModules: EXTERNAL_MODULES,
      },
    });

    acknowledge(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray PutTraceSegments and PutTelemetryRecords, added by active tracing, support no resource-level permission.',
    );
    acknowledge(
      this.function,
      'AwsSolutions-L1',
      `The runtime is pinned to ${runtime.name}, a Node.js LTS line. cdk-nag asks for the newest runtime that ` +
        'aws-cdk-lib knows, which may be a release that is not LTS yet.',
    );
  }
}
