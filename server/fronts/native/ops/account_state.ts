import { logAdminAction, refuseOwnAccount } from "./_admin.ts";
import { defineOperation } from "./operation.ts";

/** `disable`: the account can't log in and its live sessions end at their next request; data stays. */
export const disable = defineOperation({
  name: "disable",
  summary: "Disable an account: no logins, files kept (administrators)",
  auth: "admin",
  args: { user: "string" },
  async handler(ctx, { user }) {
    refuseOwnAccount(ctx, user, "disable");
    await ctx.services.accounts.setDisabled(user, true);
    logAdminAction(ctx, "disable", user);
    return { message: `Disabled user "${user}"` };
  },
});

/** `enable`: a disabled account may log in again. */
export const enable = defineOperation({
  name: "enable",
  summary: "Enable a disabled account (administrators)",
  auth: "admin",
  args: { user: "string" },
  async handler(ctx, { user }) {
    await ctx.services.accounts.setDisabled(user, false);
    logAdminAction(ctx, "enable", user);
    return { message: `Enabled user "${user}"` };
  },
});
