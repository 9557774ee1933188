/** The whole local stack with fake handlers: restarts, the nightly admin route, health and a busy port. */
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortInUseError } from '#infra/local/errors';
import {
  LOCAL_TABLE_NAMES,
  type LocalHandlers,
  type LocalStack,
  type NightlyInvocation,
  startLocalStack,
} from '#infra/local/stack';

interface Recorder {
  handlers: LocalHandlers;
  streamRecords: DynamoDBRecord[];
  /** Nightly invocations, each with the number of stream records handed over before it. */
  nightlyRuns: { input: NightlyInvocation; recordsBefore: number }[];
}

function fakeHandlers(): Recorder {
  const recorder: Recorder = {
    streamRecords: [],
    nightlyRuns: [],
    handlers: {
      webhook: async () => ({ statusCode: 202, body: '{}' }),
      api: async () => ({ statusCode: 200, body: '{"ok":true}' }),
      streamToLake: async (event) => {
        recorder.streamRecords.push(...event.Records);
        return { batchItemFailures: [] };
      },
      nightly: async (input) => {
        recorder.nightlyRuns.push({ input, recordsBefore: recorder.streamRecords.length });
        return { tenantId: input.tenantId, cells: 0 };
      },
      leadExport: async () => ({ status: 'succeeded' }),
    },
  };
  return recorder;
}

const leadItem = (leadId: string) => ({ pk: `LEAD#demo#${leadId}`, sk: 'LEAD', entity: 'lead', leadId });

async function start(dataDir: string, recorder: Recorder, port = 0): Promise<LocalStack> {
  return startLocalStack({ dataDir, port, demoData: false, fresh: false, handlers: recorder.handlers, log: () => {} });
}

/** Two stack starts under a loaded machine can exceed the default 30 s test timeout. */
const RESTART_TIMEOUT_MS = 180_000;

describe('local stack restart', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leadpilot-stack-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'keeps data, tokens and stream position',
    async () => {
      const firstRecorder = fakeHandlers();
      const first = await start(dataDir, firstRecorder);
      await first.documentClient.send(new PutCommand({ TableName: LOCAL_TABLE_NAMES.leads, Item: leadItem('kept') }));
      await first.poller.drain();
      const token = await first.issueToken();
      const stackFile = JSON.parse(await readFile(join(dataDir, 'stack.json'), 'utf8'));
      await first.stop();

      expect(stackFile).toEqual({
        port: first.port,
        dynamoPort: first.dynamoPort,
        graphPort: first.graphPort,
        pid: process.pid,
      });
      expect(first.dynamodb.isRunning()).toBe(false);
      await expect(access(join(dataDir, 'stack.json'))).rejects.toThrow();

      const secondRecorder = fakeHandlers();
      const second = await start(dataDir, secondRecorder);
      try {
        const kept = await second.documentClient.send(
          new GetCommand({ TableName: LOCAL_TABLE_NAMES.leads, Key: { pk: 'LEAD#demo#kept', sk: 'LEAD' } }),
        );
        const response = await fetch(`${second.url}/v1/leads`, { headers: { authorization: `Bearer ${token}` } });
        await second.poller.drain();

        expect(kept.Item).toEqual(leadItem('kept'));
        expect(response.status).toBe(200);
        expect(firstRecorder.streamRecords.map((record) => record.dynamodb?.Keys?.pk?.S)).toEqual(['LEAD#demo#kept']);
        expect(secondRecorder.streamRecords).toEqual([]);
      } finally {
        await second.stop();
      }
    },
    RESTART_TIMEOUT_MS,
  );
});

describe('local stack', () => {
  let dataDir: string;
  let recorder: Recorder;
  let stack: LocalStack;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'leadpilot-stack-'));
    recorder = fakeHandlers();
    stack = await start(dataDir, recorder);
  });

  afterAll(async () => {
    await stack?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('drains the stream before the nightly job', async () => {
    recorder.nightlyRuns.length = 0;
    for (const leadId of ['n1', 'n2', 'n3']) {
      await stack.documentClient.send(new PutCommand({ TableName: LOCAL_TABLE_NAMES.leads, Item: leadItem(leadId) }));
    }

    const response = await fetch(`${stack.url}/_local/nightly`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: 'demo', from: '2026-11-01', to: '2026-11-30' }),
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ tenantId: 'demo', cells: 0 });
    expect(recorder.nightlyRuns).toEqual([
      { input: { tenantId: 'demo', from: '2026-11-01', to: '2026-11-30' }, recordsBefore: 3 },
    ]);
  });

  it('rejects a nightly request without a tenant', async () => {
    recorder.nightlyRuns.length = 0;

    const response = await fetch(`${stack.url}/_local/nightly`, { method: 'POST', body: '{"from":"2026-11-01"}' });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: { code: 'VALIDATION_FAILED', message: 'Body must be JSON {"tenantId","from","to"}' },
    });
    expect(recorder.nightlyRuns).toEqual([]);
  });

  it('reports health of every component', async () => {
    const response = await fetch(`${stack.url}/health`);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', dynamodb: 'up', streamPoller: 'up', graphApi: 'up' });
  });

  it('reports a busy gateway port before starting anything', async () => {
    const busyDataDir = await mkdtemp(join(tmpdir(), 'leadpilot-busy-'));

    const attempt = start(busyDataDir, fakeHandlers(), stack.port);

    await expect(attempt).rejects.toThrow(PortInUseError);
    await expect(attempt).rejects.toThrow(`Port ${stack.port} is already in use; set PORT to another port`);
    await rm(busyDataDir, { recursive: true, force: true });
  });
});
