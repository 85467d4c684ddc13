import { Code } from "../codes.ts";
import { quotePath, reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** CDUP: go to the parent directory (stays at `/` in the home). */
export const cdup = defineVerb({
  name: "CDUP",
  aliases: ["XCUP"],
  syntax: "CDUP",
  auth: "user",
  arg: "none",
  async handler(ctx) {
    const target = await ctx.services.files.changeDirectory(ctx.session, "..");
    return reply(Code.FILE_ACTION_OK, `Directory changed to ${quotePath(target)}`);
  },
});
