import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CliContext } from '#infra/cli/run';
import { type DynamoDbLocal, ensureTable, startDynamoDbLocal } from '#infra/local/dynamodb-local';
import { type GraphServer, startGraphServer } from '#infra/local/graph-server';
import { LEADS_TABLE } from '#shared/store/tables';

export const DEMO_DOCUMENT = fileURLToPath(new URL('../../fixtures/tenants/demo.json', import.meta.url));
const GRAPH_FIXTURES = fileURLToPath(new URL('../../fixtures/leads/meta/graph', import.meta.url));

/** What a CLI test runs against: DynamoDB Local and the Graph stand-in, announced by `stack.json` as `npm start` does. */
export interface CliEnvironment {
  dataDir: string;
  dynamo: DynamoDbLocal;
  graph: GraphServer;
  client: DynamoDBDocumentClient;
  /** Runs a CLI `main` and returns its exit code and output lines. */
  run(
    main: (argv: string[], context: CliContext) => Promise<number>,
    argv: string[],
    now?: Date,
  ): Promise<{ code: number; out: string[]; err: string[] }>;
  stop(): Promise<void>;
}

export async function startCliEnvironment(): Promise<CliEnvironment> {
  const dataDir = await mkdtemp(join(tmpdir(), 'leadpilot-cli-'));
  const dynamo = await startDynamoDbLocal({ dataDir });
  await ensureTable(dynamo.client, 'leads', LEADS_TABLE);
  const graph = await startGraphServer({ fixturesDir: GRAPH_FIXTURES });
  const stackInfo = { port: 1, dynamoPort: dynamo.port, graphPort: graph.port, pid: process.pid };
  await writeFile(join(dataDir, 'stack.json'), `${JSON.stringify(stackInfo)}\n`);
  const client = DynamoDBDocumentClient.from(dynamo.client, { marshallOptions: { removeUndefinedValues: true } });

  return {
    dataDir,
    dynamo,
    graph,
    client,
    async run(main, argv, now = new Date()) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(argv, {
        dataDir,
        print: (line) => out.push(line),
        warn: (line) => err.push(line),
        clock: () => now,
      });
      return { code, out, err };
    },
    async stop() {
      await graph.stop();
      await dynamo.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
