import { join, resolve } from "node:path";
import { formatSize } from "../../protocol/size.ts";
import { ConnectionLostError } from "../connection.ts";
import { globToRegExp, hasWildcard, splitPattern } from "../glob.ts";
import { downloadFile, PART_SUFFIX, type TransferEnv } from "../transfer/download.ts";
import type { ShellCommand, ShellContext } from "./command.ts";
import {
  localFileTarget,
  localStat,
  localTarget,
  mayOverwrite,
  remoteBaseName,
  remoteJoin,
  remoteStat,
  transferEnv,
} from "./_transfer.ts";

/** `get`: download a file (or a tree with -r), resuming an interrupted download of it. */
export const get: ShellCommand = {
  name: "get",
  usage: "get [-f] [-r] REMOTE [LOCAL]",
  summary: "Download a file (-r: a directory tree); resumes an interrupted download",
  flags: { force: { type: "boolean", short: "f" }, recursive: { type: "boolean", short: "r" } },
  args: { min: 1, max: 2 },
  paths: ["remote", "local"],
  async run(ctx, [remote, local], flags) {
    const force = flags.force === true;
    const found = await remoteStat(ctx, remote!);
    if (!found) throw new Error(`Cannot get "${remote}": not found`);
    if (found.entry.type === "dir") {
      if (flags.recursive !== true) {
        throw new Error(`Cannot get "${found.path}": is a directory (use get -r)`);
      }
      const top = remoteBaseName(found.path);
      const target = await localTarget(top, local);
      // Into an existing tree, mirror is what was meant more often than not.
      const hint = (await localStat(target))?.isDirectory
        ? `, or "mirror ${remote}${
          local === undefined ? "" : ` ${local}`
        }" to fetch only new and changed files`
        : "";
      const tally = new FileTally(ctx, `get -r ${top}`);
      await getTree({ ctx, env: transferEnv(ctx), force, tally, hint }, found.path, target, top);
      tally.check();
      return;
    }
    const target = await localFileTarget(remoteBaseName(found.path), local);
    if (!await mayOverwrite(ctx, target, force)) return;
    await downloadFile(transferEnv(ctx), { remote: found.path, local: target, resume: "auto" });
  },
};

/**
 * `reget`: continue an interrupted download; fails if there is nothing to
 * continue. Like get, it never replaces an existing local file silently.
 */
export const reget: ShellCommand = {
  name: "reget",
  usage: "reget [-f] REMOTE [LOCAL]",
  summary: "Resume an interrupted download (fails if it can't resume)",
  flags: { force: { type: "boolean", short: "f" } },
  args: { min: 1, max: 2 },
  paths: ["remote", "local"],
  async run(ctx, [remote, local], flags) {
    const found = await remoteStat(ctx, remote!);
    if (!found) throw new Error(`Cannot get "${remote}": not found`);
    if (found.entry.type === "dir") throw new Error(`Cannot get "${found.path}": is a directory`);
    const target = await localFileTarget(remoteBaseName(found.path), local);
    // Without a partial there is nothing to resume (downloadFile says so): ask nothing first.
    const resumable = await localStat(target + PART_SUFFIX) !== null;
    if (resumable && !await mayOverwrite(ctx, target, flags.force === true)) return;
    await downloadFile(transferEnv(ctx), { remote: found.path, local: target, resume: "require" });
  },
};

/** `mget`: download every remote file matching the patterns into the local directory. */
export const mget: ShellCommand = {
  name: "mget",
  usage: "mget [-f] PATTERN...",
  summary: "Download the remote files matching wildcards (*, ?, [...]) here",
  flags: { force: { type: "boolean", short: "f" } },
  args: { min: 1, max: Infinity },
  paths: ["remote"],
  async run(ctx, patterns, flags) {
    const env = transferEnv(ctx);
    const files: string[] = [];
    for (const pattern of patterns) files.push(...await matchRemote(ctx, pattern));
    await eachFile(ctx, "mget", files, async (path) => {
      const target = resolve(remoteBaseName(path));
      if (!await mayOverwrite(ctx, target, flags.force === true)) return;
      return (await downloadFile(env, { remote: path, local: target, resume: "auto" })).moved;
    });
  },
};

/** Remote files matching a pattern (a plain name must be an existing file). */
async function matchRemote(ctx: ShellContext, pattern: string): Promise<string[]> {
  const { dir, name } = splitPattern(pattern);
  if (!hasWildcard(name)) {
    const found = await remoteStat(ctx, pattern);
    if (!found) throw new Error(`Cannot get "${pattern}": not found`);
    if (found.entry.type === "dir") {
      throw new Error(`Cannot get "${found.path}": is a directory (use get -r)`);
    }
    return [found.path];
  }
  const listing = await ctx.connection.list(dir);
  const regexp = globToRegExp(name);
  const matches = listing.entries
    .filter((entry) => entry.type === "file" && regexp.test(entry.name))
    .map((entry) => remoteJoin(listing.path, entry.name));
  if (matches.length === 0) throw new Error(`No remote file matches "${pattern}"`);
  return matches;
}

/**
 * The files of one command over many (mget, get -r, ...): each failure is
 * reported as it happens, naming the file by its path in the tree, and the
 * rest go on; at the end one line gives the total (files, bytes, time), and
 * the command fails if any file did. One tally spans a whole tree, so its
 * count is the tree's. A lone file's failure is its own error (one line,
 * no tally).
 */
export class FileTally {
  readonly #ctx: ShellContext;
  readonly #what: string;
  readonly #began = performance.now();
  #failed = 0;
  #total = 0;
  #bytes = 0;
  /** The first file's failure, said only once another file follows it. */
  #first: { label: string; error: unknown } | undefined;

  /** Reports through `ctx`; `what` names the command in the total, e.g. `get -r photos`. */
  constructor(ctx: ShellContext, what: string) {
    this.#ctx = ctx;
    this.#what = what;
  }

  /**
   * Runs `work` on every item (it returns the bytes moved), going on after
   * failures (not after a lost connection); `label` names an item in messages.
   */
  async each<T>(
    items: T[],
    label: (item: T) => string,
    work: (item: T) => Promise<number | void>,
  ): Promise<void> {
    for (const item of items) {
      if (this.#total === 1 && this.#first) this.#report(this.#first.label, this.#first.error);
      this.#total++;
      try {
        this.#bytes += await work(item) ?? 0;
      } catch (error) {
        if (error instanceof ConnectionLostError) throw error;
        this.#failed++;
        if (this.#total === 1) this.#first = { label: label(item), error };
        else this.#report(label(item), error);
      }
    }
  }

  /** Prints the total, or throws when any file failed. */
  check(): void {
    if (this.#total === 1 && this.#first) throw this.#first.error;
    const seconds = ((performance.now() - this.#began) / 1000).toFixed(2);
    const done = this.#total - this.#failed;
    const moved = `${done} ${done === 1 ? "file" : "files"}, ${
      formatSize(this.#bytes)
    } in ${seconds}s`;
    if (this.#failed > 0) {
      throw new Error(`${this.#what}: ${this.#failed} of ${this.#total} files failed (${moved})`);
    }
    if (this.#total > 1) this.#ctx.notice(`${this.#what}: ${moved}`);
  }

  #report(label: string, error: unknown): void {
    this.#ctx.notice(`error: ${label}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Runs `work` on every item, going on after failures; fails at the end if any did. */
export async function eachFile(
  ctx: ShellContext,
  what: string,
  items: string[],
  work: (item: string) => Promise<number | void>,
): Promise<void> {
  const tally = new FileTally(ctx, what);
  await tally.each(items, (item) => item, work);
  tally.check();
}

/** What every level of a `get -r` shares. */
interface TreeWalk {
  ctx: ShellContext;
  env: TransferEnv;
  force: boolean;
  tally: FileTally;
  /** Appended to "exists: use -f" (points to mirror). */
  hint: string;
}

/** Downloads a remote tree into `local` (created if needed); `shown` is its path in messages. */
async function getTree(
  walk: TreeWalk,
  remoteDir: string,
  local: string,
  shown: string,
): Promise<void> {
  const { ctx, env, force } = walk;
  const info = await localStat(local);
  if (info && !info.isDirectory) throw new Error(`Cannot write "${local}": not a directory`);
  await Deno.mkdir(local, { recursive: true });
  const { entries } = await ctx.connection.list(remoteDir);
  const files = entries.filter((entry) => entry.type === "file").map((entry) => entry.name);
  await walk.tally.each(files, (name) => `${shown}/${name}`, async (name) => {
    const target = join(local, name);
    if (!await mayOverwrite(ctx, target, force, walk.hint)) return;
    const remote = remoteJoin(remoteDir, name);
    const label = `${shown}/${name}`;
    return (await downloadFile(env, { remote, local: target, resume: "auto", label })).moved;
  });
  for (const entry of entries) {
    const label = `${shown}/${entry.name}`;
    if (entry.type === "dir") {
      await getTree(walk, remoteJoin(remoteDir, entry.name), join(local, entry.name), label);
    } else if (entry.type !== "file") {
      ctx.notice(`skipped ${label}: not a regular file`);
    }
  }
}
