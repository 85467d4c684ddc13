import { relative } from "node:path";
import { logAdminAction, refuseOwnAccount } from "./_admin.ts";
import { defineOperation } from "./operation.ts";

/**
 * `deluser`: an administrator deletes an account. The home is kept (moved
 * under `deleted/` in the data dir) unless `purge` is set. The user's live
 * sessions end at their next request.
 */
export const deluser = defineOperation({
  name: "deluser",
  summary: "Delete an account; purge: also its files (administrators)",
  auth: "admin",
  args: { user: "string", purge: "boolean?" },
  async handler(ctx, { user, purge }) {
    refuseOwnAccount(ctx, user, "delete");
    const { accounts } = ctx.services;
    const { keptHome } = await accounts.remove(user, { purge: purge ?? false });
    const kept = keptHome === null ? null : relative(accounts.dataDir, keptHome);
    logAdminAction(ctx, "deluser", user, { purge: purge ?? false, kept });
    const message = purge
      ? `Deleted user "${user}" and their files`
      : kept === null
      ? `Deleted user "${user}" (they had no home directory)`
      : `Deleted user "${user}"; their files are kept on the server in ${kept} under the data dir`;
    return { message, user, keptHome: kept };
  },
});
