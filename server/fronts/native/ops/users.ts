import { toUserInfo } from "../../../core/accounts.ts";
import { defineOperation } from "./operation.ts";

/** `users`: every account with its quota, use, state and dates (administrators). */
export const users = defineOperation({
  name: "users",
  summary: "List accounts (administrators)",
  auth: "admin",
  args: {},
  async handler(ctx) {
    const list = (await ctx.services.accounts.list()).map(toUserInfo);
    return { message: `${list.length} accounts`, users: list };
  },
});
