/**
 * The lead export: the caller's leads of a date range as CSV, read page by page from the lead repository.
 *
 * API Gateway takes at most 6 MB from a Lambda function, counted on the JSON invocation result in which the
 * CSV is an escaped string. An export whose escaped body stays under `MAX_INLINE_EXPORT_BYTES` is returned
 * inline. A larger one is written to the export store and replaced by a short-lived download link. The link
 * comes in a 202 with a JSON body rather than a 303 redirect, because fetch follows a 303 on its own and S3
 * rejects a pre-signed request that still carries the Authorization header.
 *
 * Rows are scoped exactly as `GET /v1/leads` scopes them, because every page is read through `listLeads`:
 * the caller's tenant and sites, and for a salesperson the leads assigned to them; finance gets 403.
 * Personal data (name, email, phones, postal code, city) goes only to the roles in `PERSONAL_DATA_ROLES`, so
 * it stays out even if finance is one day allowed to list leads.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import type { Caller, Role } from '#shared/api/caller';
import { listLeads } from '#shared/api/leads';
import { ValidationError } from '#shared/errors';
import type { Lead, LeadStatus } from '#shared/lead/model';
import { logger } from '#shared/logger';
import type { LeadRepository } from '#shared/store/lead-repository';
import type { TenantConfig } from '#shared/tenant/model';
import type { TenantRepository } from '#shared/tenant/repository';
import { BYTE_ORDER_MARK, CSV_CONTENT_TYPE, csvHeader, csvRow } from './csv';
import type { ExportLink, ExportStore } from './export-store';
import { localDateTime } from './local-time';
import type { CellValue, ExportColumn, ExportLocale } from './table';

/** Roles whose lead exports include the personal columns. */
export const PERSONAL_DATA_ROLES: readonly Role[] = ['group-admin', 'site-manager', 'salesperson'];

/**
 * Largest inline body, in bytes of its JSON-escaped form. It leaves about 1 MB of the 6 MB Lambda response
 * limit to the headers and the JSON envelope.
 */
export const MAX_INLINE_EXPORT_BYTES = 5 * 1024 * 1024;

/** Lifetime of a download link; the dashboard follows it at once. */
export const EXPORT_LINK_SECONDS = 15 * 60;

/** Leads read per repository call. DynamoDB also ends a page at 1 MB, so a call may return fewer. */
export const LEAD_EXPORT_PAGE_SIZE = 1000;

export interface LeadExportRequest {
  from: string;
  to: string;
  site?: string;
  source?: string;
  locale: ExportLocale;
}

export interface LeadExportDependencies {
  leads: LeadRepository;
  tenants: TenantRepository;
  /** Store of the exports over the inline limit; without it, such an export is rejected. */
  exportStore?: ExportStore;
  /** @default MAX_INLINE_EXPORT_BYTES */
  maxInlineBytes?: number;
}

interface ExportSummary {
  fileName: string;
  rowCount: number;
  /** Size of the CSV file in bytes. */
  byteCount: number;
}

/** An export returned in the response body, or stored and replaced by a link. */
export type LeadExport =
  | (ExportSummary & { kind: 'inline'; body: string })
  | (ExportSummary & { kind: 'link'; link: ExportLink });

/** Body of the 202 response that replaces an export too large to return inline. */
export const leadExportLinkSchema = z
  .object({
    downloadUrl: z.string().meta({
      description: 'GET link to the CSV file, without bearer token: pre-signed S3 URL, or a local-stack path.',
    }),
    expiresAt: z.string().meta({ description: 'ISO 8601 instant after which the link is rejected.' }),
    fileName: z.string(),
    rowCount: z.int().min(0),
    byteCount: z.int().min(0),
  })
  .meta({ id: 'LeadExportLink' });
export type LeadExportLink = z.infer<typeof leadExportLinkSchema>;

type Labels = Record<ExportLocale, string>;

const BASE_COLUMNS: { header: Labels; kind: ExportColumn['kind'] }[] = [
  { header: { fr: 'Identifiant du lead', en: 'Lead id' }, kind: 'text' },
  { header: { fr: 'Reçu le (heure du site)', en: 'Received at (site time)' }, kind: 'datetime' },
  { header: { fr: 'Site', en: 'Site' }, kind: 'text' },
  { header: { fr: 'Source', en: 'Source' }, kind: 'text' },
  { header: { fr: 'Canal', en: 'Channel' }, kind: 'text' },
  { header: { fr: 'Campagne', en: 'Campaign' }, kind: 'text' },
  { header: { fr: 'Catégorie', en: 'Category' }, kind: 'text' },
  { header: { fr: 'Statut', en: 'Status' }, kind: 'text' },
  { header: { fr: 'Vendeur attribué', en: 'Assigned salesperson' }, kind: 'text' },
  { header: { fr: 'Premier contact (heure du site)', en: 'First contact (site time)' }, kind: 'datetime' },
  {
    header: { fr: 'Délai de premier contact, heures ouvrées (min)', en: 'Time to first contact, business (min)' },
    kind: 'integer',
  },
  {
    header: { fr: 'Délai de premier contact, calendaire (min)', en: 'Time to first contact, calendar (min)' },
    kind: 'integer',
  },
];

const PERSONAL_COLUMNS: { header: Labels; kind: ExportColumn['kind'] }[] = [
  { header: { fr: 'Prénom', en: 'First name' }, kind: 'text' },
  { header: { fr: 'Nom', en: 'Last name' }, kind: 'text' },
  { header: { fr: 'Nom complet', en: 'Full name' }, kind: 'text' },
  { header: { fr: 'E-mail', en: 'Email' }, kind: 'text' },
  { header: { fr: 'Téléphones', en: 'Phones' }, kind: 'text' },
  { header: { fr: 'Code postal', en: 'Postal code' }, kind: 'text' },
  { header: { fr: 'Ville', en: 'City' }, kind: 'text' },
];

const STATUS_LABELS: Record<LeadStatus, Labels> = {
  new: { fr: 'Nouveau', en: 'New' },
  assigned: { fr: 'Attribué', en: 'Assigned' },
  contacted: { fr: 'Contacté', en: 'Contacted' },
  appointment: { fr: 'Rendez-vous', en: 'Appointment' },
  show: { fr: 'Venue en concession', en: 'Show' },
  'test-drive': { fr: 'Essai', en: 'Test drive' },
  offer: { fr: 'Offre', en: 'Offer' },
  sale: { fr: 'Vente', en: 'Sale' },
  lost: { fr: 'Perdu', en: 'Lost' },
};

const OTHER_CATEGORY: Labels = { fr: 'Autre', en: 'Other' };
const NO_SITE: Labels = { fr: 'Sans site', en: 'No site' };

/** Time zone of leads when the tenant configuration is missing: the tenant schema's default zone. */
const FALLBACK_TIME_ZONE = 'Europe/Paris';

/** Lists the columns of a lead export, with the personal ones when `personal` is true. */
export function leadExportColumns(locale: ExportLocale, personal: boolean): ExportColumn[] {
  const columns = personal ? [...BASE_COLUMNS, ...PERSONAL_COLUMNS] : BASE_COLUMNS;
  return columns.map((column) => ({ header: column.header[locale], kind: column.kind }));
}

/** Names and time zones of a tenant's sites and salespeople, looked up once per export. */
export interface LeadExportDirectory {
  sites: Map<string, { name: string; timeZone: string }>;
  salespeople: Map<string, string>;
  defaultTimeZone: string;
}

export function leadExportDirectory(tenant: TenantConfig | undefined): LeadExportDirectory {
  return {
    sites: new Map(tenant?.sites.map((site) => [site.siteId, { name: site.name, timeZone: site.timeZone }])),
    salespeople: new Map(tenant?.team.map((member) => [member.salespersonId, member.name])),
    defaultTimeZone: tenant?.defaultTimeZone ?? FALLBACK_TIME_ZONE,
  };
}

/** Builds the cells of one lead, in the order of `leadExportColumns`, with times in the site's time zone. */
export function leadExportRow(
  lead: Lead,
  directory: LeadExportDirectory,
  locale: ExportLocale,
  personal: boolean,
): CellValue[] {
  const site = lead.siteId === null ? undefined : directory.sites.get(lead.siteId);
  const timeZone = site?.timeZone ?? directory.defaultTimeZone;
  const lifecycle = lead.lifecycle;
  const salespersonId = lifecycle?.assignedSalespersonId ?? null;
  const firstContact = lifecycle?.firstHumanContactAt ?? null;
  const row: CellValue[] = [
    lead.leadId,
    localDateTime(lead.receivedAt, timeZone),
    lead.siteId === null ? NO_SITE[locale] : (site?.name ?? lead.siteId),
    lead.source,
    lead.channel,
    lead.campaign.name ?? lead.campaign.id,
    lead.category === 'other' ? OTHER_CATEGORY[locale] : lead.category,
    STATUS_LABELS[lead.status]?.[locale] ?? lead.status,
    salespersonId === null ? null : (directory.salespeople.get(salespersonId) ?? salespersonId),
    firstContact === null ? null : localDateTime(firstContact, timeZone),
    lifecycle?.timeToFirstContactBusinessMinutes ?? null,
    lifecycle?.timeToFirstContactRawMinutes ?? null,
  ];
  if (personal) {
    const { contact } = lead;
    row.push(
      contact.firstName,
      contact.lastName,
      contact.fullName,
      contact.email,
      contact.phones.length === 0 ? null : contact.phones.join(', '),
      contact.postalCode,
      contact.city,
    );
  }
  return row;
}

/**
 * Yields the caller's leads of a request page by page through `listLeads`, following its cursor to the end.
 *
 * @throws ForbiddenError for a caller whose role may not read leads.
 */
export async function* leadPages(
  leads: LeadRepository,
  caller: Caller,
  request: Omit<LeadExportRequest, 'locale'>,
): AsyncGenerator<Lead[]> {
  let cursor: string | undefined;
  do {
    const page = await listLeads(leads, caller, {
      ...request,
      limit: LEAD_EXPORT_PAGE_SIZE,
      ...(cursor === undefined ? {} : { cursor }),
    });
    yield page.items;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
}

/** File name of a lead export: `leadpilot-leads-<from>-<to>.csv`. */
export function leadExportFileName(request: Pick<LeadExportRequest, 'from' | 'to'>): string {
  return `leadpilot-leads-${request.from}-${request.to}.csv`;
}

/**
 * Exports the caller's leads of the request as CSV, scoped like the lead list. Only one page of leads is held
 * at a time; the CSV text itself is kept whole.
 *
 * NOTE: the export runs within the request, and API Gateway ends a request after 30 seconds. bench/lead-export.ts
 * took 80 s for 99,489 leads on DynamoDB Local (2 shared cores); DynamoDB in AWS is faster, but how much is
 * not measured. An asynchronous export (a job that the dashboard polls) would lift the limit.
 *
 * @throws ForbiddenError for a caller whose role may not read leads.
 * @throws ValidationError when the export is over the inline limit and no export store is configured.
 */
export async function exportLeads(
  dependencies: LeadExportDependencies,
  caller: Caller,
  request: LeadExportRequest,
): Promise<LeadExport> {
  const { locale } = request;
  const maxInlineBytes = dependencies.maxInlineBytes ?? MAX_INLINE_EXPORT_BYTES;
  const personal = PERSONAL_DATA_ROLES.includes(caller.role);
  const columns = leadExportColumns(locale, personal);
  const directory = leadExportDirectory(await dependencies.tenants.get(caller.tenantId));
  const fileName = leadExportFileName(request);
  const filters = {
    from: request.from,
    to: request.to,
    ...(request.site === undefined ? {} : { site: request.site }),
    ...(request.source === undefined ? {} : { source: request.source }),
  };

  const chunks = [BYTE_ORDER_MARK, csvHeader(columns, locale)];
  let escapedBytes = escapedSize(chunks.join(''));
  let rowCount = 0;
  for await (const page of leadPages(dependencies.leads, caller, filters)) {
    const chunk = page
      .map((lead) => csvRow(columns, leadExportRow(lead, directory, locale, personal), locale))
      .join('');
    chunks.push(chunk);
    rowCount += page.length;
    if (escapedBytes <= maxInlineBytes) {
      escapedBytes += escapedSize(chunk);
    }
  }
  const body = chunks.join('');
  const byteCount = Buffer.byteLength(body, 'utf8');
  if (escapedBytes <= maxInlineBytes) {
    return { kind: 'inline', fileName, body, rowCount, byteCount };
  }

  if (dependencies.exportStore === undefined) {
    throw new ValidationError(
      `The export of ${rowCount} leads is too large to return inline and no export store is configured; ` +
        'narrow the date range or filter by site',
    );
  }
  const link = await dependencies.exportStore.save(
    {
      key: `${caller.tenantId}/${randomUUID()}/${fileName}`,
      body: Buffer.from(body, 'utf8'),
      contentType: CSV_CONTENT_TYPE,
      fileName,
    },
    EXPORT_LINK_SECONDS,
  );
  logger.info('Lead export stored', { rowCount, byteCount });
  return { kind: 'link', fileName, link, rowCount, byteCount };
}

/** Bytes of a string once escaped inside a JSON string, without the enclosing quotes. */
function escapedSize(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
}
