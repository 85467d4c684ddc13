import { join } from "node:path";
import type { Entry } from "../../protocol/messages.ts";
import { globToRegExp, hasWildcard, splitPattern } from "../glob.ts";
import { LISTING_DETAILS, LISTING_FLAGS, LISTING_USAGE, listingLines } from "../listing.ts";
import type { ShellCommand } from "./command.ts";
import { joinName } from "./ls.ts";

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

/** `lls`: list a local directory, show one file, or the names matching a pattern (as `ls`). */
export const lls: ShellCommand = {
  name: "lls",
  usage: `lls ${LISTING_USAGE} [PATH|PATTERN]`,
  summary: "List a local directory (the flags and patterns of ls)",
  details: LISTING_DETAILS,
  flags: LISTING_FLAGS,
  args: { min: 0, max: 1 },
  paths: ["local"],
  async run(ctx, [path], flags) {
    const pattern = path === undefined ? undefined : splitPattern(path);
    const glob = pattern !== undefined && hasWildcard(pattern.name) ? pattern : undefined;
    const where = glob ? glob.dir ?? "." : path ?? ".";
    const entries: Entry[] = [];
    let single = false;
    try {
      const target = await Deno.stat(where);
      if (!target.isDirectory) {
        entries.push(localEntry(where, target, false));
        single = true;
      } else {
        const regexp = glob ? globToRegExp(glob.name) : undefined;
        for await (const item of Deno.readDir(where)) {
          if (regexp && !regexp.test(item.name)) continue;
          const info = await Deno.stat(join(where, item.name)).catch(() => null);
          const name = glob?.dir === undefined ? item.name : joinName(glob.dir, item.name);
          entries.push(localEntry(name, info, item.isSymlink));
        }
      }
    } catch (error) {
      throw new Error(`Cannot list local "${where}": ${localReason(error)}`);
    }
    if (glob && entries.length === 0) throw new Error(`No local file matches "${path}"`);
    for (const line of listingLines(entries, flags, !single && !glob)) ctx.print(line);
  },
};

/** `lmkdir`: create a local directory. */
export const lmkdir: ShellCommand = {
  name: "lmkdir",
  usage: "lmkdir [-p] PATH",
  summary: "Create a local directory (-p: parents, no error if it exists)",
  flags: { parents: { type: "boolean", short: "p" } },
  args: { min: 1, max: 1 },
  paths: ["local"],
  async run(_ctx, [path], flags) {
    try {
      await Deno.mkdir(path!, { recursive: flags.parents === true });
    } catch (error) {
      throw new Error(`Cannot create local directory "${path}": ${localReason(error)}`);
    }
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
  if (error instanceof Deno.errors.AlreadyExists) return "it exists";
  return error instanceof Error ? error.message : String(error);
}
