import type { Entry } from "../../protocol/messages.ts";
import { Status } from "../../protocol/status.ts";
import { RemoteError } from "../connection.ts";
import { globToRegExp, hasWildcard, splitPattern } from "../glob.ts";
import { LISTING_DETAILS, LISTING_FLAGS, LISTING_USAGE, listingLines } from "../listing.ts";
import type { ShellCommand } from "./command.ts";

/**
 * `ls`: list a remote directory; given a file, show that file (as ls and
 * sftp do); given a pattern, the matching names of its directory.
 */
export const ls: ShellCommand = {
  name: "ls",
  aliases: ["dir"],
  usage: `ls ${LISTING_USAGE} [PATH|PATTERN]`,
  summary: "List a remote directory (-h sizes, -a dot files, -t/-S by time/size; *.bin)",
  details: LISTING_DETAILS,
  flags: LISTING_FLAGS,
  args: { min: 0, max: 1 },
  paths: ["remote"],
  async run(ctx, [path], flags) {
    if (path !== undefined && hasWildcard(splitPattern(path).name)) {
      const { dir, name } = splitPattern(path);
      const { entries } = await ctx.connection.list(dir);
      const regexp = globToRegExp(name);
      const matches = entries
        .filter((entry) => regexp.test(entry.name))
        .map((entry) => ({
          ...entry,
          name: dir === undefined ? entry.name : joinName(dir, entry.name),
        }));
      if (matches.length === 0) throw new Error(`No remote file matches "${path}"`);
      for (const line of listingLines(matches, flags, false)) ctx.print(line);
      return;
    }
    let entries: Entry[];
    let single = false;
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
      single = true;
    }
    for (const line of listingLines(entries, flags, !single)) ctx.print(line);
  },
};

/** `dir/name` as typed (`/` alone stays one slash). */
export function joinName(dir: string, name: string): string {
  return dir.endsWith("/") ? `${dir}${name}` : `${dir}/${name}`;
}
