/** What LIST, NLST and STAT list: a directory's entries, or one file. */

import type { Entry } from "../../../../protocol/messages.ts";
import { writeAll } from "../../../../protocol/frame_writer.ts";
import type { DataConn } from "../data_channel.ts";
import type { VerbContext } from "./verb.ts";
import { loggedIn } from "./verb.ts";

/** Entries to list, and whether the target was a directory. */
export interface ListTarget {
  path: string;
  directory: boolean;
  entries: Entry[];
}

/**
 * Resolves a LIST/NLST argument. Clients often send `ls` options first
 * (`LIST -la`, `LIST -al dir`): they are skipped, since the format is fixed.
 */
export async function listTarget(ctx: VerbContext, arg: string): Promise<ListTarget> {
  const { vfs } = loggedIn(ctx);
  const path = vfs.normalize(ctx.session.cwd, stripLsOptions(arg) || ".");
  const entry = await vfs.stat(path);
  if (entry.type === "dir") return { path, directory: true, entries: await vfs.list(path) };
  return { path, directory: false, entries: [entry] };
}

/** `-la dir` -> `dir`; a name that merely starts with `-` needs `./` in front, as with `ls`. */
export function stripLsOptions(arg: string): string {
  let rest = arg.trim();
  while (/^-[A-Za-z0-9]*(\s|$)/.test(rest)) rest = rest.replace(/^-\S*\s*/, "");
  return rest;
}

const CHUNK_BYTES = 64 * 1024;
const encoder = new TextEncoder();

/** Sends lines over a data connection, CRLF-terminated, in bounded chunks. */
export async function sendLines(
  data: DataConn,
  lines: string[],
  report: (bytes: number) => void,
): Promise<void> {
  let chunk = "";
  let sent = 0;
  const flush = async () => {
    const bytes = encoder.encode(chunk);
    await writeAll(data, bytes);
    sent += bytes.length;
    chunk = "";
    report(sent);
  };
  for (const line of lines) {
    chunk += line + "\r\n";
    if (chunk.length >= CHUNK_BYTES) await flush();
  }
  if (chunk !== "") await flush();
}
