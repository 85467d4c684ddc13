import { reply } from "../replies.ts";
import { defineVerb, loggedIn } from "./verb.ts";

/** RNTO: rename what RNFR named; replaces an existing file at the new name. */
export const rnto = defineVerb({
  name: "RNTO",
  syntax: "RNTO <path>",
  auth: "user",
  arg: "required",
  async handler(ctx, path) {
    const { vfs } = loggedIn(ctx);
    const source = ctx.session.renameFrom;
    ctx.session.renameFrom = undefined;
    if (source === undefined) return reply(503, "Send RNFR first");
    await vfs.rename(source, vfs.normalize(ctx.session.cwd, path));
    return reply(250, "Renamed");
  },
});
