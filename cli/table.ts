/** Plain-text tables and dates for listings both sides print (`users`, `who`, `du`). */

/** Left-aligned columns two spaces apart, the first row being the header; trailing blanks trimmed. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return "";
  const widths = rows[0]!.map((_, column) =>
    Math.max(...rows.map((row) => (row[column] ?? "").length))
  );
  return rows
    .map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd())
    .join("\n");
}

/** `YYYY-MM-DD HH:MM` in local time from milliseconds or an ISO string; `-` when absent. */
export function formatDateTime(time: number | string | null): string {
  if (time === null) return "-";
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return "-";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
