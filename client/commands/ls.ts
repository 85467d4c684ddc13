import { formatListing } from "../format.ts";
import type { ShellCommand } from "./command.ts";

/** `ls`: list a remote directory. */
export const ls: ShellCommand = {
  name: "ls",
  aliases: ["dir"],
  usage: "ls [PATH]",
  summary: "List a remote directory: type, size, modified, name",
  args: { min: 0, max: 1 },
  async run(ctx, [path]) {
    const { entries } = await ctx.connection.list(path);
    for (const line of formatListing(entries)) ctx.print(line);
  },
};
