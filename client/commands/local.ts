import type { Entry } from "../../protocol/messages.ts";
import { formatListing } from "../format.ts";
import type { ShellCommand } from "./command.ts";

/** `lpwd`: print the local directory. */
export const lpwd: ShellCommand = {
  name: "lpwd",
  usage: "lpwd",
  summary: "Print the local directory",
  args: { min: 0, max: 0 },
  run(ctx) {
    ctx.print(Deno.cwd());
    return Promise.resolve();
  },
};

/** `lcd`: change the local directory. */
export const lcd: ShellCommand = {
  name: "lcd",
  usage: "lcd [PATH]",
  summary: "Change the local directory (no PATH: your home)",
  args: { min: 0, max: 1 },
  paths: ["local"],
  run(_ctx, [path]) {
    const target = path ?? Deno.env.get("HOME") ?? ".";
    try {
      Deno.chdir(target);
    } catch (error) {
      throw new Error(`Cannot change local directory to "${target}": ${localReason(error)}`);
    }
    return Promise.resolve();
  },
};

/** `lls`: list a local directory, or show one file (as `ls` does remotely). */
export const lls: ShellCommand = {
  name: "lls",
  usage: "lls [PATH]",
  summary: "List a local directory",
  args: { min: 0, max: 1 },
  paths: ["local"],
  async run(ctx, [path = "."]) {
    const entries: Entry[] = [];
    try {
      const target = await Deno.stat(path);
      if (!target.isDirectory) {
        entries.push(localEntry(path, target, false));
      } else {
        for await (const item of Deno.readDir(path)) {
          const info = await Deno.stat(`${path}/${item.name}`).catch(() => null);
          entries.push(localEntry(item.name, info, item.isSymlink));
        }
      }
    } catch (error) {
      throw new Error(`Cannot list local "${path}": ${localReason(error)}`);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const line of formatListing(entries)) ctx.print(line);
  },
};

/** A listing entry for a local file; `info` is null for a dangling symlink. */
function localEntry(name: string, info: Deno.FileInfo | null, isSymlink: boolean): Entry {
  return {
    name,
    type: info?.isDirectory ? "dir" : info?.isFile ? "file" : isSymlink ? "link" : "other",
    size: info?.isFile ? info.size : 0,
    mtime: info?.mtime?.getTime() ?? 0,
  };
}

/** A short reason for a local file error. */
export function localReason(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "not found";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (error instanceof Deno.errors.NotADirectory) return "not a directory";
  if (error instanceof Deno.errors.NotCapable) return "not permitted";
  return error instanceof Error ? error.message : String(error);
}
