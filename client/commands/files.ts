import type { Entry } from "../../protocol/messages.ts";
import { formatSize } from "../../protocol/size.ts";
import { formatTime, safeName } from "../format.ts";
import type { ShellCommand } from "./command.ts";

/** `rm`: remove a remote file. */
export const rm: ShellCommand = {
  name: "rm",
  usage: "rm PATH",
  summary: "Remove a remote file",
  args: { min: 1, max: 1 },
  paths: ["remote"],
  async run(ctx, [path]) {
    await ctx.connection.call("rm", { path });
  },
};

/** `rmdir`: remove a remote directory (-r: with everything in it). */
export const rmdir: ShellCommand = {
  name: "rmdir",
  usage: "rmdir [-r] PATH",
  summary: "Remove a remote directory (-r: with everything in it)",
  flags: { recursive: { type: "boolean", short: "r" } },
  args: { min: 1, max: 1 },
  paths: ["remote"],
  async run(ctx, [path], flags) {
    await ctx.connection.call("rmdir", { path, recursive: flags.recursive === true });
  },
};

/** `mv`: rename or move a remote file or directory. */
export const mv: ShellCommand = {
  name: "mv",
  aliases: ["rename"],
  usage: "mv FROM TO",
  summary: "Rename or move a remote file or directory (into TO if it is a directory)",
  args: { min: 2, max: 2 },
  paths: ["remote"],
  async run(ctx, [from, to]) {
    await ctx.connection.call("mv", { from, to });
  },
};

/** `stat`: describe a remote path. */
export const stat: ShellCommand = {
  name: "stat",
  usage: "stat PATH",
  summary: "Show a remote file's type, size and modification time",
  args: { min: 1, max: 1 },
  paths: ["remote"],
  async run(ctx, [path]) {
    const response = await ctx.connection.call("stat", { path });
    const entry = response.entry as Entry;
    ctx.print(`path: ${safeName(String(response.path))}`);
    ctx.print(`type: ${entry.type}`);
    ctx.print(`size: ${entry.size}${entry.size >= 1024 ? ` (${formatSize(entry.size)})` : ""}`);
    ctx.print(`modified: ${formatTime(entry.mtime)}`);
  },
};

/** `checksum`: the sha256 of a remote file, as `sha256sum` prints it. */
export const checksum: ShellCommand = {
  name: "checksum",
  aliases: ["sha256"],
  usage: "checksum PATH",
  summary: "Print the sha256 of a remote file",
  args: { min: 1, max: 1 },
  paths: ["remote"],
  async run(ctx, [path]) {
    const response = await ctx.connection.call("checksum", { path });
    ctx.print(`${response.sha256}  ${safeName(String(response.path))}`);
  },
};
