import { Code } from "../codes.ts";
import { quotePath, reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** CWD: change directory; `..` never climbs above the home. */
export const cwd = defineVerb({
  name: "CWD",
  aliases: ["XCWD"],
  syntax: "CWD <path>",
  auth: "user",
  arg: "required",
  // Paths are "/"-separated from one virtual root (RFC 3659 TVFS).
  feat: () => ["TVFS"],
  async handler(ctx, path) {
    const target = await ctx.services.files.changeDirectory(ctx.session, path);
    return reply(Code.FILE_ACTION_OK, `Directory changed to ${quotePath(target)}`);
  },
});
