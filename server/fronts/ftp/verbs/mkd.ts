import { Code } from "../codes.ts";
import { quotePath, reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** MKD: create a directory. */
export const mkd = defineVerb({
  name: "MKD",
  aliases: ["XMKD"],
  syntax: "MKD <path>",
  auth: "user",
  arg: "required",
  async handler(ctx, path) {
    const target = await ctx.services.files.mkdir(ctx.session, path);
    return reply(Code.PATH_CREATED, `${quotePath(target)} created`);
  },
});
