import { safeName } from "../format.ts";
import type { ShellCommand } from "./command.ts";

/** `pwd`: print the remote directory. */
export const pwd: ShellCommand = {
  name: "pwd",
  usage: "pwd",
  summary: "Print the remote directory",
  args: { min: 0, max: 0 },
  async run(ctx) {
    const response = await ctx.connection.call("pwd");
    ctx.cwd = String(response.cwd);
    ctx.print(safeName(ctx.cwd));
  },
};

/** `cd`: change the remote directory. */
export const cd: ShellCommand = {
  name: "cd",
  usage: "cd [PATH]",
  summary: "Change the remote directory (no PATH or ~: home)",
  args: { min: 0, max: 1 },
  paths: ["remote"],
  async run(ctx, [path]) {
    const response = await ctx.connection.call("cd", path === undefined ? {} : { path });
    ctx.cwd = String(response.cwd);
  },
};
