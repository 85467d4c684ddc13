import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** RNFR: name what RNTO will rename; must be the very next command. */
export const rnfr = defineVerb({
  name: "RNFR",
  syntax: "RNFR <path>",
  auth: "user",
  arg: "required",
  async handler(ctx, path) {
    ctx.session.renameFrom = await ctx.services.files.renameSource(ctx.session, path);
    return reply(Code.PENDING, "Ready for RNTO");
  },
});
