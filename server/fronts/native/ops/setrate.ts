import { describeRates } from "../../../core/accounts.ts";
import { OperationError } from "../../../core/errors.ts";
import { logAdminAction } from "./_admin.ts";
import { defineOperation } from "./operation.ts";

/**
 * `setrate`: an administrator shows or sets an account's bandwidth limits
 * (bytes per second; 0 = the server's default); transfers that start after
 * it use them.
 */
export const setrate = defineOperation({
  name: "setrate",
  summary: "Show or set an account's bandwidth limits in bytes/s, 0 = default (administrators)",
  auth: "admin",
  args: { user: "string", down: "int?", up: "int?" },
  async handler(ctx, { user, down, up }) {
    const { accounts, config } = ctx.services;
    let account = await accounts.get(user);
    if (!account) throw new OperationError("not_found", `No user "${user}"`);
    if (down !== undefined || up !== undefined) {
      account = await accounts.setRates(user, {
        ...(down !== undefined ? { rateDown: down } : {}),
        ...(up !== undefined ? { rateUp: up } : {}),
      });
      logAdminAction(ctx, "setrate", user, { down: account.rateDown, up: account.rateUp });
    }
    return {
      message: describeRates(account, config),
      user: account.name,
      rateDown: account.rateDown,
      rateUp: account.rateUp,
    };
  },
});
