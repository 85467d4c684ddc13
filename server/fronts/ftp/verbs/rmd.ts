import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** RMD: remove an empty directory. */
export const rmd = defineVerb({
  name: "RMD",
  aliases: ["XRMD"],
  syntax: "RMD <path>",
  auth: "user",
  arg: "required",
  async handler(ctx, path) {
    await ctx.services.files.removeDirectory(ctx.session, path);
    return reply(Code.FILE_ACTION_OK, "Directory removed");
  },
});
