/**
 * The temporary environment of one benchmark run: a folder from mkdtemp and DynamoDB Local with the lead and
 * aggregates tables, all removed again by `close`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type DynamoDbLocal, ensureTable, startDynamoDbLocal } from '#infra/local/dynamodb-local';
import { AGGREGATES_TABLE, LEADS_TABLE } from '#shared/store/tables';

export interface BenchEnvironment {
  /** Absolute path of the run's temporary folder. */
  dir: string;
  dynamo: DynamoDbLocal;
  documentClient: DynamoDBDocumentClient;
  leadsTable: string;
  aggregatesTable: string;
  close(): Promise<void>;
}

export async function openEnvironment(): Promise<BenchEnvironment> {
  const dir = await mkdtemp(join(tmpdir(), 'leadpilot-bench-'));
  let dynamo: DynamoDbLocal;
  try {
    dynamo = await startDynamoDbLocal({ dataDir: dir });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  const close = async () => {
    await dynamo.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const leadsTable = 'bench-leads';
    const aggregatesTable = 'bench-aggregates';
    await ensureTable(dynamo.client, leadsTable, LEADS_TABLE);
    await ensureTable(dynamo.client, aggregatesTable, AGGREGATES_TABLE);
    // The same marshalling options as the project's document client (shared/adapters/dynamodb.ts).
    const documentClient = DynamoDBDocumentClient.from(dynamo.client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
    return { dir, dynamo, documentClient, leadsTable, aggregatesTable, close };
  } catch (error) {
    await close();
    throw error;
  }
}
