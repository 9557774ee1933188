/**
 * Runs figure 8 (`GET /v1/kpis` in process) alone, in a process of its own with its own DynamoDB Local, as an
 * API Lambda runs: the suite's data sets are not in its heap. `npm run bench` starts it with
 * `--json FILE --leads N --requests N --warm-up N --seed N`, and reads the figures from FILE.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { openEnvironment } from './environment';
import { benchKpiApi } from './kpi-api';
import { seededRandom } from './random';

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    leads: { type: 'string', default: '250000' },
    requests: { type: 'string', default: '400' },
    'warm-up': { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
  },
});
const count = (name: string, text: string) => {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`--${name} must be a whole number, got ${text}`);
  }
  return value;
};

const env = await openEnvironment();
try {
  const figures = await benchKpiApi(
    env,
    {
      leadsPerYear: count('leads', values.leads),
      requests: count('requests', values.requests),
      warmUpRequests: count('warm-up', values['warm-up']),
    },
    seededRandom(count('seed', values.seed)),
  );
  if (values.json !== undefined) {
    await writeFile(values.json, `${JSON.stringify(figures)}\n`);
  }
  for (const figure of figures) {
    process.stdout.write(`${figure.key}\t${figure.value} ${figure.unit}\n`);
  }
} finally {
  await env.close();
}
