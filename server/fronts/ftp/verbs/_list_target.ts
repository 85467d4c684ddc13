/** What LIST, NLST and STAT list: a directory's entries, or one file. */

import { writeAll } from "../../../../protocol/frame_writer.ts";
import type { ListTarget } from "../../../core/files.ts";
import type { Entry } from "../../../../protocol/messages.ts";
import type { Listing } from "../../../storage/listing.ts";
import type { DataConn } from "../data_channel.ts";
import type { TransferSubject } from "../../../core/transfer/mod.ts";
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

/** What {@linkcode sendListing} sends, and how each entry is written. */
export interface ListingJob {
  description: string;
  opening: string;
  subject: TransferSubject;
  listing: Listing;
  line: (entry: Entry) => string;
}

/**
 * Sends a listing over the data connection as a transfer, a line per entry,
 * formatted a batch at a time; the listing is closed when the transfer ends
 * (or cannot start).
 */
export function sendListing(ctx: VerbContext, job: ListingJob): void {
  const { listing, line } = job;
  const lines = function* () {
    for (const batch of listing.batches()) yield* batch.map(line);
  };
  try {
    ctx.session.startTransfer({
      description: job.description,
      subject: job.subject,
      opening: job.opening,
      run: async (data, report) => (await sendLines(data, lines(), report), undefined),
      end: () => listing.close(),
    });
  } catch (error) {
    listing.close();
    throw error;
  }
}

/** Sends lines over a data connection, CRLF-terminated, in bounded chunks. */
export async function sendLines(
  data: DataConn,
  lines: Iterable<string>,
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
