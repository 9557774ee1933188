/**
 * Targets of the operator command-line tools (`npm run tenant`, `npm run quarantine`): the running local
 * stack, or a deployed lead table with its secrets in Secrets Manager.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { LOCAL_AWS } from '#infra/local/dynamodb-local';
import { StackNotFoundError } from '#infra/local/errors';
import { LOOPBACK } from '#infra/local/ports';
import { LOCAL_TABLE_NAMES } from '#infra/local/stack';
import { FileSecretStore } from '#shared/adapters/secret-store-file';
import type { SecretStore } from '#shared/ports/secret-store';

/** Graph API root that the webhook uses in AWS unless `GRAPH_API_BASE_URL` sets another. */
const DEFAULT_GRAPH_API_BASE_URL = 'https://graph.facebook.com/v21.0';

/** A mistake in the command line; the tool prints the message and its usage and exits 2. */
export class CliUsageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliUsageError';
  }
}

/** Secret store that the tools can also write to. */
export interface SecretWriter extends SecretStore {
  /** Creates the secret or stores a new value of it. */
  putSecret(name: string, value: string): Promise<void>;
}

/** The secrets file of the local stack; written with mode 0600 (`FileSecretStore.write`). */
export class FileSecretWriter implements SecretWriter {
  private readonly store: FileSecretStore;

  constructor(private readonly path: string) {
    this.store = new FileSecretStore(path);
  }

  getSecret(name: string): Promise<string | undefined> {
    return this.store.getSecret(name);
  }

  putSecret(name: string, value: string): Promise<void> {
    return FileSecretStore.write(this.path, { [name]: value });
  }
}

/** Secrets Manager, read without a cache so that a rotation reads the value it replaces. */
export class SecretsManagerWriter implements SecretWriter {
  constructor(private readonly client: SecretsManagerClient) {}

  async getSecret(name: string): Promise<string | undefined> {
    try {
      const output = await this.client.send(new GetSecretValueCommand({ SecretId: name }));
      return output.SecretString;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) {
        return undefined;
      }
      throw error;
    }
  }

  async putSecret(name: string, value: string): Promise<void> {
    try {
      await this.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) {
        throw error;
      }
      await this.client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
    }
  }
}

/** Connections to the lead table, the secret store and the Graph API that a command works on. */
export interface CliTarget {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  secrets: SecretWriter;
  /** Versioned Graph API root for Meta lead retrieval. */
  graphApiBaseUrl: string;
  close(): void;
}

/** Target options shared by the tools, as `parseArgs` returns them. */
export interface TargetOptions {
  target?: string;
  table?: string;
  region?: string;
}

export const TARGET_USAGE = `Target options:
  --target local|aws  local (default): the stack that npm start runs, found through
                      <LEADPILOT_DATA_DIR>/stack.json (LEADPILOT_DATA_DIR defaults to .local).
                      aws: the lead table given by --table, secrets in Secrets Manager, credentials and
                      region from the AWS SDK's default chain.
  --table NAME        physical name of the lead table (required with --target aws)
  --region REGION     AWS region (with --target aws; default from the AWS configuration)`;

export const TARGET_OPTIONS = {
  target: { type: 'string' },
  table: { type: 'string' },
  region: { type: 'string' },
} as const;

const stackFileSchema = z.object({ dynamoPort: z.number().int().positive(), graphPort: z.number().int().positive() });

/**
 * Connects to the target. The local target needs the running stack; throws `StackNotFoundError` when
 * `<dataDir>/stack.json` is missing or invalid, and `CliUsageError` for inconsistent options.
 */
export async function openTarget(options: TargetOptions, dataDir: string): Promise<CliTarget> {
  const target = options.target ?? 'local';
  if (target === 'aws') {
    if (!options.table) {
      throw new CliUsageError('--table is required with --target aws');
    }
    const region = options.region ? { region: options.region } : {};
    const documentClient = documentClientOf(new DynamoDBClient({ ...region, maxAttempts: 4 }));
    const secretsClient = new SecretsManagerClient(region);
    return {
      documentClient,
      tableName: options.table,
      secrets: new SecretsManagerWriter(secretsClient),
      graphApiBaseUrl: DEFAULT_GRAPH_API_BASE_URL,
      close: () => {
        documentClient.destroy();
        secretsClient.destroy();
      },
    };
  }
  if (target !== 'local') {
    throw new CliUsageError(`--target must be local or aws, got "${target}"`);
  }
  if (options.table || options.region) {
    throw new CliUsageError('--table and --region apply to --target aws only');
  }

  const stackFile = join(dataDir, 'stack.json');
  let stack: z.infer<typeof stackFileSchema>;
  try {
    stack = stackFileSchema.parse(JSON.parse(await readFile(stackFile, 'utf8')));
  } catch (error) {
    throw new StackNotFoundError(
      `No running local stack found (${stackFile} is missing or invalid); start it with npm start, ` +
        'or set LEADPILOT_DATA_DIR to its data directory',
      { cause: error },
    );
  }
  const documentClient = documentClientOf(
    new DynamoDBClient({
      region: LOCAL_AWS.region,
      endpoint: `http://${LOOPBACK}:${stack.dynamoPort}`,
      credentials: { accessKeyId: LOCAL_AWS.accessKeyId, secretAccessKey: LOCAL_AWS.secretAccessKey },
    }),
  );
  return {
    documentClient,
    tableName: LOCAL_TABLE_NAMES.leads,
    secrets: new FileSecretWriter(join(dataDir, 'secrets.json')),
    graphApiBaseUrl: `http://${LOOPBACK}:${stack.graphPort}`,
    close: () => documentClient.destroy(),
  };
}

function documentClientOf(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
