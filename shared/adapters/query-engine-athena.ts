/** Query engine on Amazon Athena (Trino engine version 3). */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AthenaClient,
  type ColumnInfo,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type QueryExecution,
  type Row,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { QueryCancelledError, QueryFailedError } from '#shared/kpi/errors';
import {
  columnsOfRows,
  type QueryColumns,
  type QueryEngine,
  type QueryRow,
  toSafeNumber,
} from '#shared/kpi/query-engine';
import { logger } from '#shared/logger';

export interface AthenaQueryEngineOptions {
  client: AthenaClient;
  /** Workgroup that sets the result location and the bytes-scanned cutoff. */
  workGroup: string;
  /** Glue database that contains the `lead_changes` table. */
  database: string;
  /** Delay between two status polls, in milliseconds (default 1,000). */
  pollIntervalMs?: number;
  /** Time after which the adapter stops the query and throws, in milliseconds (default 10 minutes). */
  timeoutMs?: number;
}

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint']);
const FLOAT_TYPES = new Set(['double', 'float', 'real', 'decimal']);

/** Quotes a parameter as a Trino string literal, which is how Athena's ExecutionParameters expects strings. */
export function quoteAthenaParameter(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Runs queries on Athena: starts the execution, polls its state, then reads every result page.
 * Parameters are bound through `ExecutionParameters`, never spliced into the SQL text.
 */
export class AthenaQueryEngine implements QueryEngine {
  private readonly client: AthenaClient;
  private readonly workGroup: string;
  private readonly database: string;
  private readonly pollIntervalMs: number;
  private readonly timeoutMs: number;

  constructor(options: AthenaQueryEngineOptions) {
    this.client = options.client;
    this.workGroup = options.workGroup;
    this.database = options.database;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.timeoutMs = options.timeoutMs ?? 600_000;
  }

  /** Athena returns its results in pages of rows, so the columns are built from the rows. */
  async queryColumns(sql: string, params: string[]): Promise<QueryColumns> {
    return columnsOfRows(await this.query(sql, params));
  }

  async query(sql: string, params: string[]): Promise<QueryRow[]> {
    const queryExecutionId = await this.start(sql, params);
    const execution = await this.waitForCompletion(queryExecutionId);
    const status = execution.Status;
    const state = status?.State;

    logger.info('Athena query finished', {
      queryExecutionId,
      state,
      dataScannedInBytes: execution.Statistics?.DataScannedInBytes,
      engineExecutionTimeInMillis: execution.Statistics?.EngineExecutionTimeInMillis,
    });

    if (state === 'CANCELLED') {
      throw new QueryCancelledError(
        `Athena query ${queryExecutionId} was cancelled: ${status?.StateChangeReason ?? 'no reason given'}`,
      );
    }
    if (state !== 'SUCCEEDED') {
      throw new QueryFailedError(
        `Athena query ${queryExecutionId} failed: ${status?.StateChangeReason ?? status?.AthenaError?.ErrorMessage ?? 'no reason given'}`,
      );
    }
    return this.readResults(queryExecutionId);
  }

  private async start(sql: string, params: string[]): Promise<string> {
    try {
      const output = await this.client.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          WorkGroup: this.workGroup,
          QueryExecutionContext: { Database: this.database },
          ...(params.length > 0 ? { ExecutionParameters: params.map(quoteAthenaParameter) } : {}),
        }),
      );
      if (!output.QueryExecutionId) {
        throw new Error('StartQueryExecution returned no QueryExecutionId');
      }
      return output.QueryExecutionId;
    } catch (error) {
      throw new QueryFailedError('Athena rejected the query at start', { cause: error });
    }
  }

  private async waitForCompletion(queryExecutionId: string): Promise<QueryExecution> {
    const deadline = performance.now() + this.timeoutMs;
    for (;;) {
      const execution = await this.describe(queryExecutionId);
      const state = execution.Status?.State;
      if (state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED') {
        return execution;
      }
      if (performance.now() >= deadline) {
        await this.stop(queryExecutionId);
        throw new QueryCancelledError(
          `Athena query ${queryExecutionId} timed out after ${this.timeoutMs} ms in state ${state}; it was stopped`,
        );
      }
      await sleep(this.pollIntervalMs);
    }
  }

  private async describe(queryExecutionId: string): Promise<QueryExecution> {
    try {
      const output = await this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryExecutionId }));
      if (!output.QueryExecution) {
        throw new Error('GetQueryExecution returned no QueryExecution');
      }
      return output.QueryExecution;
    } catch (error) {
      throw new QueryFailedError(`Reading the state of Athena query ${queryExecutionId} failed`, { cause: error });
    }
  }

  private async stop(queryExecutionId: string): Promise<void> {
    try {
      await this.client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryExecutionId }));
    } catch (error) {
      // The timeout error that follows matters more; a query left running is still capped by the workgroup.
      logger.warn('Stopping a timed-out Athena query failed', { queryExecutionId, error });
    }
  }

  private async readResults(queryExecutionId: string): Promise<QueryRow[]> {
    const rows: QueryRow[] = [];
    let columns: ColumnInfo[] | undefined;
    let nextToken: string | undefined;
    let firstPage = true;

    do {
      const page = await this.readPage(queryExecutionId, nextToken);
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo;
      if (!columns) {
        throw new QueryFailedError(`Athena query ${queryExecutionId} returned results without column metadata`);
      }
      // Only the first page starts with the header row (the column names); later pages carry data alone.
      const dataRows = (page.ResultSet?.Rows ?? []).slice(firstPage ? 1 : 0);
      for (const row of dataRows) {
        rows.push(convertRow(row, columns, queryExecutionId));
      }
      nextToken = page.NextToken;
      firstPage = false;
    } while (nextToken);

    return rows;
  }

  private async readPage(queryExecutionId: string, nextToken: string | undefined) {
    try {
      return await this.client.send(
        new GetQueryResultsCommand({
          QueryExecutionId: queryExecutionId,
          MaxResults: 1_000,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
    } catch (error) {
      throw new QueryFailedError(`Reading the results of Athena query ${queryExecutionId} failed`, { cause: error });
    }
  }
}

function convertRow(row: Row, columns: ColumnInfo[], queryExecutionId: string): QueryRow {
  const data = row.Data ?? [];
  const result: QueryRow = {};
  columns.forEach((column, index) => {
    const name = column.Name ?? `_col${index}`;
    result[name] = convertValue(data[index]?.VarCharValue, column.Type ?? 'varchar', name, queryExecutionId);
  });
  return result;
}

function convertValue(
  value: string | undefined,
  type: string,
  column: string,
  queryExecutionId: string,
): string | number | boolean | null {
  // Athena leaves VarCharValue out for NULL; an empty string comes back as ''.
  if (value === undefined) {
    return null;
  }
  const baseType = type.toLowerCase();
  if (INTEGER_TYPES.has(baseType)) {
    try {
      return toSafeNumber(value, column);
    } catch (error) {
      throw new QueryFailedError(`Athena query ${queryExecutionId} returned an unreadable integer`, { cause: error });
    }
  }
  if (FLOAT_TYPES.has(baseType)) {
    const number = Number(value);
    if (Number.isNaN(number) && value !== 'NaN') {
      throw new QueryFailedError(`Athena query ${queryExecutionId} returned a non-numeric ${baseType} in ${column}`);
    }
    return number;
  }
  if (baseType === 'boolean') {
    return value === 'true';
  }
  return value;
}
