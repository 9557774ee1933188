/**
 * The local stack: DynamoDB Local with the project's tables, a stand-in for Meta's Graph API, the five Lambda
 * handlers running in this process, a stream poller in place of the event source mapping, and a gateway in
 * place of API Gateway that also serves the Lambda Invoke API.
 * `npm start` and the integration tests both start it through `startLocalStack`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { createDocumentClient } from '#shared/adapters/dynamodb';
import { DomainError } from '#shared/errors';
import { LOCAL_EXPORTS_PATH, serveLocalExport } from '#shared/export/export-store-fs';
import { AGGREGATES_TABLE, LEADS_TABLE } from '#shared/store/tables';
import { apiReferencePage } from './api-docs';
import { ensureDataFormat } from './data-format';
import { type DevTokenClaims, ensureDevJwtSecret, issueDevToken } from './dev-token';
import { type DynamoDbLocal, ensureTable, LOCAL_AWS, startDynamoDbLocal } from './dynamodb-local';
import { PortInUseError } from './errors';
import { type Gateway, type GatewayOptions, type HttpHandler, type LocalRoute, startGateway } from './gateway';
import { type GraphServer, startGraphServer } from './graph-server';
import { type LocalFunctionHandler, LocalLambdaApi } from './lambda-api';
import { createLambdaContext } from './lambda-context';
import { isAddressInUse, listenPort, reserveFreePort } from './ports';
import { type StreamHandler, StreamPoller } from './stream-poller';
import { loadTenantDocument } from './tenant';
import { webAssets, webConfigPage } from './web-assets';

/** Root of the repository, where `test/fixtures` lives. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES_DIR = join(REPOSITORY_ROOT, 'test', 'fixtures');
export const DEMO_TENANT_DOCUMENT = join(FIXTURES_DIR, 'tenants', 'demo.json');

/** Local physical names of the tables. In AWS, CDK names them. */
export const LOCAL_TABLE_NAMES = { leads: 'leads', aggregates: 'aggregates' } as const;

/** Local name of the lead export worker, which the API invokes through the gateway's Lambda Invoke API. */
export const LOCAL_LEAD_EXPORT_FUNCTION = 'lead-export';

/** The worker's timeout in AWS; locally the context reports it, but nothing stops a handler that runs past it. */
const LEAD_EXPORT_TIMEOUT_MS = 15 * 60_000;

export interface NightlyInvocation {
  tenantId: string;
  from?: string;
  to?: string;
}

/** The nightly handler's signature, as `functions/nightly.ts` exports it. */
export type NightlyHandler = (event: NightlyInvocation, context: Context) => Promise<unknown>;

export interface LocalHandlers {
  webhook: HttpHandler;
  api: HttpHandler;
  streamToLake: StreamHandler;
  nightly: NightlyHandler;
  /** The lead export worker, as `functions/lead-export.ts` exports it; the local Lambda API invokes it. */
  leadExport: LocalFunctionHandler;
}

export interface LocalStackOptions {
  dataDir: string;
  /** Gateway port; 0 picks a free one. */
  port: number;
  /** Replays the fixtures and posts a simulated month of leads once the stack is up. */
  demoData: boolean;
  /** Deletes the data directory first. */
  fresh: boolean;
  log?: (line: string) => void;
  /** DynamoDB Local port; a free one when absent. */
  dynamoPort?: number;
  /** Graph API stand-in port; a free one when absent. */
  graphPort?: number;
  /** Handlers that replace the real ones, for tests of the stack itself. */
  handlers?: Partial<LocalHandlers>;
  poller?: { pollIntervalMs?: number; maxRetryAttempts?: number; retryBaseDelayMs?: number };
  /** Called with every handler response of the gateway (tests check them against the OpenAPI document). */
  observeResponse?: GatewayOptions['observeResponse'];
  /** The gateway's route, tenant and integration limits; the defaults of `RateLimiter` when absent. */
  rateLimits?: GatewayOptions['rateLimits'];
  /** Folder of the built dashboard served at `/`; web/dist when absent. */
  webDistDir?: string;
}

export interface LocalStack {
  url: string;
  port: number;
  dynamoPort: number;
  graphPort: number;
  dataDir: string;
  tenantId: string;
  dynamodb: DynamoDbLocal;
  documentClient: DynamoDBDocumentClient;
  poller: StreamPoller;
  graph: GraphServer;
  /** Issues a dev token; defaults to a group admin of the demo tenant. */
  issueToken(claims?: Partial<DevTokenClaims>): Promise<string>;
  /** Drains the stream poller, then runs the nightly handler, as `POST /_local/nightly` does. */
  runNightly(input: NightlyInvocation): Promise<unknown>;
  /** Resolves once every asynchronous invocation (lead export jobs) has finished. */
  waitForInvocations(): Promise<void>;
  stop(): Promise<void>;
}

const nightlyRequestSchema = z.object({
  tenantId: z.string().min(1),
  from: z.string().optional(),
  to: z.string().optional(),
});

/**
 * Starts the stack and resolves once every part responds. On failure, the parts already started are stopped
 * before the error propagates.
 *
 * NOTE: the real handlers read their configuration from `process.env` when their module first loads, and a
 * module loads once per process. A second stack in the same process therefore reuses the first one's
 * DynamoDB and Graph ports unless it is given the same `dynamoPort` and `graphPort`, and its API writes
 * large exports into the first one's data directory, which its gateway does not serve. Its API also invokes
 * the lead export worker through the first stack's gateway.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dataDir = resolve(options.dataDir);
  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => log(`Local stack failed to stop a component: ${String(error)}`));
    }
  };

  try {
    if (options.fresh) {
      await rm(dataDir, { recursive: true, force: true });
    }
    await mkdir(dataDir, { recursive: true });
    await ensureDataFormat(dataDir);
    const jwtSecret = await ensureDevJwtSecret(dataDir);

    // A taken gateway port is reported before the slow parts start; the real bind happens last.
    if (options.port !== 0) {
      await listenPort(options.port).catch((error: unknown) => {
        throw isAddressInUse(error)
          ? new PortInUseError(`Port ${options.port} is already in use; set PORT to another port`, { cause: error })
          : error;
      });
    }

    const graph = await startGraphServer({
      fixturesDir: join(FIXTURES_DIR, 'leads', 'meta', 'graph'),
      port: options.graphPort,
    });
    cleanups.push(graph.stop);

    // The handler modules load while the JVM starts: both take seconds, and the modules only need the
    // endpoint's address, not a running DynamoDB.
    const dynamoPort = options.dynamoPort ?? (await reserveFreePort());
    // The API reads the Lambda endpoint (this gateway) when its module loads, before the gateway listens.
    const gatewayPort = options.port === 0 ? await reserveFreePort() : options.port;
    const secretsFile = join(dataDir, 'secrets.json');
    setHandlerEnvironment({
      dataDir,
      dynamoEndpoint: `http://127.0.0.1:${dynamoPort}`,
      lambdaEndpoint: `http://127.0.0.1:${gatewayPort}`,
      graph,
      secretsFile,
    });
    const [dynamoResult, handlersResult] = await Promise.allSettled([
      startDynamoDbLocal({ dataDir, port: dynamoPort, log }),
      importHandlers(options.handlers),
    ]);
    if (dynamoResult.status === 'fulfilled') {
      cleanups.push(dynamoResult.value.stop);
    }
    if (dynamoResult.status === 'rejected') {
      throw dynamoResult.reason;
    }
    if (handlersResult.status === 'rejected') {
      throw handlersResult.reason;
    }
    const dynamodb = dynamoResult.value;
    const handlers = handlersResult.value;
    const streamArn = await ensureTable(dynamodb.client, LOCAL_TABLE_NAMES.leads, LEADS_TABLE);
    await ensureTable(dynamodb.client, LOCAL_TABLE_NAMES.aggregates, AGGREGATES_TABLE);
    if (!streamArn) {
      throw new Error(`Table ${LOCAL_TABLE_NAMES.leads} has no stream; delete ${dataDir} or start with --fresh`);
    }

    const streamsClient = new DynamoDBStreamsClient({
      region: LOCAL_AWS.region,
      endpoint: dynamodb.endpoint,
      credentials: { accessKeyId: LOCAL_AWS.accessKeyId, secretAccessKey: LOCAL_AWS.secretAccessKey },
    });
    const poller = new StreamPoller({
      client: streamsClient,
      streamArn,
      region: LOCAL_AWS.region,
      handler: handlers.streamToLake,
      dataDir,
      log,
      ...options.poller,
    });
    await poller.start();
    cleanups.push(async () => {
      await poller.stop();
      streamsClient.destroy();
    });

    const runNightly = async (input: NightlyInvocation) => {
      await poller.drain();
      return handlers.nightly(input, createLambdaContext('nightly', 15 * 60_000));
    };

    const lambdaApi = new LocalLambdaApi(
      { [LOCAL_LEAD_EXPORT_FUNCTION]: { handler: handlers.leadExport, timeoutMs: LEAD_EXPORT_TIMEOUT_MS } },
      log,
    );

    const gateway: Gateway = await startGateway({
      port: gatewayPort,
      handlers: { webhook: handlers.webhook, api: handlers.api },
      jwtSecret,
      log,
      health: async () => ({
        dynamodb: await isDynamoDbUp(dynamodb),
        streamPoller: poller.isHealthy(),
        graphApi: graph.isListening(),
      }),
      localRoutes: { 'POST /_local/nightly': nightlyRoute(runNightly, log) },
      downloads: {
        [LOCAL_EXPORTS_PATH]: (url) => serveLocalExport({ root: exportsDir(dataDir), secret: EXPORT_LINK_SECRET }, url),
      },
      pages: { '/docs': apiReferencePage(dataDir), '/config.json': webConfigPage() },
      lambdaApi: (request) => lambdaApi.handle(request),
      staticFiles: webAssets(options.webDistDir),
      observeResponse: options.observeResponse,
      rateLimits: options.rateLimits,
    });
    cleanups.push(gateway.stop);
    // Runs before the gateway and DynamoDB Local stop: a running export job still reads and writes the tables.
    cleanups.push(() => lambdaApi.drain());

    const documentClient = createDocumentClient({ endpoint: dynamodb.endpoint, region: LOCAL_AWS.region });
    cleanups.push(async () => documentClient.destroy());
    const tenant = await loadTenantDocument({
      documentPath: DEMO_TENANT_DOCUMENT,
      client: documentClient,
      tableName: LOCAL_TABLE_NAMES.leads,
      secretsFile,
    });

    const stackFile = join(dataDir, 'stack.json');
    const stackInfo = { port: gateway.port, dynamoPort: dynamodb.port, graphPort: graph.port, pid: process.pid };
    await writeFile(stackFile, `${JSON.stringify(stackInfo, null, 2)}\n`);
    cleanups.push(() => rm(stackFile, { force: true }));

    const stack: LocalStack = {
      url: gateway.url,
      port: gateway.port,
      dynamoPort: dynamodb.port,
      graphPort: graph.port,
      dataDir,
      tenantId: tenant.tenantId,
      dynamodb,
      documentClient,
      poller,
      graph,
      issueToken: (claims = {}) => issueDevToken(jwtSecret, { tenantId: tenant.tenantId, ...claims }),
      runNightly,
      waitForInvocations: () => lambdaApi.drain(),
      stop: stopAll,
    };

    if (options.demoData) {
      const { loadDemoData } = await import('./demo-data');
      await loadDemoData(stack, { log });
    }
    return stack;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Key of the local export download links, shared by the API handler and the gateway. One per process, because
 * the handler reads it once, when its module loads.
 */
const EXPORT_LINK_SECRET = randomBytes(32).toString('base64url');

function exportsDir(dataDir: string): string {
  return join(dataDir, 'exports');
}

/** Sets the variables that `functions/config.ts` reads, before the handler modules load. */
function setHandlerEnvironment(parts: {
  dataDir: string;
  dynamoEndpoint: string;
  lambdaEndpoint: string;
  graph: GraphServer;
  secretsFile: string;
}): void {
  Object.assign(process.env, {
    LEADS_TABLE_NAME: LOCAL_TABLE_NAMES.leads,
    AGGREGATES_TABLE_NAME: LOCAL_TABLE_NAMES.aggregates,
    DYNAMODB_ENDPOINT: parts.dynamoEndpoint,
    AWS_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: LOCAL_AWS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS.secretAccessKey,
    SECRETS_BACKEND: 'file',
    SECRETS_FILE: parts.secretsFile,
    LAKE_URI: pathToFileURL(join(parts.dataDir, 'lake')).href,
    QUERY_ENGINE: 'duckdb',
    GRAPH_API_BASE_URL: parts.graph.url,
    EXPORTS_URI: pathToFileURL(exportsDir(parts.dataDir)).href,
    EXPORTS_LINK_SECRET: EXPORT_LINK_SECRET,
    LEAD_EXPORT_FUNCTION_NAME: LOCAL_LEAD_EXPORT_FUNCTION,
    LAMBDA_ENDPOINT: parts.lambdaEndpoint,
  });
}

/** Imports the real handlers that `overrides` does not replace; each module reads its configuration as it loads. */
async function importHandlers(overrides: Partial<LocalHandlers> = {}): Promise<LocalHandlers> {
  // The middy handlers take a narrower event type (the JWT event for the API) than the gateway's common type,
  // and the gateway builds exactly that event for their routes.
  return {
    webhook: overrides.webhook ?? ((await import('#functions/webhook')).handler as unknown as HttpHandler),
    api: overrides.api ?? ((await import('#functions/api')).handler as unknown as HttpHandler),
    streamToLake:
      overrides.streamToLake ?? ((await import('#functions/stream-to-lake')).handler as unknown as StreamHandler),
    nightly: overrides.nightly ?? ((await import('#functions/nightly')).handler as unknown as NightlyHandler),
    leadExport:
      overrides.leadExport ?? ((await import('#functions/lead-export')).handler as unknown as LocalFunctionHandler),
  };
}

function nightlyRoute(
  runNightly: (input: NightlyInvocation) => Promise<unknown>,
  log: (line: string) => void,
): LocalRoute {
  return async (body) => {
    let input: NightlyInvocation;
    try {
      input = nightlyRequestSchema.parse(JSON.parse(body.toString('utf8')));
    } catch {
      return {
        statusCode: 400,
        body: { error: { code: 'VALIDATION_FAILED', message: 'Body must be JSON {"tenantId","from","to"}' } },
      };
    }
    try {
      return { statusCode: 200, body: await runNightly(input) };
    } catch (error) {
      log(`Nightly run failed for tenant ${input.tenantId}: ${error instanceof Error ? error.message : String(error)}`);
      // Domain errors keep their status (400 for an invalid range); anything else is a 500.
      if (error instanceof DomainError) {
        return { statusCode: error.httpStatus, body: { error: { code: error.code, message: error.message } } };
      }
      return {
        statusCode: 500,
        body: { error: { code: 'NIGHTLY_FAILED', message: error instanceof Error ? error.message : String(error) } },
      };
    }
  };
}

async function isDynamoDbUp(dynamodb: DynamoDbLocal): Promise<boolean> {
  if (!dynamodb.isRunning()) {
    return false;
  }
  try {
    await dynamodb.client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}
