import { reply } from "../replies.ts";
import { defineVerb, loggedIn } from "./verb.ts";

/**
 * RNTO: rename what RNFR named. An existing file at the new name is
 * replaced; an existing directory receives the entry (as `mv` does).
 */
export const rnto = defineVerb({
  name: "RNTO",
  syntax: "RNTO <path>",
  auth: "user",
  arg: "required",
  async handler(ctx, path) {
    const { vfs, account } = loggedIn(ctx);
    const source = ctx.session.renameFrom;
    ctx.session.renameFrom = undefined;
    if (source === undefined) return reply(503, "Send RNFR first");
    const moved = await vfs.rename(source, vfs.normalize(ctx.session.cwd, path));
    await ctx.services.transfers.quota.adjust(account.id, -moved.replaced);
    return reply(250, "Renamed");
  },
});
