import type { Entry } from "../../protocol/messages.ts";
import { Status } from "../../protocol/status.ts";
import { RemoteError } from "../connection.ts";
import { formatListing } from "../format.ts";
import type { ShellCommand } from "./command.ts";

/** `ls`: list a remote directory; given a file, show that file (as ls and sftp do). */
export const ls: ShellCommand = {
  name: "ls",
  aliases: ["dir"],
  usage: "ls [PATH]",
  summary: "List a remote directory: type, size, modified, name",
  args: { min: 0, max: 1 },
  paths: ["remote"],
  async run(ctx, [path]) {
    let entries: Entry[];
    try {
      ({ entries } = await ctx.connection.list(path));
    } catch (error) {
      // 409: not a directory. The path may still be a file worth showing.
      if (
        path === undefined || !(error instanceof RemoteError) || error.status !== Status.CONFLICT
      ) {
        throw error;
      }
      const { entry } = await ctx.connection.call("stat", { path });
      if ((entry as Entry).type === "dir") throw error;
      entries = [{ ...entry as Entry, name: path }];
    }
    for (const line of formatListing(entries)) ctx.print(line);
  },
};
