import { reply } from "../replies.ts";
import { defineVerb, loggedIn } from "./verb.ts";

/** RNFR: name what RNTO will rename; must be the very next command. */
export const rnfr = defineVerb({
  name: "RNFR",
  syntax: "RNFR <path>",
  auth: "user",
  arg: "required",
  async handler(ctx, path) {
    const { vfs } = loggedIn(ctx);
    const source = vfs.normalize(ctx.session.cwd, path);
    await vfs.requireEntry(source);
    ctx.session.renameFrom = source;
    return reply(350, "Ready for RNTO");
  },
});
