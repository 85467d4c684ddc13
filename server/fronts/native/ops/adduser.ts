import { formatSize } from "../../../../protocol/size.ts";
import { logAdminAction } from "./_admin.ts";
import { defineOperation } from "./operation.ts";

/** `adduser`: an administrator creates an account (quota: given, else `default_quota`). */
export const adduser = defineOperation({
  name: "adduser",
  summary: "Create an account (administrators)",
  auth: "admin",
  args: {
    user: "string",
    password: "string",
    admin: "boolean?",
    quota: "int?",
    rateDown: "int?",
    rateUp: "int?",
  },
  async handler(ctx, { user, password, admin, quota, rateDown, rateUp }) {
    const { accounts, config } = ctx.services;
    const account = await accounts.create({
      name: user,
      password,
      admin: admin ?? false,
      quota: quota ?? config.defaultQuota,
      ...(rateDown !== undefined ? { rateDown } : {}),
      ...(rateUp !== undefined ? { rateUp } : {}),
    });
    logAdminAction(ctx, "adduser", account.name, { admin: account.admin, quota: account.quota });
    const limit = account.quota === 0 ? "unlimited" : formatSize(account.quota);
    return {
      status: 201,
      message: `Created ${
        account.admin ? "administrator" : "user"
      } "${account.name}" (quota ${limit})`,
      user: account.name,
      quota: account.quota,
    };
  },
});
