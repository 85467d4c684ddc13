import { Code } from "../codes.ts";
import { formatFacts, mlstFeature } from "../listing.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** MLST: one path's RFC 3659 facts, on the control connection. */
export const mlst = defineVerb({
  name: "MLST",
  syntax: "MLST [<path>]",
  auth: "user",
  arg: "optional",
  feat: ({ session }) => [mlstFeature(session.mlstFacts)],
  async handler(ctx, arg) {
    const { path, entry } = await ctx.services.files.stat(ctx.session, arg || ".");
    return reply(
      Code.FILE_ACTION_OK,
      `Listing ${path}`,
      formatFacts(entry, ctx.session.mlstFacts, path),
      "End",
    );
  },
});
