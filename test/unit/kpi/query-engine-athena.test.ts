import {
  AthenaClient,
  type ColumnInfo,
  GetQueryExecutionCommand,
  type GetQueryExecutionOutput,
  GetQueryResultsCommand,
  type Row,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AthenaQueryEngine, quoteAthenaParameter } from '#shared/adapters/query-engine-athena';
import { QueryCancelledError, QueryFailedError } from '#shared/kpi/errors';
import { logger } from '#shared/logger';

const athena = mockClient(AthenaClient);
const QUERY_ID = 'query-1';

const engine = (options: { timeoutMs?: number } = {}) =>
  new AthenaQueryEngine({
    client: new AthenaClient({ region: 'eu-west-3' }),
    workGroup: 'kpi',
    database: 'lake',
    pollIntervalMs: 0,
    ...options,
  });

const execution = (
  state: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED',
  reason?: string,
): GetQueryExecutionOutput => ({
  QueryExecution: {
    QueryExecutionId: QUERY_ID,
    Status: { State: state, ...(reason ? { StateChangeReason: reason } : {}) },
    Statistics: { DataScannedInBytes: 123_456, EngineExecutionTimeInMillis: 789 },
  },
});

const columns: ColumnInfo[] = [
  { Name: 'local_date', Type: 'varchar' },
  { Name: 'leads', Type: 'bigint' },
];
const header: Row = { Data: [{ VarCharValue: 'local_date' }, { VarCharValue: 'leads' }] };
const dataRow = (date: string, leads: number): Row => ({
  Data: [{ VarCharValue: date }, { VarCharValue: String(leads) }],
});

describe('AthenaQueryEngine', () => {
  beforeEach(() => {
    athena.reset();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: QUERY_ID });
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('reads every page and skips the header on the first page only', async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(execution('QUEUED'))
      .resolvesOnce(execution('RUNNING'))
      .resolves(execution('SUCCEEDED'));
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: QUERY_ID, NextToken: undefined })
      .resolves({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: columns },
          Rows: [header, dataRow('2026-10-01', 1), dataRow('2026-10-02', 2)],
        },
        NextToken: 'page-2',
      })
      .on(GetQueryResultsCommand, { QueryExecutionId: QUERY_ID, NextToken: 'page-2' })
      .resolves({
        ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: [dataRow('2026-10-03', 3)] },
        NextToken: 'page-3',
      })
      .on(GetQueryResultsCommand, { QueryExecutionId: QUERY_ID, NextToken: 'page-3' })
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: [dataRow('2026-10-04', 4)] } });

    const rows = await engine().query('SELECT 1', []);

    expect(rows).toEqual([
      { local_date: '2026-10-01', leads: 1 },
      { local_date: '2026-10-02', leads: 2 },
      { local_date: '2026-10-03', leads: 3 },
      { local_date: '2026-10-04', leads: 4 },
    ]);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(3);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(3);
  });

  it('converts values by column type', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: {
          ColumnInfo: [
            { Name: 'count', Type: 'bigint' },
            { Name: 'small', Type: 'integer' },
            { Name: 'ratio', Type: 'double' },
            { Name: 'flag', Type: 'boolean' },
            { Name: 'off', Type: 'boolean' },
            { Name: 'label', Type: 'varchar' },
            { Name: 'empty', Type: 'varchar' },
            { Name: 'missing', Type: 'varchar' },
            { Name: 'missing_count', Type: 'bigint' },
          ],
        },
        Rows: [
          { Data: [{}, {}, {}, {}, {}, {}, {}, {}, {}] },
          {
            Data: [
              { VarCharValue: '9007199254740991' },
              { VarCharValue: '-7' },
              { VarCharValue: '0.25' },
              { VarCharValue: 'true' },
              { VarCharValue: 'false' },
              { VarCharValue: "l'Isle-Adam" },
              { VarCharValue: '' },
              {},
              {},
            ],
          },
        ],
      },
    });

    const rows = await engine().query('SELECT 1', []);

    expect(rows).toEqual([
      {
        count: 9_007_199_254_740_991,
        small: -7,
        ratio: 0.25,
        flag: true,
        off: false,
        label: "l'Isle-Adam",
        empty: '',
        missing: null,
        missing_count: null,
      },
    ]);
  });

  it('rejects a bigint beyond the safe integer range', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: [{ Name: 'count', Type: 'bigint' }] },
        Rows: [{ Data: [{ VarCharValue: 'count' }] }, { Data: [{ VarCharValue: '9007199254740993' }] }],
      },
    });

    await expect(engine().query('SELECT 1', [])).rejects.toBeInstanceOf(QueryFailedError);
  });

  it('passes parameters as quoted string literals with the database and workgroup', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    athena
      .on(GetQueryResultsCommand)
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: [header] } });

    const rows = await engine().query('SELECT ? AS a, ? AS b', ['demo', "l'isle"]);

    expect(rows).toEqual([]);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input).toEqual({
      QueryString: 'SELECT ? AS a, ? AS b',
      WorkGroup: 'kpi',
      QueryExecutionContext: { Database: 'lake' },
      ExecutionParameters: ["'demo'", "'l''isle'"],
    });
  });

  it('quotes parameters as Trino string literals', () => {
    expect(quoteAthenaParameter("it's")).toBe("'it''s'");
    expect(quoteAthenaParameter('')).toBe("''");
  });

  it('throws QueryCancelledError when the workgroup cancels the query', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('CANCELLED', 'Bytes scanned limit was exceeded'));

    const result = engine().query('SELECT 1', []);

    await expect(result).rejects.toBeInstanceOf(QueryCancelledError);
    await expect(result).rejects.toThrow('Bytes scanned limit was exceeded');
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('throws QueryFailedError with the state change reason', async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolves(execution('FAILED', "COLUMN_NOT_FOUND: Column 'x' cannot be resolved"));

    const result = engine().query('SELECT x', []);

    await expect(result).rejects.toBeInstanceOf(QueryFailedError);
    await expect(result).rejects.toThrow("COLUMN_NOT_FOUND: Column 'x' cannot be resolved");
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('throws QueryFailedError when the query cannot start', async () => {
    athena.on(StartQueryExecutionCommand).rejects(new Error('InvalidRequestException'));

    await expect(engine().query('SELECT 1', [])).rejects.toBeInstanceOf(QueryFailedError);
  });

  it('throws QueryFailedError when a result page fails', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    athena
      .on(GetQueryResultsCommand)
      .resolvesOnce({
        ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: [header, dataRow('2026-10-01', 1)] },
        NextToken: 'page-2',
      })
      .rejects(new Error('ThrottlingException'));

    await expect(engine().query('SELECT 1', [])).rejects.toBeInstanceOf(QueryFailedError);
  });

  it('stops the query and throws QueryCancelledError after the timeout', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('RUNNING'));
    athena.on(StopQueryExecutionCommand).resolves({});

    await expect(engine({ timeoutMs: 0 }).query('SELECT 1', [])).rejects.toBeInstanceOf(QueryCancelledError);
    expect(athena.commandCalls(StopQueryExecutionCommand)[0]?.args[0].input).toEqual({ QueryExecutionId: QUERY_ID });
  });

  it('logs the query id, state, scanned bytes and engine time', async () => {
    const info = vi.spyOn(logger, 'info');
    athena.on(GetQueryExecutionCommand).resolves(execution('CANCELLED', 'cutoff'));

    await expect(engine().query('SELECT 1', [])).rejects.toBeInstanceOf(QueryCancelledError);

    expect(info).toHaveBeenCalledWith('Athena query finished', {
      queryExecutionId: QUERY_ID,
      state: 'CANCELLED',
      dataScannedInBytes: 123_456,
      engineExecutionTimeInMillis: 789,
    });
  });
});
