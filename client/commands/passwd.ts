import { askCurrentPassword, askNewPassword } from "./_passwords.ts";
import { accountExists } from "./_names.ts";
import { requireAdmin, type ShellCommand } from "./command.ts";

/** `passwd`: change one's own password (current one required); admins: set another's. */
export const passwd: ShellCommand = {
  name: "passwd",
  usage: "passwd [NAME]",
  summary: "Change your password (asks the current one); admins: set NAME's password",
  args: { min: 0, max: 1 },
  async run(ctx, [name]) {
    if (name === undefined || name === ctx.user) {
      const current = await askCurrentPassword(ctx.prompter);
      const password = await askNewPassword(ctx.prompter);
      const response = await ctx.connection.call("passwd", { current, password });
      ctx.passwordChanged?.(password);
      ctx.print(response.message);
      return;
    }
    requireAdmin(ctx, "passwd NAME");
    if (!await accountExists(ctx, name)) throw new Error(`No user "${name}"`);
    const password = await askNewPassword(ctx.prompter, `New password for ${name}`);
    const response = await ctx.connection.call("setpasswd", { user: name, password });
    ctx.print(response.message);
  },
};
