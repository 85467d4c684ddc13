import { quotePath, reply } from "../replies.ts";
import { defineVerb, loggedIn } from "./verb.ts";

/** MKD: create a directory. */
export const mkd = defineVerb({
  name: "MKD",
  aliases: ["XMKD"],
  syntax: "MKD <path>",
  auth: "user",
  arg: "required",
  async handler(ctx, path) {
    const { vfs } = loggedIn(ctx);
    const target = vfs.normalize(ctx.session.cwd, path);
    await vfs.mkdir(target);
    return reply(257, `${quotePath(target)} created`);
  },
});
