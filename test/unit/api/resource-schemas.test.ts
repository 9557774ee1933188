import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  ERROR_STATUS,
  errorBodySchema,
  ingestResultSchema,
  kpiReportSchema,
  leadEventsRequestSchema,
  leadEventsResultSchema,
  leadPageSchema,
  leadSchema,
  spendRequestSchema,
  spendUploadResultSchema,
} from '#shared/api/resource-schemas';
import * as sharedErrors from '#shared/errors';
import { DomainError } from '#shared/errors';
import { leadEventsBodySchema, spendBodySchema } from '#shared/http/schemas';
import * as ingestErrors from '#shared/ingest/errors';
import * as sourceErrors from '#shared/sources/errors';
import {
  emptyKpiFigures,
  kpiReportByChannelActivity,
  kpiReportBySource,
  leadEventInputs,
  leadLifecycle,
  leadResource,
  spendBody,
} from '#test/contract/factories';

/** Instantiates every concrete `DomainError` class exported by the modules whose errors reach HTTP clients. */
function httpErrorClasses(): { name: string; code: string; httpStatus: number }[] {
  const modules: Record<string, unknown>[] = [sharedErrors, ingestErrors, sourceErrors];
  return modules.flatMap((module) =>
    Object.entries(module)
      .filter(([, value]) => typeof value === 'function' && value.prototype instanceof DomainError)
      .map(([, value]) => new (value as new (message: string) => DomainError)('probe'))
      .filter((error) => typeof error.code === 'string')
      .map((error) => ({ name: error.name, code: error.code, httpStatus: error.httpStatus })),
  );
}

describe('ERROR_STATUS', () => {
  it('lists the code and status of every HTTP-facing error class', () => {
    const classes = httpErrorClasses();

    expect(classes.length).toBeGreaterThan(10);
    for (const error of classes) {
      expect(ERROR_STATUS[error.code as keyof typeof ERROR_STATUS], error.name).toBe(error.httpStatus);
    }
  });

  it('lists no code that no error class or middleware raises', () => {
    const raised = new Set([...httpErrorClasses().map((error) => error.code), 'INTERNAL_ERROR']);

    expect(ERROR_CODES.filter((code) => !raised.has(code))).toEqual([]);
  });
});

describe('errorBodySchema', () => {
  it('accepts the middleware error body', () => {
    const body = { error: { code: 'SIGNATURE_EXPIRED', message: 'X-Signature timestamp is 400 s away' } };

    expect(errorBodySchema.parse(body)).toEqual(body);
  });

  it('rejects an unknown code', () => {
    expect(errorBodySchema.safeParse({ error: { code: 'TEAPOT', message: 'short and stout' } }).success).toBe(false);
  });
});

describe('leadSchema', () => {
  it('parses a lead unchanged', () => {
    const lead = leadResource({ consent: { email: true, sms: false }, siteId: null, flags: ['site-unrouted'] });

    expect(leadSchema.parse(lead)).toEqual(lead);
  });

  it('parses a lead with its lifecycle unchanged', () => {
    const lead = leadResource({ status: 'sale', lifecycle: leadLifecycle() });

    expect(leadSchema.parse(lead)).toEqual(lead);
  });

  it('rejects a phone that is not E.164', () => {
    const lead = leadResource();
    lead.contact.phones = ['06 39 98 00 02'];

    expect(leadSchema.safeParse(lead).error?.issues.map((issue) => issue.path)).toEqual([['contact', 'phones', 0]]);
  });

  it('rejects an unknown category', () => {
    const lead = { ...leadResource(), category: 'moto' };

    expect(leadSchema.safeParse(lead).error?.issues.map((issue) => issue.path)).toEqual([['category']]);
  });
});

describe('leadPageSchema', () => {
  it('accepts the last page without a cursor', () => {
    const page = { items: [leadResource()] };

    expect(leadPageSchema.parse(page)).toEqual(page);
  });
});

describe('ingestResultSchema', () => {
  it('rejects a lead id of another shape', () => {
    const result = ingestResultSchema.safeParse({ leadIds: ['LC-2026-000417'], duplicates: [], pending: [] });

    expect(result.error?.issues.map((issue) => issue.path)).toEqual([['leadIds', 0]]);
  });
});

describe('kpiReportSchema', () => {
  it('parses a report by source', () => {
    const report = kpiReportBySource();

    expect(kpiReportSchema.parse(report)).toEqual(report);
  });

  it('parses a report by channel on the activity basis', () => {
    const report = kpiReportByChannelActivity();

    expect(kpiReportSchema.parse(report)).toEqual(report);
  });

  it('parses a day without leads, whose ratios are null', () => {
    const report = { ...kpiReportBySource(), groupBy: 'day', rows: [{ day: '2026-11-01', ...emptyKpiFigures() }] };

    expect(kpiReportSchema.parse(report)).toEqual(report);
  });

  it('rejects rows keyed by another groupBy', () => {
    const report = { ...kpiReportBySource(), rows: [{ site: 'amiens-nord', ...emptyKpiFigures() }] };

    expect(kpiReportSchema.safeParse(report).success).toBe(false);
  });

  it('rejects a negative count', () => {
    const report = { ...kpiReportBySource(), totals: { ...emptyKpiFigures(), leads: -1 } };

    expect(kpiReportSchema.safeParse(report).success).toBe(false);
  });
});

describe('leadEventsRequestSchema', () => {
  it('parses a batch like the handler schema', () => {
    const body = { events: leadEventInputs() };

    expect(leadEventsRequestSchema.parse(body)).toEqual(leadEventsBodySchema.parse(body));
  });

  it('normalises occurredAt to UTC like the handler schema', () => {
    const event = { ...leadEventInputs()[0], occurredAt: '2026-11-06T09:20:00+01:00' };

    expect(leadEventsRequestSchema.parse(event)).toEqual(leadEventsBodySchema.parse(event));
    expect(leadEventsRequestSchema.parse(event)).toEqual(
      expect.objectContaining({ occurredAt: '2026-11-06T08:20:00.000Z' }),
    );
  });

  it('rejects an amount with three decimals', () => {
    const offer = { ...leadEventInputs().find((event) => event.type === 'offer'), amount: 19.999 };

    expect(leadEventsRequestSchema.safeParse(offer).success).toBe(false);
    expect(leadEventsBodySchema.safeParse(offer).success).toBe(false);
  });
});

describe('leadEventsResultSchema', () => {
  it('parses the result of a retried batch', () => {
    const result = { accepted: [], duplicates: ['crm-417:call-1', 'crm-417:rdv'] };

    expect(leadEventsResultSchema.parse(result)).toEqual(result);
  });
});

describe('spendRequestSchema', () => {
  it('parses a body like the handler schema', () => {
    const body = spendBody();

    expect(spendRequestSchema.parse(body)).toEqual(spendBodySchema.parse(body));
  });

  it('rejects a negative amount', () => {
    const body = { rows: [{ month: '2026-11', source: 'google-ads', amount: -5 }] };

    expect(spendRequestSchema.safeParse(body).error?.issues.map((issue) => issue.path)).toEqual([
      ['rows', 0, 'amount'],
    ]);
  });
});

describe('spendUploadResultSchema', () => {
  it('rejects a month that is not YYYY-MM', () => {
    expect(spendUploadResultSchema.safeParse({ months: ['2026-11-01'], rows: 1 }).success).toBe(false);
  });
});
