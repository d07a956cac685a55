// Pure: the pieces `verify --plan` and `status --plan` print alike: aligned columns, a table as
// region/name, and a table's location in JSON.
import type { TableLocation } from '../config/replication-config.js';

/** Rows as left-aligned columns two spaces apart. */
export function columns(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

export function tableText(table: TableLocation): string {
  return `${table.region}/${table.tableName}`;
}

export function tableJson(table: TableLocation): Record<string, string> {
  return {
    table: table.tableName,
    region: table.region,
    ...(table.endpoint === undefined ? {} : { endpoint: table.endpoint }),
  };
}
