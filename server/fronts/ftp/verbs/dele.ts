import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** DELE: delete a file. */
export const dele = defineVerb({
  name: "DELE",
  syntax: "DELE <path>",
  auth: "user",
  arg: "required",
  async handler(ctx, path) {
    await ctx.services.files.removeFile(ctx.session, path);
    return reply(Code.FILE_ACTION_OK, "File deleted");
  },
});
