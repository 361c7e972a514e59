/** A column of a human-readable table: its heading and how to show a row's value. */
export interface Column<T> {
  heading: string;
  value(row: T): string | number | null | undefined;
}

/**
 * Left-aligned columns separated by two spaces, headings in capitals, "-" for
 * an empty cell; the last column is not padded, so lines carry no trailing
 * blanks. For people: scripts use --json.
 */
export function formatTable<T>(rows: T[], columns: Column<T>[]): string {
  const cells = rows.map((row) => columns.map((column) => cell(column.value(row))));
  const header = columns.map((column) => column.heading.toUpperCase());
  const widths = header.map((heading, i) => Math.max(heading.length, ...cells.map((line) => line[i].length)));
  return [header, ...cells]
    .map((line) => line.map((text, i) => (i === line.length - 1 ? text : text.padEnd(widths[i]))).join('  '))
    .join('\n');
}

/** `key: value` lines, keys aligned, for one record. */
export function formatFields(fields: Array<[string, string | number | null | undefined]>): string {
  const width = Math.max(...fields.map(([key]) => key.length)) + 1;
  return fields.map(([key, value]) => `${`${key}:`.padEnd(width)} ${cell(value)}`).join('\n');
}

function cell(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  return String(value).replace(/[\r\n\t]+/g, ' ');
}
