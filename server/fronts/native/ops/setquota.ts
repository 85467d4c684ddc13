import { describeQuota } from "../../../core/accounts.ts";
import { logAdminAction } from "./_admin.ts";
import { defineOperation } from "./operation.ts";

/** `setquota`: an administrator sets an account's quota; it applies to the user's next request. */
export const setquota = defineOperation({
  name: "setquota",
  summary: "Set an account's quota in bytes, 0 = unlimited (administrators)",
  auth: "admin",
  args: { user: "string", quota: "int" },
  async handler(ctx, { user, quota }) {
    const account = await ctx.services.accounts.setQuota(user, quota);
    logAdminAction(ctx, "setquota", user, { quota });
    return Promise.resolve({
      message: describeQuota(account),
      user: account.name,
      quota: account.quota,
      used: account.used,
    });
  },
});
