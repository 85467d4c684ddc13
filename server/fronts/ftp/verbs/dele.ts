import { reply } from "../replies.ts";
import { defineVerb, loggedIn } from "./verb.ts";

/** DELE: delete a file. */
export const dele = defineVerb({
  name: "DELE",
  syntax: "DELE <path>",
  auth: "user",
  arg: "required",
  async handler(ctx, path) {
    const { vfs, account } = loggedIn(ctx);
    const freed = await vfs.removeFile(vfs.normalize(ctx.session.cwd, path));
    await ctx.services.transfers.quota.adjust(account.id, -freed);
    return reply(250, "File deleted");
  },
});
