/**
 * Accessible data tables: a caption, `th scope` headers, and sortable columns whose headers are buttons with
 * `aria-sort`, so keyboard and screen-reader users can sort too.
 */
import { el } from './dom';
import { t } from './i18n';

export interface Column<Row> {
  key: string;
  label: string;
  /** Value used to sort; null sorts last. */
  value: (row: Row) => number | string | null;
  /** Text shown in the cell. */
  format: (row: Row) => string;
  /** Numeric columns are right-aligned. */
  numeric?: boolean;
}

export interface TableOptions<Row> {
  caption: string;
  columns: Column<Row>[];
  rows: Row[];
  /** The first column is the row header (`th scope="row"`). */
  sortable?: boolean;
  initialSort?: { key: string; direction: 'ascending' | 'descending' };
  footer?: Row;
  testId?: string;
}

/** Renders a table in a horizontally scrollable region, re-sorting in place when a header button is pressed. */
export function dataTable<Row>(options: TableOptions<Row>): HTMLElement {
  let sort = options.initialSort;
  const table = el('table', { class: 'data-table', 'data-testid': options.testId });
  const wrapper = scrollableTable(options.caption, table);

  const render = () => {
    table.replaceChildren();
    table.append(el('caption', { class: 'visually-hidden' }, [options.caption]));
    const headerRow = el('tr');
    for (const column of options.columns) {
      let ariaSort: string | undefined;
      if (sort?.key === column.key) {
        ariaSort = sort.direction;
      } else if (options.sortable) {
        ariaSort = 'none';
      }
      const th = el('th', { scope: 'col', class: column.numeric ? 'numeric' : undefined, 'aria-sort': ariaSort });
      if (options.sortable) {
        const button = el('button', { type: 'button', class: 'sort-button', 'data-sort-key': column.key }, [
          column.label,
          el('span', { class: 'sort-indicator', 'aria-hidden': 'true' }, [sortIndicator(ariaSort)]),
        ]);
        button.setAttribute('aria-label', t('sortBy', { column: column.label }));
        button.addEventListener('click', () => {
          const direction =
            sort?.key === column.key && sort.direction === 'descending' ? 'ascending' : ('descending' as const);
          sort = { key: column.key, direction };
          render();
          table.querySelector<HTMLButtonElement>(`button[data-sort-key="${column.key}"]`)?.focus();
        });
        th.append(button);
      } else {
        th.append(column.label);
      }
      headerRow.append(th);
    }
    table.append(el('thead', {}, [headerRow]));

    const body = el('tbody');
    for (const row of sortRows(options.rows, options.columns, sort)) {
      body.append(bodyRow(row, options.columns));
    }
    table.append(body);
    if (options.footer) {
      table.append(el('tfoot', {}, [bodyRow(options.footer, options.columns)]));
    }
  };
  render();
  return wrapper;
}

/**
 * Wraps a table in a region that scrolls sideways on narrow screens. The title is shown above the region,
 * where it stays in view, and the caption (hidden visually) names the table for screen readers.
 */
export function scrollableTable(caption: string, table: HTMLTableElement): HTMLElement {
  return el('section', { class: 'table-block' }, [
    el('p', { class: 'table-title', 'aria-hidden': 'true' }, [caption]),
    el('div', { class: 'table-scroll', role: 'region', 'aria-label': caption, tabindex: 0 }, [table]),
  ]);
}

function bodyRow<Row>(row: Row, columns: Column<Row>[]): HTMLTableRowElement {
  const tr = el('tr');
  columns.forEach((column, index) => {
    const text = column.format(row);
    const cell =
      index === 0
        ? el('th', { scope: 'row' }, [text])
        : el('td', { class: column.numeric ? 'numeric' : undefined, 'data-column': column.key }, [text]);
    tr.append(cell);
  });
  return tr;
}

function sortIndicator(ariaSort: string | undefined): string {
  if (ariaSort === 'ascending') {
    return '▲';
  }
  return ariaSort === 'descending' ? '▼' : '↕';
}

function sortRows<Row>(rows: Row[], columns: Column<Row>[], sort: TableOptions<Row>['initialSort']): Row[] {
  const column = sort && columns.find((candidate) => candidate.key === sort.key);
  if (!sort || !column) {
    return rows;
  }
  const factor = sort.direction === 'ascending' ? 1 : -1;
  return [...rows].sort((left, right) => {
    const a = column.value(left);
    const b = column.value(right);
    if (a === null || b === null) {
      // Empty values go last in both directions.
      return a === b ? 0 : a === null ? 1 : -1;
    }
    if (typeof a === 'number' && typeof b === 'number') {
      return (a - b) * factor;
    }
    return String(a).localeCompare(String(b)) * factor;
  });
}
