/**
 * The lead export: the caller's leads of a date range as CSV, read page by page from the lead repository.
 *
 * API Gateway takes at most 6 MB from a Lambda function, counted on the JSON invocation result in which the
 * CSV is an escaped string, and ends a request after 30 seconds. An export whose escaped body stays under
 * `MAX_INLINE_EXPORT_BYTES` and that is read within `INLINE_EXPORT_TIME_BUDGET_MS` is returned inline. Any
 * other runs as a job (lead-export-job.ts) that writes the file to the export store, and the client downloads
 * it through a short-lived link. The link comes in a JSON body rather than a 303 redirect, because fetch
 * follows a 303 on its own and S3 rejects a pre-signed request that still carries the Authorization header.
 *
 * Rows are scoped exactly as `GET /v1/leads` scopes them, because every page is read through `listLeads`:
 * the caller's tenant and sites, and for a salesperson the leads assigned to them; finance gets 403.
 * Personal data (name, email, phones, postal code, city) goes only to the roles in `PERSONAL_DATA_ROLES`, so
 * it stays out even if finance is one day allowed to list leads.
 */
import type { Caller, Role } from '#shared/api/caller';
import { listLeads } from '#shared/api/leads';
import type { Lead, LeadStatus } from '#shared/lead/model';
import type { LeadRepository } from '#shared/store/lead-repository';
import type { TenantConfig } from '#shared/tenant/model';
import type { TenantRepository } from '#shared/tenant/repository';
import { BYTE_ORDER_MARK, csvHeader, csvRow } from './csv';
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

/**
 * Time that `GET /v1/leads/export.csv` spends reading leads before it hands the export to a job. It leaves
 * about 9 s of the API function's 29-second timeout for the CSV, the job start and the response.
 */
export const INLINE_EXPORT_TIME_BUDGET_MS = 20_000;

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
  /** @default MAX_INLINE_EXPORT_BYTES */
  maxInlineBytes?: number;
  /** @default INLINE_EXPORT_TIME_BUDGET_MS */
  timeBudgetMs?: number;
  /** Milliseconds since the epoch; `Date.now` when absent. */
  now?: () => number;
}

/**
 * An export returned in the response body, or one that the request stopped reading because it is too large
 * (`size`) or too slow (`time`) for a response, and that must run as a job.
 */
export type LeadExport =
  | { kind: 'inline'; fileName: string; body: string; rowCount: number; byteCount: number }
  | { kind: 'deferred'; reason: 'size' | 'time'; fileName: string; rowsRead: number };

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

/** One piece of a lead export's CSV: the byte order mark and header line, or the rows of one page of leads. */
export interface LeadExportChunk {
  text: string;
  /** Leads in `text`; 0 for the header chunk. */
  rowCount: number;
}

/**
 * Yields the CSV of a lead export piece by piece: first the byte order mark and the header line, then one chunk
 * per page of leads read through `leadPages`. The file is the concatenation of the chunks. The personal columns
 * are included only for the roles in `PERSONAL_DATA_ROLES`.
 *
 * @throws ForbiddenError for a caller whose role may not read leads.
 */
export async function* leadExportCsv(
  dependencies: Pick<LeadExportDependencies, 'leads' | 'tenants'>,
  caller: Caller,
  request: LeadExportRequest,
): AsyncGenerator<LeadExportChunk> {
  const { locale } = request;
  const personal = PERSONAL_DATA_ROLES.includes(caller.role);
  const columns = leadExportColumns(locale, personal);
  const directory = leadExportDirectory(await dependencies.tenants.get(caller.tenantId));
  const filters = {
    from: request.from,
    to: request.to,
    ...(request.site === undefined ? {} : { site: request.site }),
    ...(request.source === undefined ? {} : { source: request.source }),
  };

  yield { text: BYTE_ORDER_MARK + csvHeader(columns, locale), rowCount: 0 };
  for await (const page of leadPages(dependencies.leads, caller, filters)) {
    const text = page.map((lead) => csvRow(columns, leadExportRow(lead, directory, locale, personal), locale)).join('');
    yield { text, rowCount: page.length };
  }
}

/**
 * Exports the caller's leads of the request as CSV within the API request, scoped like the lead list. Only one
 * page of leads is held at a time, and the CSV text itself is kept whole.
 *
 * It stops reading and returns `deferred` as soon as the file outgrows `maxInlineBytes` or the reading outlasts
 * `timeBudgetMs`, so a request never comes near API Gateway's 30-second limit. The caller then runs the export
 * as a job (`startLeadExport`), which has no such limit.
 *
 * @throws ForbiddenError for a caller whose role may not read leads.
 */
export async function exportLeads(
  dependencies: LeadExportDependencies,
  caller: Caller,
  request: LeadExportRequest,
): Promise<LeadExport> {
  const maxInlineBytes = dependencies.maxInlineBytes ?? MAX_INLINE_EXPORT_BYTES;
  const now = dependencies.now ?? Date.now;
  const deadline = now() + (dependencies.timeBudgetMs ?? INLINE_EXPORT_TIME_BUDGET_MS);
  const fileName = leadExportFileName(request);

  const chunks: string[] = [];
  let escapedBytes = 0;
  let rowCount = 0;
  for await (const chunk of leadExportCsv(dependencies, caller, request)) {
    chunks.push(chunk.text);
    rowCount += chunk.rowCount;
    escapedBytes += escapedSize(chunk.text);
    if (escapedBytes > maxInlineBytes) {
      return { kind: 'deferred', reason: 'size', fileName, rowsRead: rowCount };
    }
    if (now() > deadline) {
      return { kind: 'deferred', reason: 'time', fileName, rowsRead: rowCount };
    }
  }

  const body = chunks.join('');
  return { kind: 'inline', fileName, body, rowCount, byteCount: Buffer.byteLength(body, 'utf8') };
}

/** Bytes of a string once escaped inside a JSON string, without the enclosing quotes. */
function escapedSize(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
}
