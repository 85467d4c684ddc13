import { parseSize } from "../../protocol/size.ts";
import { askNewPassword } from "./_passwords.ts";
import { accountExists, checkUserName } from "./_names.ts";
import { requireAdmin, type ShellCommand, ShellUsageError } from "./command.ts";

/** `adduser`: an administrator creates an account. */
export const adduser: ShellCommand = {
  name: "adduser",
  usage: "adduser [--admin] [--quota SIZE] [--rate-down SIZE] [--rate-up SIZE] NAME",
  summary: "Create an account (admins; quota default: the server's default_quota)",
  flags: {
    admin: { type: "boolean" },
    quota: { type: "string" },
    "rate-down": { type: "string" },
    "rate-up": { type: "string" },
  },
  args: { min: 1, max: 1 },
  async run(ctx, [name], flags) {
    requireAdmin(ctx, "adduser");
    checkUserName(name!);
    const fields: Record<string, unknown> = { user: name, admin: flags.admin === true };
    for (
      const [flag, field] of [["quota", "quota"], ["rate-down", "rateDown"], ["rate-up", "rateUp"]]
    ) {
      const value = flags[flag!];
      if (typeof value !== "string") continue;
      try {
        fields[field!] = parseSize(value);
      } catch (error) {
        throw new ShellUsageError((error as Error).message);
      }
    }
    if (await accountExists(ctx, name!)) throw new Error(`User "${name}" already exists`);
    fields.password = await askNewPassword(ctx.prompter, `Password for ${name}`);
    const response = await ctx.connection.call("adduser", fields);
    ctx.print(response.message);
  },
};
