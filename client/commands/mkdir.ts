import type { ShellCommand } from "./command.ts";

/** `mkdir`: create a remote directory. */
export const mkdir: ShellCommand = {
  name: "mkdir",
  usage: "mkdir [-p] PATH",
  summary: "Create a remote directory (-p: with parents, no error if it exists)",
  flags: { parents: { type: "boolean", short: "p" } },
  args: { min: 1, max: 1 },
  paths: ["remote"],
  async run(ctx, [path], flags) {
    await ctx.connection.call("mkdir", { path, parents: flags.parents === true });
  },
};
