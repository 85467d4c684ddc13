import { quotePath, reply } from "../replies.ts";
import { defineVerb, loggedIn } from "./verb.ts";

/** CDUP: go to the parent directory (stays at `/` in the home). */
export const cdup = defineVerb({
  name: "CDUP",
  aliases: ["XCUP"],
  syntax: "CDUP",
  auth: "user",
  arg: "none",
  async handler(ctx) {
    const { vfs } = loggedIn(ctx);
    const target = vfs.normalize(ctx.session.cwd, "..");
    await vfs.requireDirectory(target);
    ctx.session.cwd = target;
    return reply(250, `Directory changed to ${quotePath(target)}`);
  },
});
