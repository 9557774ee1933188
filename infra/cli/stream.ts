/**
 * `npm run stream -- <command>`: stream records that the local stream poller gave up on (the local stand-in
 * for the event source mapping's on-failure queue), and their replay into the lake once the cause is fixed.
 *
 * NOTE: local stack only. In AWS the failure queue receives the shard and the sequence number range of the
 * failed records, not the records, and the stream keeps records for 24 hours only. A replay there re-reads
 * the items by key from the lead table, which this command does too, but it would also need the keys from
 * the stream or from the `_stream-failures/` notes in the lake bucket.
 */
import { mkdir, readdir, readFile, rename } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type AttributeValue, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import * as z from 'zod';
import { LOCAL_AWS } from '#infra/local/dynamodb-local';
import { StackNotFoundError } from '#infra/local/errors';
import { LOOPBACK } from '#infra/local/ports';
import { LOCAL_TABLE_NAMES } from '#infra/local/stack';
import { toLambdaAttributeValue } from '#infra/local/stream-events';
import { createObjectStore } from '#shared/adapters/object-store';
import { type PoisonRecordNote, poisonNoteKey, writeStreamBatch } from '#shared/lake/writer';
import type { ObjectStore } from '#shared/ports/object-store';
import { type CliContext, isDirectRun, parseToolArguments, reportError, runFromShell } from './run';
import { CliUsageError } from './target';

const USAGE = `Usage: npm run stream -- <command> [options]

Commands:
  failures
      Lists the stream records in <LEADPILOT_DATA_DIR>/stream-failures/ that the stream poller gave up on:
      failure file, sequence number, event name, item key and the reason the lake writer recorded.
  replay [FILE]
      Lands the failed records of every failure file (or of FILE only) in the lake, with the same event
      ids, so a record replayed twice lands once. The item of an INSERT or MODIFY record is read again
      from the lead table, so a record whose item was fixed lands with the fixed item; a deleted item
      and a REMOVE record are replayed as recorded. A file whose records all land moves to
      stream-failures/replayed/. Needs the running local stack.

Options:
  --as-recorded       replays the images as they were recorded, without reading the lead table
                      (for a lake writer that was fixed, rather than the item)
  -h, --help          prints this help`;

const OPTIONS = {
  'as-recorded': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FAILURES_FOLDER = 'stream-failures';
const REPLAYED_FOLDER = 'replayed';

const attributeMapSchema = z.record(z.string(), z.unknown());

/** The fields of a failure file that replay reads; the rest is kept as written. */
const failureFileSchema = z.object({
  failedSequenceNumbers: z.array(z.string()).optional(),
  records: z.array(
    z.looseObject({
      eventID: z.string().min(1),
      eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
      dynamodb: z.looseObject({
        SequenceNumber: z.string().min(1),
        Keys: attributeMapSchema,
        NewImage: attributeMapSchema.optional(),
      }),
    }),
  ),
});

const stackFileSchema = z.object({ dynamoPort: z.number().int().positive() });

const poisonNoteSchema = z.object({
  eventId: z.string(),
  sequenceNumber: z.string(),
  keys: z.record(z.string(), z.string()),
  reason: z.string(),
  failedAt: z.string(),
});

/** One failure file of the poller and the records of it that failed. */
export interface FailureFile {
  name: string;
  path: string;
  records: DynamoDBRecord[];
}

/** A failed record with the reason that the lake writer recorded, if it recorded one. */
export interface FailedRecord {
  file: string;
  record: DynamoDBRecord;
  note: PoisonRecordNote | undefined;
}

/** Outcome of replaying one failure file. */
export interface ReplayOutcome {
  file: string;
  records: number;
  /** Sequence numbers of the records that failed again. */
  failed: string[];
  /** Records whose image was read again from the lead table. */
  refreshed: number;
}

/** Runs the tool with `argv` (the arguments after the script name) and returns the exit code. */
export async function main(argv: string[], context: CliContext): Promise<number> {
  try {
    const { values, positionals } = parseToolArguments(argv, OPTIONS);
    if (values.help) {
      context.print(USAGE);
      return 0;
    }
    const [command, ...args] = positionals;
    if (command === 'failures') {
      if (args.length > 0) {
        throw new CliUsageError(`failures takes no argument, got ${args.length}`);
      }
      await printFailures(context);
      return 0;
    }
    if (command === 'replay') {
      if (args.length > 1) {
        throw new CliUsageError(`replay takes at most one FILE, got ${args.length}`);
      }
      return await replay(context, args[0], values['as-recorded'] === true);
    }
    throw new CliUsageError(command === undefined ? 'A command is required' : `Unknown command "${command}"`);
  } catch (error) {
    return reportError(error, USAGE, context);
  }
}

/** Returns the lake of the local stack in `dataDir`, where the stack's stream handler writes. */
export function localLake(dataDir: string): ObjectStore {
  return createObjectStore(pathToFileURL(join(dataDir, 'lake')).href);
}

/**
 * Reads the failure files that have not been replayed yet, oldest first, each with the records that failed
 * (all its records when the file does not say which failed).
 */
export async function readFailureFiles(dataDir: string, only?: string): Promise<FailureFile[]> {
  const folder = join(dataDir, FAILURES_FOLDER);
  let names: string[];
  try {
    names = (await readdir(folder, { withFileTypes: true }))
      .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      names = [];
    } else {
      throw error;
    }
  }
  if (only !== undefined) {
    const name = basename(only);
    if (!names.includes(name)) {
      throw new CliUsageError(`No failure file ${name} in ${folder}; run npm run stream -- failures to list them`);
    }
    names = [name];
  }

  const files: FailureFile[] = [];
  for (const name of names) {
    const path = join(folder, name);
    const parsed = failureFileSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    if (!parsed.success) {
      throw new Error(`Failure file ${path} is not a stream poller failure file: ${z.prettifyError(parsed.error)}`);
    }
    const failed = parsed.data.failedSequenceNumbers;
    const records = (parsed.data.records as unknown as DynamoDBRecord[]).filter(
      (record) => failed === undefined || failed.includes(record.dynamodb?.SequenceNumber ?? ''),
    );
    files.push({ name, path, records });
  }
  return files;
}

/** Lists every failed record with the lake writer's note about it. */
export async function listFailedRecords(dataDir: string): Promise<FailedRecord[]> {
  const lake = localLake(dataDir);
  const failed: FailedRecord[] = [];
  for (const file of await readFailureFiles(dataDir)) {
    for (const record of file.records) {
      failed.push({ file: file.name, record, note: await readPoisonNote(lake, record.eventID ?? '') });
    }
  }
  return failed;
}

async function readPoisonNote(lake: ObjectStore, eventId: string): Promise<PoisonRecordNote | undefined> {
  const bytes = await lake.get(poisonNoteKey(eventId));
  if (bytes === undefined) {
    return undefined;
  }
  return poisonNoteSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
}

async function printFailures(context: CliContext): Promise<void> {
  const failed = await listFailedRecords(context.dataDir);
  if (failed.length === 0) {
    context.print('No failed stream records.');
    return;
  }
  context.print(['file', 'sequence', 'event', 'pk', 'reason'].join('\t'));
  for (const { file, record, note } of failed) {
    context.print(
      [
        file,
        record.dynamodb?.SequenceNumber ?? '-',
        record.eventName ?? '-',
        record.dynamodb?.Keys?.pk?.S ?? '-',
        note?.reason ?? 'no reason recorded (the handler failed as a whole, or the lake write failed)',
      ].join('\t'),
    );
  }
}

async function replay(context: CliContext, only: string | undefined, asRecorded: boolean): Promise<number> {
  const files = await readFailureFiles(context.dataDir, only);
  if (files.length === 0) {
    context.print('No failed stream records to replay.');
    return 0;
  }
  const client = asRecorded ? undefined : await localDynamoDbClient(context.dataDir);
  try {
    const outcomes = await replayFailureFiles(context.dataDir, files, client);
    for (const outcome of outcomes) {
      const state =
        outcome.failed.length === 0
          ? `landed, moved to ${FAILURES_FOLDER}/${REPLAYED_FOLDER}/`
          : `${outcome.failed.length} failed again (sequence numbers ${outcome.failed.join(', ')}); file kept`;
      context.print(`${outcome.file}\t${outcome.records} record(s), ${outcome.refreshed} read again\t${state}`);
    }
    return outcomes.some((outcome) => outcome.failed.length > 0) ? 1 : 0;
  } finally {
    client?.destroy();
  }
}

/**
 * Lands the failed records of each file in the lake with the stream handler's own writer. With a `client`,
 * INSERT and MODIFY records get the item's current image from the lead table. A file whose records all land
 * moves to `replayed/` and the notes of its records are deleted.
 */
export async function replayFailureFiles(
  dataDir: string,
  files: FailureFile[],
  client: DynamoDBClient | undefined,
): Promise<ReplayOutcome[]> {
  const lake = localLake(dataDir);
  const outcomes: ReplayOutcome[] = [];
  for (const file of files) {
    let refreshed = 0;
    const records: DynamoDBRecord[] = [];
    for (const record of file.records) {
      const image = client ? await currentImage(client, record) : undefined;
      if (image !== undefined) {
        refreshed += 1;
      }
      records.push(image === undefined ? record : withNewImage(record, image));
    }

    const result = await writeStreamBatch(records, lake);
    const failed = result.batchItemFailures.map((failure) => failure.itemIdentifier);
    if (failed.length === 0) {
      await lake.delete(records.map((record) => poisonNoteKey(record.eventID ?? '')));
      const replayedFolder = join(dataDir, FAILURES_FOLDER, REPLAYED_FOLDER);
      await mkdir(replayedFolder, { recursive: true });
      await rename(file.path, join(replayedFolder, file.name));
    }
    outcomes.push({ file: file.name, records: records.length, failed, refreshed });
  }
  return outcomes;
}

/** Reads the current item of an INSERT or MODIFY record; undefined for a REMOVE or an item deleted since. */
async function currentImage(
  client: DynamoDBClient,
  record: DynamoDBRecord,
): Promise<Record<string, AttributeValue> | undefined> {
  if (record.eventName === 'REMOVE') {
    return undefined;
  }
  const output = await client.send(
    new GetItemCommand({
      TableName: LOCAL_TABLE_NAMES.leads,
      Key: record.dynamodb?.Keys as Record<string, AttributeValue>,
      ConsistentRead: true,
    }),
  );
  return output.Item;
}

function withNewImage(record: DynamoDBRecord, item: Record<string, AttributeValue>): DynamoDBRecord {
  const image = Object.fromEntries(Object.entries(item).map(([name, value]) => [name, toLambdaAttributeValue(value)]));
  return { ...record, dynamodb: { ...record.dynamodb, NewImage: image } };
}

/** Connects to the running stack's DynamoDB Local, found through `<dataDir>/stack.json`. */
async function localDynamoDbClient(dataDir: string): Promise<DynamoDBClient> {
  const stackFile = join(dataDir, 'stack.json');
  let stack: z.infer<typeof stackFileSchema>;
  try {
    stack = stackFileSchema.parse(JSON.parse(await readFile(stackFile, 'utf8')));
  } catch (error) {
    throw new StackNotFoundError(
      `No running local stack found (${stackFile} is missing or invalid); start it with npm start, ` +
        'or replay the records as recorded with --as-recorded',
      { cause: error },
    );
  }
  return new DynamoDBClient({
    region: LOCAL_AWS.region,
    endpoint: `http://${LOOPBACK}:${stack.dynamoPort}`,
    credentials: { accessKeyId: LOCAL_AWS.accessKeyId, secretAccessKey: LOCAL_AWS.secretAccessKey },
  });
}

if (isDirectRun(import.meta.url)) {
  runFromShell(main);
}
