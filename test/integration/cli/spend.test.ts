import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '#infra/cli/spend';
import { ensureTable } from '#infra/local/dynamodb-local';
import { DynamoDbSpendStore } from '#shared/adapters/spend-dynamodb';
import { AGGREGATES_TABLE } from '#shared/store/tables';
import { type CliEnvironment, startCliEnvironment } from './cli-environment';

let env: CliEnvironment;

beforeAll(async () => {
  env = await startCliEnvironment();
  await ensureTable(env.dynamo.client, 'aggregates', AGGREGATES_TABLE);
});

afterAll(async () => {
  await env?.stop();
});

describe('npm run spend', () => {
  it('imports a French Excel file and replaces the months it names', async () => {
    const first = join(env.dataDir, 'spend-1.csv');
    const second = join(env.dataDir, 'spend-2.csv');
    await writeFile(
      first,
      '\ufeffMois;Source;Site;Montant\n2026-11;google-ads;amiens-nord;1 200,00\n2026-11;oem;;300\n',
    );
    await writeFile(second, '\ufeffMois;Source;Montant\n2026-11;google-ads;900,50\n');

    const imported = await env.run(main, ['import', first, '--tenant', 'demo']);
    const replaced = await env.run(main, ['import', second, '--tenant', 'demo']);

    expect(imported.code).toBe(0);
    expect(replaced).toEqual({
      code: 0,
      out: [
        'Stored 1 spend rows for demo, replacing months 2026-11.',
        'GET /v1/kpis reads spend when it answers, so cost per lead, cost per sale and ROI use it at once.',
      ],
      err: [],
    });
    const store = new DynamoDbSpendStore({ client: env.client, tableName: 'aggregates' });
    expect(await store.readMonths('demo', '2026-11', '2026-11')).toEqual([
      { month: '2026-11', source: 'google-ads', amount: 900.5 },
    ]);
  });

  it('reports an invalid line and stores nothing', async () => {
    const file = join(env.dataDir, 'spend-bad.csv');
    await writeFile(file, 'mois;source;montant\n2026-12;oem;beaucoup\n');

    const result = await env.run(main, ['import', file, '--tenant', 'demo']);

    expect(result).toEqual({
      code: 1,
      out: [],
      err: ['VALIDATION_FAILED: Line 2: amount "beaucoup" is not a number of euros'],
    });
    const store = new DynamoDbSpendStore({ client: env.client, tableName: 'aggregates' });
    expect(await store.readMonths('demo', '2026-12', '2026-12')).toEqual([]);
  });

  it('requires the aggregates table name for a deployed stack', async () => {
    const result = await env.run(main, ['import', 'x.csv', '--target', 'aws', '--table', 'leads']);

    expect(result.code).toBe(2);
    expect(result.err[0]).toBe('--aggregates-table is required with --target aws');
  });
});
