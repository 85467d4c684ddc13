/** What LIST, NLST and STAT list: a directory's entries, or one file. */

import { writeAll } from "../../../../protocol/frame_writer.ts";
import type { ListTarget } from "../../../core/files.ts";
import type { DataConn } from "../data_channel.ts";
import type { VerbContext } from "./verb.ts";

export type { ListTarget } from "../../../core/files.ts";

/**
 * Resolves a LIST/NLST argument. Clients often send `ls` options first
 * (`LIST -la`, `LIST -al dir`): they are skipped, since the format is fixed.
 */
export function listTarget(ctx: VerbContext, arg: string): Promise<ListTarget> {
  return ctx.services.files.listTarget(ctx.session, stripLsOptions(arg) || ".");
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
