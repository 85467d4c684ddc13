import { writeAll } from "../../../../protocol/frame_writer.ts";
import { MAX_HEADER_BYTES } from "../../../../protocol/limits.ts";
import { defineOperation } from "./operation.ts";

/** Room left in a reply header for everything but the entries. */
const HEADER_SLACK_BYTES = 1024;
const encoder = new TextEncoder();

/**
 * `ls`: list a directory, sorted by name. Entries travel in the reply
 * header when they fit in it; a larger listing is sent as a JSON array in
 * the reply's body (`count` entries, `body` bytes) instead.
 */
export const ls = defineOperation({
  name: "ls",
  summary: "List a directory (default: the current one)",
  auth: "user",
  args: { path: "path?" },
  async handler(ctx, { path }) {
    const listed = await ctx.services.files.list(ctx.session, path ?? ".");
    const { entries } = listed;
    const message = `${entries.length} entries`;
    const json = encoder.encode(JSON.stringify(entries));
    if (json.length + HEADER_SLACK_BYTES <= MAX_HEADER_BYTES) {
      return { message, path: listed.path, entries };
    }
    await ctx.sendReply({ message, path: listed.path, count: entries.length, body: json.length });
    await writeAll(ctx.sink, json);
    return {};
  },
});
