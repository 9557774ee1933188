/**
 * Faults of the webhook's dependencies, injected into the real adapters. The lead store throttles or fails
 * (aws-sdk-client-mock), or fails part-way through a payload. The secret store fails or hangs. The Graph API
 * is slow or failing (the local Graph server with its fault knobs).
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type GraphServer, startGraphServer } from '#infra/local/graph-server';
import { FIXTURES_DIR } from '#infra/local/stack';
import { HttpGraphApi } from '#shared/adapters/graph-api-http';
import { DynamoLeadRepository } from '#shared/adapters/lead-repository-dynamodb';
import { SecretsManagerStore } from '#shared/adapters/secret-store-aws';
import { DependencyThrottledError, DependencyUnavailableError } from '#shared/errors';
import { httpErrorHandler } from '#shared/http/middleware';
import { GRAPH_BUDGET_SPENT } from '#shared/ingest/pipeline';
import { type Delivery, type IngestDependencies, ingestDelivery } from '#shared/ingest/service';
import type { Lead } from '#shared/lead/model';
import type { GraphApi } from '#shared/ports/graph-api';
import { GraphApiError } from '#shared/sources/errors';
import type { PendingFetch, PendingFetchRepository, QuarantineRepository } from '#shared/store/lead-repository';
import { signHmac, signMeta } from '#shared/tenant/auth';
import { tenantFromDemoDocument } from '#shared/tenant/import';
import { MemoryLeadRepository } from '#test/unit/people/memory-lead-repository';

const LEAD_FIXTURES = join(FIXTURES_DIR, 'leads');
const fixture = (path: string) => readFileSync(join(LEAD_FIXTURES, path));
const demo = tenantFromDemoDocument(JSON.parse(readFileSync(join(FIXTURES_DIR, 'tenants', 'demo.json'), 'utf8')));
const now = new Date('2026-12-04T10:00:00Z');
const META_LEADGEN_IDS = ['920000000000001', '920000000000002', '920000000000003'];

class MemoryPending implements PendingFetchRepository {
  entries: PendingFetch[] = [];
  async add(pending: PendingFetch) {
    this.entries = [...this.entries.filter((entry) => entry.leadgenId !== pending.leadgenId), pending];
  }
  async list() {
    return [...this.entries];
  }
  async remove(_tenantId: string, _integrationId: string, leadgenId: string) {
    this.entries = this.entries.filter((entry) => entry.leadgenId !== leadgenId);
  }
}

const noQuarantine: QuarantineRepository = {
  add: async () => {
    throw new Error('No payload of these tests is malformed');
  },
  list: async () => [],
  get: async () => undefined,
  markReplayed: async () => {},
};

function fixtureGraph(calls: string[] = []): GraphApi {
  return {
    async fetchLead(leadgenId: string) {
      calls.push(leadgenId);
      return JSON.parse(fixture(`meta/graph/${leadgenId}.json`).toString('utf8'));
    },
  };
}

function dependencies(overrides: Partial<IngestDependencies> = {}): IngestDependencies {
  const secrets: Record<string, string> = { ...demo.secrets, 'leadpilot/demo/person-id-key': 'ab'.repeat(32) };
  return {
    tenants: { get: async (tenantId: string) => (tenantId === 'demo' ? demo.config : undefined), put: async () => {} },
    secrets: { getSecret: async (name: string) => secrets[name] },
    leads: new MemoryLeadRepository(),
    quarantine: noQuarantine,
    pending: new MemoryPending(),
    graph: fixtureGraph(),
    clock: () => now,
    ...overrides,
  };
}

function adfDelivery(): Delivery {
  const body = fixture('adf/lacentrale-vo.xml');
  return {
    tenantId: 'demo',
    integrationId: 'lacentrale',
    headers: {
      'content-type': 'application/xml',
      'x-signature': signHmac('demo-lacentrale-secret', body, now.getTime() / 1000),
    },
    body,
  };
}

function metaDelivery(): Delivery {
  const body = fixture('meta/leadgen-webhook.json');
  return {
    tenantId: 'demo',
    integrationId: 'meta-leads',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta('demo-meta-app-secret', body) },
    body,
  };
}

/** Builds an AWS SDK service error as the SDK throws it: a named error with the service's metadata. */
function serviceError(name: string, httpStatusCode: number): Error {
  return Object.assign(new Error(`${name} injected by the test`), { name, $metadata: { httpStatusCode } });
}

describe('lead store throttling or failing', () => {
  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-3' }));
  const mock = mockClient(DynamoDBDocumentClient);

  afterEach(() => {
    mock.reset();
  });

  function storeDependencies(): IngestDependencies {
    return dependencies({ leads: new DynamoLeadRepository({ client: documentClient, tableName: 'leads' }) });
  }

  it.each([
    ['ProvisionedThroughputExceededException', 400],
    ['ThrottlingException', 400],
    ['RequestLimitExceeded', 400],
  ])('maps %s to a 429 DependencyThrottledError', async (name, status) => {
    mock.on(BatchGetCommand).rejects(serviceError(name, status));

    const outcome = ingestDelivery(storeDependencies(), adfDelivery());

    await expect(outcome).rejects.toBeInstanceOf(DependencyThrottledError);
    await expect(outcome).rejects.toMatchObject({ code: 'DEPENDENCY_THROTTLED', httpStatus: 429 });
  });

  it('maps a transaction cancelled by throttling to a 429', async () => {
    mock.on(BatchGetCommand).resolves({ Responses: { leads: [] } });
    mock.on(UpdateCommand).resolves({ Attributes: { value: 1 } });
    mock.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ThrottlingError' }, { Code: 'None' }],
      }),
    );

    await expect(ingestDelivery(storeDependencies(), adfDelivery())).rejects.toMatchObject({
      code: 'DEPENDENCY_THROTTLED',
      httpStatus: 429,
    });
  });

  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' })],
    ['an internal server error', serviceError('InternalServerError', 500)],
    ['a request timeout', serviceError('TimeoutError', 0)],
  ])('maps %s to a 503 DependencyUnavailableError', async (_case, error) => {
    mock.on(BatchGetCommand).rejects(error);

    const outcome = ingestDelivery(storeDependencies(), adfDelivery());

    await expect(outcome).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(outcome).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', httpStatus: 503 });
  });

  it('writes the lead and its person keys in one transaction', async () => {
    mock.on(BatchGetCommand).resolves({ Responses: { leads: [] } });
    mock.on(UpdateCommand).resolves({ Attributes: { value: 1 } });
    mock.on(TransactWriteCommand).resolves({});

    await ingestDelivery(storeDependencies(), adfDelivery());

    expect(mock.commandCalls(PutCommand)).toHaveLength(0);
    const transactions = mock.commandCalls(TransactWriteCommand);
    expect(transactions).toHaveLength(1);
    const entities = (transactions[0]?.args[0].input.TransactItems ?? []).map((item) => item.Put?.Item?.entity);
    // The lacentrale lead has an email and two phones, so three person-key entries go with the lead.
    expect(entities[0]).toBe('lead');
    expect(entities.filter((entity) => entity === 'person-key')).toHaveLength(3);
  });
});

describe('webhook response to a throttled store', () => {
  const context = { awsRequestId: 'lambda-1', functionName: 'webhook' } as Context;

  it('answers 429 with Retry-After and a message without internals', async () => {
    const handler = middy(async (_event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
      throw new DependencyThrottledError('The lead store is throttling requests; retry after the Retry-After delay');
    }).use(httpErrorHandler());

    const response = await handler({ requestContext: { requestId: 'r-1' } } as APIGatewayProxyEventV2, context);

    expect(response.statusCode).toBe(429);
    expect(response.headers?.['retry-after']).toBe('5');
    expect(JSON.parse(response.body as string)).toEqual({
      error: {
        code: 'DEPENDENCY_THROTTLED',
        message: 'The lead store is throttling requests; retry after the Retry-After delay',
      },
    });
  });
});

describe('lead store failing part-way through a payload', () => {
  /** Fails the `failAt`-th lead write (1-based) once, like a store that goes down in the middle of a payload. */
  class FailingOnceRepository extends MemoryLeadRepository {
    private writes = 0;
    constructor(private readonly failAt: number) {
      super();
    }
    override async createIfAbsent(lead: Lead, writes: Parameters<MemoryLeadRepository['createIfAbsent']>[1]) {
      this.writes += 1;
      if (this.writes === this.failAt) {
        throw serviceError('InternalServerError', 500);
      }
      return super.createIfAbsent(lead, writes);
    }
  }

  it('stores each lead of the payload once after the sender retries', async () => {
    const leads = new FailingOnceRepository(2);
    const deps = dependencies({ leads });

    await expect(ingestDelivery(deps, metaDelivery())).rejects.toBeInstanceOf(DependencyUnavailableError);
    const storedAfterFailure = [...leads.stored.keys()];
    const retry = await ingestDelivery(deps, metaDelivery());

    expect(storedAfterFailure).toHaveLength(1);
    expect(retry.leadIds).toHaveLength(3);
    expect(retry.duplicates).toEqual(storedAfterFailure);
    expect([...leads.stored.keys()].sort()).toEqual([...retry.leadIds].sort());
  });

  it('leaves no person key of a lead that was not stored', async () => {
    const leads = new FailingOnceRepository(1);

    await expect(ingestDelivery(dependencies({ leads }), adfDelivery())).rejects.toBeInstanceOf(
      DependencyUnavailableError,
    );

    expect(leads.stored.size).toBe(0);
    expect(leads.personKeys.size).toBe(0);
  });
});

describe('secret store failing or hanging', () => {
  let hangingServer: Server;
  let endpoint: string;

  beforeAll(async () => {
    // Accepts connections and never responds, like a secret store that hangs.
    hangingServer = createServer(() => {});
    await new Promise<void>((resolve) => hangingServer.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(hangingServer.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    hangingServer.closeAllConnections();
    await new Promise<void>((resolve) => hangingServer.close(() => resolve()));
  });

  function hangingClient(): SecretsManagerClient {
    return new SecretsManagerClient({
      endpoint,
      region: 'eu-west-3',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  }

  it('answers 503 when the secret store throws', async () => {
    const deps = dependencies({
      secrets: {
        getSecret: async () => {
          throw serviceError('InternalServiceError', 500);
        },
      },
    });

    await expect(ingestDelivery(deps, adfDelivery())).rejects.toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
      httpStatus: 503,
    });
  });

  it('answers 429 when the secret store throttles', async () => {
    const deps = dependencies({
      secrets: {
        getSecret: async () => {
          throw serviceError('ThrottlingException', 400);
        },
      },
    });

    await expect(ingestDelivery(deps, adfDelivery())).rejects.toMatchObject({ code: 'DEPENDENCY_THROTTLED' });
  });

  it('gives up on a hanging Secrets Manager at its timeout', async () => {
    const client = hangingClient();
    const store = new SecretsManagerStore({ client, timeoutMs: 200 });

    await expect(store.getSecret('leadpilot/demo/lacentrale')).rejects.toThrow();
    client.destroy();
  });

  it('turns a hanging secret store into a 503 of the webhook', async () => {
    const client = hangingClient();
    const deps = dependencies({ secrets: new SecretsManagerStore({ client, timeoutMs: 200 }) });

    await expect(ingestDelivery(deps, adfDelivery())).rejects.toBeInstanceOf(DependencyUnavailableError);
    client.destroy();
  });

  it('serves the expired cached secret while Secrets Manager fails', async () => {
    const secrets = mockClient(SecretsManagerClient);
    secrets
      .onAnyCommand()
      .resolvesOnce({ SecretString: 'cached-value' })
      .rejects(serviceError('InternalServiceError', 500));
    const store = new SecretsManagerStore({ client: new SecretsManagerClient({ region: 'eu-west-3' }), cacheTtlMs: 0 });

    const first = await store.getSecret('leadpilot/demo/lacentrale');
    const second = await store.getSecret('leadpilot/demo/lacentrale');

    expect(first).toBe('cached-value');
    expect(second).toBe('cached-value');
    expect(secrets.calls()).toHaveLength(2);
    secrets.restore();
  });
});

describe('Graph API slow or failing', () => {
  let graph: GraphServer;

  beforeAll(async () => {
    graph = await startGraphServer({ fixturesDir: join(LEAD_FIXTURES, 'meta', 'graph') });
  });

  afterEach(() => {
    graph.resetFaults();
  });

  afterAll(async () => {
    await graph.stop();
  });

  it('retries a request that timed out and returns the lead', async () => {
    const client = new HttpGraphApi({ baseUrl: `${graph.url}/v21.0`, timeoutMs: 300, totalTimeoutMs: 5_000 });
    graph.delayNext(1, 2_000);
    const before = graph.requestCount();

    const lead = await client.fetchLead('920000000000001', 'token');

    expect(lead).toMatchObject({ id: '920000000000001' });
    expect(graph.requestCount() - before).toBe(2);
  });

  it('stops retrying once its total time limit is spent', async () => {
    const client = new HttpGraphApi({
      baseUrl: `${graph.url}/v21.0`,
      timeoutMs: 200,
      totalTimeoutMs: 300,
      maxAttempts: 10,
      baseDelayMs: 1,
    });
    graph.setDelay(2_000);
    const before = graph.requestCount();

    await expect(client.fetchLead('920000000000001', 'token')).rejects.toBeInstanceOf(GraphApiError);
    expect(graph.requestCount() - before).toBeLessThan(10);
  });

  it('keeps the leads as pending when the Graph API keeps failing', async () => {
    const client = new HttpGraphApi({ baseUrl: `${graph.url}/v21.0`, baseDelayMs: 1, maxDelayMs: 5 });
    graph.failNext(1_000, 503);
    const pending = new MemoryPending();

    const result = await ingestDelivery(dependencies({ graph: client, pending }), metaDelivery());

    expect(result).toEqual({ leadIds: [], duplicates: [], pending: META_LEADGEN_IDS });
    expect(pending.entries.map((entry) => [entry.leadgenId, entry.reasonCode])).toEqual(
      META_LEADGEN_IDS.map((leadgenId) => [leadgenId, 'GRAPH_API_UNAVAILABLE']),
    );
  });

  it('keeps the remaining leads as pending once the Graph budget is spent', async () => {
    const calls: string[] = [];
    const pending = new MemoryPending();

    const result = await ingestDelivery(
      dependencies({ graph: fixtureGraph(calls), pending, graphFetchBudgetMs: 0 }),
      metaDelivery(),
    );

    expect(calls).toEqual([]);
    expect(result).toEqual({ leadIds: [], duplicates: [], pending: META_LEADGEN_IDS });
    expect(pending.entries.map((entry) => entry.reasonCode)).toEqual([
      GRAPH_BUDGET_SPENT,
      GRAPH_BUDGET_SPENT,
      GRAPH_BUDGET_SPENT,
    ]);
  });
});
