/**
 * Figure 1b: CPU time per lead of the parsers alone, and of parsing plus `buildLead` (validation and
 * normalisation), without authentication or I/O.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildLead } from '#shared/lead/build-lead';
import { parseAdfXml } from '#shared/sources/adf-xml';
import type { LeadDraft } from '#shared/sources/draft';
import { parseGoogleAdsLeadForm } from '#shared/sources/google-ads';
import { draftFromGraphLead, parseMetaWebhook } from '#shared/sources/meta-leadgen';
import { parseWebForm } from '#shared/sources/web-form';
import { tenantFromDemoDocument } from '#shared/tenant/import';
import type { TenantConfig } from '#shared/tenant/model';
import type { Figure } from './results';
import { median, round } from './stats';
import { metaWebhookFor } from './webhook';

const FIXTURES = 'test/fixtures';

export interface ParseOptions {
  warmUpIterations: number;
  batches: number;
  iterationsPerBatch: number;
}

interface ParseCase {
  key: string;
  label: string;
  integrationId: string;
  /** Microseconds per lead that the parser should stay under; the targets are 1 ms for XML and 0.3 ms for JSON. */
  targetUs: number;
  parse(): LeadDraft;
}

const encoder = new TextEncoder();

async function parseCases(): Promise<ParseCase[]> {
  const read = (path: string) => readFile(join(FIXTURES, path));
  const adf = new Uint8Array(await read('leads/adf/lacentrale-vo.xml'));
  const googleAds = new Uint8Array(await read('leads/google-ads/lead-form.json'));
  const metaWebhook = encoder.encode(metaWebhookFor('920000000000001'));
  const graphLeadText = (await read('leads/meta/graph/920000000000001.json')).toString('utf8');
  const webFormJson = new Uint8Array(await read('leads/web-form/contact.json'));
  const webFormUrlencoded = encoder.encode((await read('leads/web-form/service-booking.urlencoded')).toString().trim());

  const single = (drafts: LeadDraft[]): LeadDraft => {
    const [draft] = drafts;
    if (drafts.length !== 1 || draft === undefined) {
      throw new Error(`Expected one lead from the fixture, got ${drafts.length}`);
    }
    return draft;
  };

  return [
    {
      key: 'Adf',
      label: 'ADF/XML',
      integrationId: 'lacentrale',
      targetUs: 1000,
      parse: () => single(parseAdfXml(adf)),
    },
    {
      key: 'GoogleAds',
      label: 'Google Ads lead form',
      integrationId: 'google-ads',
      targetUs: 300,
      parse: () => parseGoogleAdsLeadForm(googleAds).draft,
    },
    {
      // The Graph response body is parsed here too, because the Graph adapter parses it in the same process.
      key: 'Meta',
      label: 'Meta webhook + Graph lead',
      integrationId: 'meta-leads',
      targetUs: 300,
      parse: () => {
        const ref = parseMetaWebhook(metaWebhook)[0];
        if (ref === undefined) {
          throw new Error('The Meta webhook fixture has no leadgen change');
        }
        return draftFromGraphLead(JSON.parse(graphLeadText), ref);
      },
    },
    {
      key: 'WebFormJson',
      label: 'Web form JSON',
      integrationId: 'website',
      targetUs: 300,
      parse: () => parseWebForm(webFormJson, 'application/json'),
    },
    {
      key: 'WebFormUrlencoded',
      label: 'Web form urlencoded',
      integrationId: 'website',
      targetUs: 300,
      parse: () => parseWebForm(webFormUrlencoded, 'application/x-www-form-urlencoded'),
    },
  ];
}

/**
 * Runs `task` in batches and returns, in microseconds per call, the median over batches of the process CPU
 * time and of the wall-clock time. A batch smooths out the timers' resolution, and the median across batches
 * discards batches hit by garbage collection. CPU time stays close to the truth when other processes compete
 * for the cores, while wall-clock time then grows.
 */
function measure(task: () => unknown, options: ParseOptions): { cpuUs: number; wallUs: number } {
  for (let index = 0; index < options.warmUpIterations; index += 1) {
    task();
  }
  const cpuUs: number[] = [];
  const wallUs: number[] = [];
  for (let batch = 0; batch < options.batches; batch += 1) {
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    for (let index = 0; index < options.iterationsPerBatch; index += 1) {
      task();
    }
    wallUs.push(((performance.now() - start) * 1000) / options.iterationsPerBatch);
    const cpu = process.cpuUsage(cpuBefore);
    cpuUs.push((cpu.user + cpu.system) / options.iterationsPerBatch);
  }
  return { cpuUs: median(cpuUs), wallUs: median(wallUs) };
}

export async function benchParse(options: ParseOptions): Promise<Figure[]> {
  const document: unknown = JSON.parse(await readFile(join(FIXTURES, 'tenants/demo.json'), 'utf8'));
  const tenant: TenantConfig = tenantFromDemoDocument(document).config;
  const receivedAt = new Date('2026-11-06T09:00:00.000Z');
  const personIdKey = 'a1'.repeat(32);
  const figures: Figure[] = [];

  for (const parseCase of await parseCases()) {
    const integration = tenant.integrations.find((candidate) => candidate.integrationId === parseCase.integrationId);
    if (!integration) {
      throw new Error(`The demo tenant has no integration ${parseCase.integrationId}`);
    }
    const parseOnly = measure(parseCase.parse, options);
    const parseAndBuild = measure(
      () => buildLead(parseCase.parse(), { tenant, integration, receivedAt, personIdKey }),
      options,
    );
    figures.push(
      {
        key: `parse${parseCase.key}CpuUsPerLeadMedian`,
        label: `${parseCase.label}, parse only, CPU`,
        value: round(parseOnly.cpuUs, 3),
        unit: 'µs/lead',
        target: { max: parseCase.targetUs },
      },
      {
        key: `parse${parseCase.key}WallUsPerLeadMedian`,
        label: `${parseCase.label}, parse only, wall clock`,
        value: round(parseOnly.wallUs, 3),
        unit: 'µs/lead',
      },
      {
        key: `parseAndBuild${parseCase.key}CpuUsPerLeadMedian`,
        label: `${parseCase.label}, parse + buildLead, CPU`,
        value: round(parseAndBuild.cpuUs, 3),
        unit: 'µs/lead',
      },
    );
  }
  return figures;
}
