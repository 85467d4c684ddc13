import { writeAll } from "../../../../protocol/frame_writer.ts";
import { MAX_HEADER_BYTES } from "../../../../protocol/limits.ts";
import { defineOperation } from "./operation.ts";

/** Room left in a reply header for everything but the entries. */
const HEADER_SLACK_BYTES = 1024;
const encoder = new TextEncoder();

/**
 * `ls`: list a directory, sorted by name. Entries travel in the reply
 * header when they fit in it; a larger listing is sent as a JSON array in
 * the reply's body (`count` entries, `body` bytes) instead, encoded a batch
 * at a time: once to measure it, once to send it.
 */
export const ls = defineOperation({
  name: "ls",
  summary: "List a directory (default: the current one)",
  auth: "user",
  args: { path: "path?" },
  async handler(ctx, { path }) {
    const listed = await ctx.services.files.list(ctx.session, path ?? ".");
    using listing = listed.listing;
    const message = `${listing.length} entries`;
    let bytes = 0;
    for (const part of listing.json()) bytes += encoder.encode(part).length;
    if (bytes + HEADER_SLACK_BYTES <= MAX_HEADER_BYTES) {
      return { message, path: listed.path, entries: listing.toArray() };
    }
    await ctx.sendReply({ message, path: listed.path, count: listing.length, body: bytes });
    for (const part of listing.json()) await writeAll(ctx.sink, encoder.encode(part));
    return {};
  },
});
