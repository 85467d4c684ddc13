import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/**
 * RNTO: rename what RNFR named. An existing file at the new name is
 * replaced; an existing directory receives the entry (as `mv` does).
 */
export const rnto = defineVerb({
  name: "RNTO",
  syntax: "RNTO <path>",
  auth: "user",
  arg: "required",
  async handler(ctx, path) {
    const source = ctx.session.renameFrom;
    ctx.session.renameFrom = undefined;
    if (source === undefined) return reply(Code.BAD_SEQUENCE, "Send RNFR first");
    await ctx.services.files.rename(ctx.session, source, path);
    return reply(Code.FILE_ACTION_OK, "Renamed");
  },
});
