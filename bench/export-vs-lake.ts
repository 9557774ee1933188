/**
 * Figure 4: the daily-leads KPI on the Parquet lake compared with the same KPI on a DynamoDB export to S3
 * (DynamoDB JSON lines, gzip), both run by one DuckDB instance.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { parquetMetadata } from 'hyparquet';
import { addDays } from '#shared/kpi/dates';
import { DAILY_LEADS_SQL } from '#shared/kpi/sql';
import { LAKE_COLUMNS, LAKE_TABLE } from '#shared/lake/schema';
import type { Lead } from '#shared/lead/model';
import { assertSameCells, cellsFromRows } from './cells';
import { BENCH_TENANT, leadItem, marshallItem } from './dataset';
import type { CompactedLake } from './lake';
import type { KpiRange } from './nightly';
import type { Random } from './random';
import { randomHex } from './random';
import type { Figure } from './results';
import { median, round, timed } from './stats';

const gzipAsync = promisify(gzip);

/**
 * Uncompressed size at which a data file is closed. The size of an export's data files is an assumption of this
 * benchmark; the query reads every file whole, so only the number of files changes with it.
 */
const EXPORT_FILE_BYTES = 16 * 1024 * 1024;

export interface TableExport {
  files: string[];
  compressedBytes: number;
  uncompressedBytes: number;
}

/**
 * Writes the leads as DynamoDB's export to S3 does in DYNAMODB_JSON format: gzip files under
 * `AWSDynamoDB/<export id>/data/`, one `{"Item":{...}}` line per item with every attribute of the item,
 * personal fields included, since a table export cannot leave attributes out.
 */
export async function writeTableExport(dir: string, leads: readonly Lead[], random: Random): Promise<TableExport> {
  const dataDir = join(dir, 'export', 'AWSDynamoDB', `01764806400000-${randomHex(random, 8)}`, 'data');
  await mkdir(dataDir, { recursive: true });
  const files: string[] = [];
  let compressedBytes = 0;
  let uncompressedBytes = 0;
  let lines: string[] = [];
  let pendingBytes = 0;

  const flush = async () => {
    const text = lines.join('');
    const compressed = await gzipAsync(text);
    const file = join(dataDir, `${randomHex(random, 26)}.json.gz`);
    await writeFile(file, compressed);
    files.push(file);
    compressedBytes += compressed.byteLength;
    uncompressedBytes += Buffer.byteLength(text);
    lines = [];
    pendingBytes = 0;
  };

  for (const lead of leads) {
    const line = `${JSON.stringify({ Item: marshallItem(leadItem(lead)) })}\n`;
    lines.push(line);
    pendingBytes += line.length;
    if (pendingBytes >= EXPORT_FILE_BYTES) {
      await flush();
    }
  }
  if (lines.length > 0) {
    await flush();
  }
  return { files, compressedBytes, uncompressedBytes };
}

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** The attributes that the KPI reads, as DuckDB types of their DynamoDB JSON (`{"S": ...}`, `{"BOOL": ...}`). */
const EXPORT_ITEM_TYPE =
  'STRUCT(entity STRUCT(S VARCHAR), tenantId STRUCT(S VARCHAR), siteId STRUCT(S VARCHAR), ' +
  'source STRUCT(S VARCHAR), channel STRUCT(S VARCHAR), campaign STRUCT(M STRUCT(id STRUCT(S VARCHAR))), ' +
  'category STRUCT(S VARCHAR), localDate STRUCT(S VARCHAR), isTest STRUCT("BOOL" BOOLEAN))';

/**
 * Returns the daily-leads KPI SQL over a table export, equivalent to `DAILY_LEADS_SQL` on the lake. An export contains each
 * item once, in its state at export time, and no deleted item, so it needs neither ranking by version nor a
 * deletion filter. Declaring the columns spares DuckDB the schema inference, the fastest way to read the export.
 *
 * Parameters, in order: tenant id, first local date, last local date.
 */
export function exportDailyLeadsSql(files: readonly string[]): string {
  return `
WITH items AS (
  SELECT Item AS item
  FROM read_json([${files.map(sqlString).join(', ')}], format = 'newline_delimited', compression = 'gzip',
    columns = {'Item': ${sqlString(EXPORT_ITEM_TYPE)}})
),
live_leads AS (
  SELECT
    item.localDate.S AS local_date,
    COALESCE(item.siteId.S, 'unassigned') AS site_id,
    COALESCE(item.source.S, '') AS source,
    COALESCE(item.channel.S, '') AS channel,
    COALESCE(item.campaign.M.id.S, '') AS campaign_id,
    COALESCE(item.category.S, '') AS category
  FROM items
  WHERE item.entity.S = 'lead'
    AND item.tenantId.S = ?
    AND COALESCE(item.isTest."BOOL", false) = false
    AND item.localDate.S BETWEEN ? AND ?
)
SELECT
  local_date,
  site_id,
  source,
  channel,
  campaign_id,
  category,
  count(*) AS leads
FROM live_leads
GROUP BY local_date, site_id, source, channel, campaign_id, category
ORDER BY local_date, site_id, source, channel, campaign_id, category
`;
}

/**
 * Returns the bytes that this process has passed through read system calls so far (`rchar` of /proc/self/io), or
 * undefined where the file does not exist (not Linux). Page-cache hits count too, so the difference over a
 * query is what the query read, whether or not the disk was touched.
 */
function bytesReadByProcess(): number | undefined {
  try {
    const match = /^rchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

interface QueryRun {
  seconds: number;
  bytesRead: number | undefined;
  cells: Map<string, number>;
}

async function runQuery(connection: DuckDBConnection, sql: string, params: string[]): Promise<QueryRun> {
  const before = bytesReadByProcess();
  const { result, ms } = await timed(async () => (await connection.runAndReadAll(sql, params)).getRowObjectsJS());
  const after = bytesReadByProcess();
  return {
    seconds: ms / 1000,
    bytesRead: before === undefined || after === undefined ? undefined : after - before,
    cells: cellsFromRows(result),
  };
}

/** Lake columns that `DAILY_LEADS_SQL` names; a Parquet reader reads only these columns' chunks. */
const QUERIED_COLUMNS = LAKE_COLUMNS.map((column) => column.name).filter((name) =>
  new RegExp(`\\b${name}\\b`).test(DAILY_LEADS_SQL),
);

/**
 * Returns the bytes of a Parquet file that a reader of `columns` needs: the compressed column chunks of those columns
 * in every row group, plus the footer (metadata, its 4-byte length and the 4-byte magic number).
 */
async function columnChunkBytes(path: string, columns: readonly string[]): Promise<number> {
  const bytes = new Uint8Array(await readFile(path));
  const metadata = parquetMetadata(bytes);
  let total = metadata.metadata_length + 8;
  for (const rowGroup of metadata.row_groups) {
    for (const chunk of rowGroup.columns) {
      const name = chunk.meta_data?.path_in_schema.join('.');
      if (name !== undefined && columns.includes(name)) {
        total += Number(chunk.meta_data?.total_compressed_size ?? 0);
      }
    }
  }
  return total;
}

/** A date range to run the KPI for, with the cells it must return. */
export interface KpiCase {
  /** Suffix of the figure keys (`''` for the main case). */
  keySuffix: string;
  label: string;
  range: KpiRange;
  expected: ReadonlyMap<string, number>;
}

async function lakeBytesFor(lake: CompactedLake, firstDt: string): Promise<{ fileBytes: number; columnBytes: number }> {
  let fileBytes = 0;
  let columnBytes = 0;
  for (const [dt, keys] of lake.keysByDt) {
    if (dt < firstDt) {
      continue;
    }
    fileBytes += lake.bytesByDt.get(dt) ?? 0;
    for (const key of keys) {
      columnBytes += await columnChunkBytes(lake.store.locationOf(key), QUERIED_COLUMNS);
    }
  }
  return { fileBytes, columnBytes };
}

async function benchCase(
  connection: DuckDBConnection,
  lake: CompactedLake,
  tableExport: TableExport,
  kpiCase: KpiCase,
  runs: number,
): Promise<Figure[]> {
  const { range, expected, keySuffix, label } = kpiCase;
  // The lake query reads every partition from the day before the range on (see DAILY_LEADS_SQL).
  const firstDt = addDays(range.from, -1);
  const lakeBytes = await lakeBytesFor(lake, firstDt);
  const exportSql = exportDailyLeadsSql(tableExport.files);

  const lakeRuns: QueryRun[] = [];
  const exportRuns: QueryRun[] = [];
  // Alternating the two queries spreads any drift of the machine's speed evenly over both.
  for (let run = 0; run < runs; run += 1) {
    lakeRuns.push(await runQuery(connection, DAILY_LEADS_SQL, [BENCH_TENANT, firstDt, range.from, range.to]));
    exportRuns.push(await runQuery(connection, exportSql, [BENCH_TENANT, range.from, range.to]));
  }
  for (const run of lakeRuns) {
    assertSameCells(`KPI on the lake, ${label}`, run.cells, expected);
  }
  for (const run of exportRuns) {
    assertSameCells(`KPI on the table export, ${label}`, run.cells, expected);
  }

  const lakeSeconds = median(lakeRuns.map((run) => run.seconds));
  const exportSeconds = median(exportRuns.map((run) => run.seconds));
  const lakeBytesRead = medianOrUndefined(lakeRuns.map((run) => run.bytesRead));
  const exportBytesRead = medianOrUndefined(exportRuns.map((run) => run.bytesRead));

  const figures: Figure[] = [
    {
      key: `kpiLakeQuerySecondsMedian${keySuffix}`,
      label: `${label}: lake query (DAILY_LEADS_SQL), median of ${runs}`,
      value: round(lakeSeconds, 3),
      unit: 's',
    },
    {
      key: `kpiExportQuerySecondsMedian${keySuffix}`,
      label: `${label}: export query (read_json), median of ${runs}`,
      value: round(exportSeconds, 3),
      unit: 's',
    },
    {
      key: `lakeScannedFileBytes${keySuffix}`,
      label: `${label}: lake, Parquet bytes of the partitions scanned`,
      value: lakeBytes.fileBytes,
      unit: 'B',
    },
    {
      key: `lakeScannedColumnBytes${keySuffix}`,
      label: `${label}: lake, bytes of the ${QUERIED_COLUMNS.length} queried columns + footers`,
      value: lakeBytes.columnBytes,
      unit: 'B',
    },
    {
      key: `lakeVsExportBytesRatio${keySuffix}`,
      label: `${label}: export gzip bytes / lake queried-column bytes`,
      value: round(tableExport.compressedBytes / lakeBytes.columnBytes, 3),
      unit: 'x',
      target: { min: 10 },
    },
    {
      key: `lakeVsExportFileBytesRatio${keySuffix}`,
      label: `${label}: export gzip bytes / lake file bytes`,
      value: round(tableExport.compressedBytes / lakeBytes.fileBytes, 3),
      unit: 'x',
    },
    {
      key: `lakeVsExportTimeRatio${keySuffix}`,
      label: `${label}: export query time / lake query time`,
      value: round(exportSeconds / lakeSeconds, 3),
      unit: 'x',
      target: { min: 5 },
    },
  ];
  if (lakeBytesRead !== undefined && exportBytesRead !== undefined) {
    figures.push(
      {
        key: `lakeQueryBytesReadMedian${keySuffix}`,
        label: `${label}: lake query, bytes read by DuckDB (read syscalls)`,
        value: lakeBytesRead,
        unit: 'B',
      },
      {
        key: `exportQueryBytesReadMedian${keySuffix}`,
        label: `${label}: export query, bytes read by DuckDB (read syscalls)`,
        value: exportBytesRead,
        unit: 'B',
      },
    );
  }
  return figures;
}

function medianOrUndefined(values: (number | undefined)[]): number | undefined {
  const defined = values.filter((value): value is number => value !== undefined);
  return defined.length === values.length ? median(defined) : undefined;
}

/**
 * Writes the final leads as a table export, then runs the KPI of each case on the lake and on the export in
 * one DuckDB instance, and checks that both return the expected cells.
 */
export async function benchLakeVsExport(
  dir: string,
  lake: CompactedLake,
  finalLeads: readonly Lead[],
  cases: readonly KpiCase[],
  random: Random,
  runs: number,
): Promise<Figure[]> {
  const tableExport = await writeTableExport(dir, finalLeads, random);
  const figures: Figure[] = [
    {
      key: 'exportCompressedBytes',
      label: `Export: gzip bytes of its ${tableExport.files.length} data files`,
      value: tableExport.compressedBytes,
      unit: 'B',
    },
    {
      key: 'exportUncompressedBytes',
      label: 'Export: uncompressed DynamoDB JSON bytes',
      value: tableExport.uncompressedBytes,
      unit: 'B',
    },
    { key: 'exportDataFiles', label: 'Export: data files', value: tableExport.files.length, unit: 'files' },
  ];

  const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false' });
  try {
    const connection = await instance.connect();
    try {
      // DuckDbQueryEngine opens a fresh instance per query, so nothing is cached between nightly runs. With the
      // cache of file contents off, each run here reads its files again too.
      await connection.run('SET enable_external_file_cache = false');
      // The same view as DuckDbQueryEngine creates over the lake folder.
      await connection.run(
        `CREATE VIEW ${LAKE_TABLE} AS SELECT * FROM read_parquet(${sqlString(`${lake.root}/${LAKE_TABLE}/*/*/*.parquet`)}, ` +
          `hive_partitioning = true, union_by_name = true, hive_types = {'tenant': VARCHAR, 'dt': VARCHAR})`,
      );
      for (const kpiCase of cases) {
        figures.push(...(await benchCase(connection, lake, tableExport, kpiCase, runs)));
      }
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
  return figures;
}
