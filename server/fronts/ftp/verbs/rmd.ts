import { reply } from "../replies.ts";
import { defineVerb, loggedIn } from "./verb.ts";

/** RMD: remove an empty directory. */
export const rmd = defineVerb({
  name: "RMD",
  aliases: ["XRMD"],
  syntax: "RMD <path>",
  auth: "user",
  arg: "required",
  async handler(ctx, path) {
    const { vfs, account } = loggedIn(ctx);
    const freed = await vfs.removeDirectory(vfs.normalize(ctx.session.cwd, path));
    await ctx.services.transfers.quota.adjust(account.id, -freed);
    return reply(250, "Directory removed");
  },
});
