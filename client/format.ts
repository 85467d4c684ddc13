/** Formatting what the shell prints: listings and safe names. */

import type { Entry, EntryType } from "../protocol/messages.ts";
import { formatSize } from "../protocol/size.ts";

const TYPE_MARKS: Record<EntryType, string> = { dir: "d", file: "-", link: "l", other: "?" };

/** Replaces control characters so a hostile file name can't rewrite the terminal. */
export function safeName(name: string): string {
  // deno-lint-ignore no-control-regex
  return name.replace(/[\x00-\x1f\x7f]/g, "?");
}

/** Like {@linkcode safeName}, but keeps line breaks: for multi-line output such as tables. */
export function safeText(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\x00-\x09\x0b-\x1f\x7f]/g, "?");
}

/** `YYYY-MM-DD HH:MM` in local time, or dashes when unknown. */
export function formatTime(mtime: number): string {
  if (mtime <= 0) return "----------------";
  const date = new Date(mtime);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/**
 * One line per entry: type mark, size (bytes, or `human` units such as
 * `1.5M`), modification time, name (`/` after dirs).
 */
export function formatListing(entries: Entry[], options: { human?: boolean } = {}): string[] {
  const size = (entry: Entry) => options.human ? formatSize(entry.size) : String(entry.size);
  const width = Math.max(1, ...entries.map((entry) => size(entry).length));
  return entries.map((entry) =>
    `${TYPE_MARKS[entry.type]} ${size(entry).padStart(width)}  ${formatTime(entry.mtime)}  ` +
    `${safeName(entry.name)}${entry.type === "dir" ? "/" : ""}`
  );
}
