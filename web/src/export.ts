/**
 * Export buttons: download `GET /v1/kpis/export.csv` or `.xlsx` with the view's parameters, reading the
 * response stream to show the bytes received (and the total when the server sends Content-Length), and run a
 * lead export job (lead-export.ts) with the view's period, site and source.
 */
import { authorizedFetch, NotAvailableError } from './api';
import { isRecord } from './auth';
import { el } from './dom';
import { formatBytes } from './format';
import { t } from './i18n';
import { type LeadExportFilters, runLeadExport } from './lead-export';

export type ExportFormat = 'csv' | 'xlsx';

/**
 * Renders the KPI CSV and XLSX buttons, the lead export button and their live progress line, for one KPI query
 * and the lead filters of the same view.
 */
export function exportBar(query: () => URLSearchParams, leadFilters: () => LeadExportFilters): HTMLElement {
  const status = el('p', {
    class: 'export-status',
    role: 'status',
    'aria-live': 'polite',
    'data-testid': 'export-status',
  });
  const progress = el('progress', { class: 'export-progress', hidden: true, max: 1, value: 0 });
  const button = (format: ExportFormat, label: string) => {
    const element = el('button', { type: 'button', class: 'button secondary', 'data-export': format }, [label]);
    element.addEventListener('click', () => {
      element.disabled = true;
      download(format, query(), status, progress).finally(() => {
        element.disabled = false;
      });
    });
    return element;
  };
  const leadButton = el('button', { type: 'button', class: 'button secondary', 'data-export': 'leads' }, [
    t('exportLeads'),
  ]);
  leadButton.addEventListener('click', () => {
    leadButton.disabled = true;
    runLeadExport(leadFilters(), status, progress).finally(() => {
      leadButton.disabled = false;
    });
  });
  return el('div', { class: 'export-bar' }, [
    button('csv', t('exportCsv')),
    button('xlsx', t('exportXlsx')),
    leadButton,
    progress,
    status,
  ]);
}

async function download(
  format: ExportFormat,
  query: URLSearchParams,
  status: HTMLElement,
  progress: HTMLProgressElement,
): Promise<void> {
  // No `locale=en` even in English: the files are meant for French Excel (`;` and decimal commas) either way.
  const path = `/v1/kpis/export.${format}?${query}`;
  progress.hidden = false;
  progress.removeAttribute('value');
  status.textContent = t('exportProgress', { bytes: formatBytes(0) });
  try {
    const response = await authorizedFetch(path);
    if (response.status === 202) {
      // A large export is written to storage first, and the API returns a pre-signed link to it.
      await followDownloadLink(response, status);
      return;
    }
    const total = Number(response.headers.get('content-length') ?? 0);
    const chunks: Uint8Array[] = [];
    let received = 0;
    const reader = response.body?.getReader();
    while (reader) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      chunks.push(value);
      received += value.length;
      if (total > 0) {
        progress.max = total;
        progress.value = received;
        status.textContent = t('exportProgressOf', { bytes: formatBytes(received), total: formatBytes(total) });
      } else {
        status.textContent = t('exportProgress', { bytes: formatBytes(received) });
      }
    }
    const name = fileName(response.headers.get('content-disposition'), format, query);
    const blob = new Blob(chunks as BlobPart[], { type: response.headers.get('content-type') ?? undefined });
    const url = URL.createObjectURL(blob);
    const link = el('a', { href: url, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    // The browser has started the download once click() returns; a delay leaves it time to read the blob.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    status.textContent = t('exportDone', { name, bytes: formatBytes(received) });
  } catch (error) {
    const message =
      error instanceof NotAvailableError && error.status === 404
        ? t('notAvailable')
        : error instanceof Error
          ? error.message
          : String(error);
    status.textContent = t('exportFailed', { message });
  } finally {
    progress.hidden = true;
  }
}

async function followDownloadLink(response: Response, status: HTMLElement): Promise<void> {
  const body: unknown = await response.json();
  if (!isRecord(body) || typeof body.downloadUrl !== 'string') {
    throw new Error('the export response has no downloadUrl');
  }
  const name = typeof body.fileName === 'string' ? body.fileName : '';
  const link = el('a', { href: body.downloadUrl, download: name || undefined, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  status.textContent = t('exportDone', {
    name,
    bytes: typeof body.byteCount === 'number' ? formatBytes(body.byteCount) : '',
  });
}

/** The server's file name when Content-Disposition gives one, else one built from the query. */
function fileName(disposition: string | null, format: ExportFormat, query: URLSearchParams): string {
  const encoded = disposition?.match(/filename\*=UTF-8''([^;]+)/i)?.[1];
  if (encoded) {
    return decodeURIComponent(encoded);
  }
  const plain = disposition?.match(/filename="?([^";]+)"?/i)?.[1];
  if (plain) {
    return plain;
  }
  return `leadpilot-kpis-${query.get('groupBy') ?? 'report'}-${query.get('from')}-${query.get('to')}.${format}`;
}
