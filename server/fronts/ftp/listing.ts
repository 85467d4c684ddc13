/**
 * Directory listings in the forms FTP clients parse: LIST in `ls -l` form
 * (what FileZilla, curl and lftp expect from a UNIX server), NLST names,
 * and RFC 3659 facts for MLSD/MLST. Times are UTC. Names are sanitized so
 * a control character in a file name cannot break a line.
 */

import type { Entry } from "../../../protocol/messages.ts";
import { sanitizeText } from "./replies.ts";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** `ls -l` shows the year instead of the time for dates further than this from now. */
const SIX_MONTHS_MS = 182 * 24 * 3600 * 1000;

const MODES: Record<Entry["type"], string> = {
  file: "-rw-r--r--",
  dir: "drwxr-xr-x",
  link: "lrwxrwxrwx",
  other: "-rw-r--r--",
};

/** The facts this server offers, in FEAT order; all are on by default. */
export const MLST_FACTS = ["type", "size", "modify", "perm"] as const;

/** The FEAT line for MLST: offered facts, `*` marking the selected ones. */
export function mlstFeature(selected: ReadonlySet<string>): string {
  return "MLST " + MLST_FACTS.map((fact) => `${fact}${selected.has(fact) ? "*" : ""};`).join("");
}

/** One `ls -l` line, without CRLF: `-rw-r--r--   1 alice alice  1234 Jan  2 15:04 a.txt`. */
export function formatListLine(entry: Entry, owner: string, now: number): string {
  const date = new Date(entry.mtime);
  const day = String(date.getUTCDate()).padStart(2, " ");
  const recent = Math.abs(now - entry.mtime) < SIX_MONTHS_MS;
  const timeOrYear = recent
    ? `${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}`
    : ` ${date.getUTCFullYear()}`;
  const size = String(entry.size).padStart(13, " ");
  return `${MODES[entry.type]}   1 ${owner.padEnd(8)} ${owner.padEnd(8)} ${size} ` +
    `${MONTHS[date.getUTCMonth()]} ${day} ${timeOrYear} ${sanitizeText(entry.name)}`;
}

/** RFC 3659 facts and name: `type=file;size=3;modify=20250102030405;perm=adfrw; a.txt`. */
export function formatFacts(
  entry: Entry,
  selected: ReadonlySet<string>,
  name = entry.name,
): string {
  const facts: string[] = [];
  if (selected.has("type")) facts.push(`type=${entry.type === "dir" ? "dir" : factType(entry)}`);
  if (selected.has("size") && entry.type !== "dir") facts.push(`size=${entry.size}`);
  if (selected.has("modify")) facts.push(`modify=${formatTimeVal(entry.mtime)}`);
  if (selected.has("perm")) facts.push(`perm=${entry.type === "dir" ? "cdeflmp" : "adfrw"}`);
  return facts.map((fact) => fact + ";").join("") + " " + sanitizeText(name);
}

/** A time as RFC 3659 `time-val`, UTC: `YYYYMMDDHHMMSS`. */
export function formatTimeVal(ms: number): string {
  const date = new Date(ms);
  return String(date.getUTCFullYear()).padStart(4, "0") + pad2(date.getUTCMonth() + 1) +
    pad2(date.getUTCDate()) + pad2(date.getUTCHours()) + pad2(date.getUTCMinutes()) +
    pad2(date.getUTCSeconds());
}

function factType(entry: Entry): string {
  if (entry.type === "file") return "file";
  // A link that leads outside the home, or a device or socket: nothing to fetch.
  return entry.type === "link" ? "OS.unix=symlink" : "OS.unix=special";
}

function pad2(value: number): string {
  return String(value).padStart(2, "0");
}

/**
 * Parses an RFC 3659 `time-val` (`YYYYMMDDHHMMSS[.sss]`, UTC) to milliseconds
 * since the epoch; null when it is not one.
 */
export function parseTimeVal(text: string): number | null {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,3}))?$/.exec(text);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as number[];
  const ms = Number((match[7] ?? "0").padEnd(3, "0"));
  const time = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!, ms);
  // Date.UTC rolls 20240231 over into March: only a real date round-trips.
  return formatTimeVal(time) === match.slice(1, 7).join("") ? time : null;
}
