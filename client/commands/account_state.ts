import { requireAdmin, type ShellCommand } from "./command.ts";

/** `disable`: an administrator locks an account out; its files stay. */
export const disable: ShellCommand = {
  name: "disable",
  usage: "disable NAME",
  summary: "Disable an account: no logins, sessions end, files kept (admins)",
  args: { min: 1, max: 1 },
  async run(ctx, [name]) {
    requireAdmin(ctx, "disable");
    ctx.print((await ctx.connection.call("disable", { user: name })).message);
  },
};

/** `enable`: an administrator lets a disabled account log in again. */
export const enable: ShellCommand = {
  name: "enable",
  usage: "enable NAME",
  summary: "Enable a disabled account (admins)",
  args: { min: 1, max: 1 },
  async run(ctx, [name]) {
    requireAdmin(ctx, "enable");
    ctx.print((await ctx.connection.call("enable", { user: name })).message);
  },
};
