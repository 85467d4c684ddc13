import { formatUsersTable } from "../../cli/users_table.ts";
import type { UserInfo } from "../../protocol/messages.ts";
import { requireAdmin, type ShellCommand } from "./command.ts";

/** `users`: an administrator lists accounts. */
export const users: ShellCommand = {
  name: "users",
  usage: "users [--json]",
  summary: "List accounts: quota, used, last login, created, state (admins)",
  flags: { json: { type: "boolean" } },
  args: { min: 0, max: 0 },
  async run(ctx, _args, flags) {
    requireAdmin(ctx, "users");
    const response = await ctx.connection.call("users");
    const list = response.users as UserInfo[];
    ctx.print(flags.json === true ? JSON.stringify(list) : formatUsersTable(list));
  },
};
