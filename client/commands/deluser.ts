import { requireAdmin, type ShellCommand, ShellUsageError } from "./command.ts";

/** `deluser`: an administrator deletes an account, keeping its files unless `--purge`. */
export const deluser: ShellCommand = {
  name: "deluser",
  usage: "deluser [--purge] [--yes] NAME",
  summary: "Delete an account (admins); files kept unless --purge; asks unless --yes",
  flags: { purge: { type: "boolean" }, yes: { type: "boolean", short: "y" } },
  args: { min: 1, max: 1 },
  async run(ctx, [name], flags) {
    requireAdmin(ctx, "deluser");
    const purge = flags.purge === true;
    if (flags.yes !== true) {
      if (!ctx.prompter.onTerminal) {
        throw new ShellUsageError(
          `Not deleting "${name}": no terminal to confirm on; add --yes to delete without asking`,
        );
      }
      const what = purge ? `user "${name}" and all their files` : `user "${name}"`;
      if (!await ctx.prompter.confirm(`Delete ${what}?`)) throw new Error("Nothing deleted");
    }
    const response = await ctx.connection.call("deluser", { user: name, purge });
    ctx.print(response.message);
  },
};
