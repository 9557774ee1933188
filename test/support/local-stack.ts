/**
 * Starts the local stack in the test process, on free ports and a temporary data directory, and signs
 * webhook deliveries as the demo tenant's senders do.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Delivery,
  postDelivery,
  readFixtureDeliveries,
  readTenantDocument,
  type TenantDocument,
} from '#infra/local/deliveries';
import type { DevTokenClaims } from '#infra/local/dev-token';
import {
  DEMO_TENANT_DOCUMENT,
  FIXTURES_DIR,
  type LocalStack,
  type LocalStackOptions,
  startLocalStack,
} from '#infra/local/stack';
import { contractIssues } from './contract';

export const LEAD_FIXTURES_DIR = join(FIXTURES_DIR, 'leads');

export interface TestStack {
  baseUrl: string;
  dataDir: string;
  stack: LocalStack;
  /** The demo tenant document, with its inline credentials. */
  tenant: TenantDocument;
  /** Lines the stack logged (poller retries, handler errors). */
  logs: string[];
  /** Handler responses received so far that do not match the OpenAPI document, one line each. */
  contractViolations: string[];
  /** A dev token; a group admin of the demo tenant unless `claims` overrides it. */
  token(claims?: Partial<DevTokenClaims>): Promise<string>;
  /** GET with a bearer token (a group admin's unless given); resolves with the status and the parsed JSON body. */
  getJson(path: string, token?: string): Promise<{ status: number; body: unknown }>;
  /** POST of a JSON body; resolves with the status and the parsed JSON body. */
  postJson(path: string, body: unknown): Promise<{ status: number; body: unknown }>;
  /** Stops the stack and deletes the data directory unless `keepData` is set. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export interface TestStackOptions extends Partial<Omit<LocalStackOptions, 'log'>> {
  demoData?: boolean;
}

/** Starts a stack with no demo data unless asked; a fresh temporary data directory unless `dataDir` is given. */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  // Handler logs are JSON lines per request; warnings and errors are what a failing test needs.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'leadpilot-stack-')));
  const logs: string[] = [];
  const contractViolations: string[] = [];
  const stack = await startLocalStack({
    // Every response a test receives from a handler is checked against the OpenAPI document.
    observeResponse: (observed) => {
      const where = `${observed.method} ${observed.routePath} ${observed.statusCode}`;
      try {
        const body: unknown = observed.contentType.startsWith('application/json')
          ? JSON.parse(observed.body)
          : observed.body;
        const { method, routePath, statusCode, contentType } = observed;
        for (const issue of contractIssues(method, routePath, statusCode, contentType, body)) {
          contractViolations.push(`${where}: ${issue}`);
        }
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        contractViolations.push(`${where}: could not be checked (${reason})`);
      }
    },
    port: 0,
    fresh: false,
    // Tests send requests in quick succession; the rate-limit tests turn the limits on themselves.
    rateLimits: false,
    ...options,
    demoData: options.demoData ?? false,
    dataDir,
    log: (line) => logs.push(line),
  });
  const tenant = await readTenantDocument(DEMO_TENANT_DOCUMENT);

  const token = (claims?: Partial<DevTokenClaims>) => stack.issueToken(claims);
  return {
    baseUrl: stack.url,
    dataDir,
    stack,
    tenant,
    logs,
    contractViolations,
    token,
    getJson: async (path, bearer) => {
      const response = await fetch(`${stack.url}${path}`, {
        headers: { authorization: `Bearer ${bearer ?? (await token())}` },
      });
      return { status: response.status, body: await response.json() };
    },
    postJson: async (path, body) => {
      const response = await fetch(`${stack.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    },
    stop: async ({ keepData = false } = {}) => {
      await stack.stop();
      if (!keepData) {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** Reads `leads/expected.json`'s deliveries: fixture path (relative to `leads/`) → integration and content type. */
export function fixtureDeliveries(): Promise<Map<string, Delivery>> {
  return readFixtureDeliveries(LEAD_FIXTURES_DIR);
}

/**
 * Posts a fixture file (path relative to `test/fixtures/leads/`) to the webhook, signed with the integration's
 * credential from the tenant document.
 */
export async function deliverFixture(
  baseUrl: string,
  fixturePath: string,
  delivery: Delivery,
  tenantDoc: TenantDocument,
): Promise<Response> {
  const body = await readFile(join(LEAD_FIXTURES_DIR, fixturePath));
  return postDelivery(baseUrl, tenantDoc, delivery, body);
}
