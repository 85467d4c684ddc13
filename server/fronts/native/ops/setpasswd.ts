import { OperationError } from "../../../core/errors.ts";
import { logAdminAction } from "./_admin.ts";
import { defineOperation, loggedIn } from "./operation.ts";

/** `setpasswd`: an administrator sets another account's password; that account's sessions end. */
export const setpasswd = defineOperation({
  name: "setpasswd",
  summary: "Set another account's password (administrators)",
  auth: "admin",
  args: { user: "string", password: "string" },
  async handler(ctx, { user, password }) {
    if (loggedIn(ctx).account.name === user) {
      throw new OperationError(
        "bad_request",
        'Use "passwd" to change your own password (it asks for the current one)',
      );
    }
    await ctx.services.accounts.setPassword(user, password);
    logAdminAction(ctx, "setpasswd", user);
    return { message: `Password of "${user}" changed` };
  },
});
