import { basename, dirname, join, resolve } from "node:path";
import { globToRegExp, hasWildcard } from "../glob.ts";
import { LocalFileError, localReason } from "../transfer/_io.ts";
import type { TransferEnv } from "../transfer/download.ts";
import { uploadFile } from "../transfer/upload.ts";
import type { ShellCommand, ShellContext } from "./command.ts";
import { eachFile, FileTally } from "./get.ts";
import { localStat, remoteJoin, remoteStat, transferEnv } from "./_transfer.ts";

/** `put`: upload a file (or a tree with -r); replaces the remote file atomically, resumes. */
export const put: ShellCommand = {
  name: "put",
  usage: "put [-r] LOCAL [REMOTE]",
  summary: "Upload a file (-r: a directory tree); resumes an interrupted upload",
  flags: { recursive: { type: "boolean", short: "r" } },
  args: { min: 1, max: 2 },
  paths: ["local", "remote"],
  async run(ctx, [local, remote], flags) {
    const info = await localStat(local!);
    if (!info) throw new LocalFileError(`Cannot read "${local}": not found`);
    const name = basename(local!);
    const target = await remoteTarget(ctx, name, remote);
    if (info.isDirectory) {
      if (flags.recursive !== true) {
        throw new LocalFileError(`Cannot upload "${local}": is a directory (use put -r)`);
      }
      const top = basename(resolve(local!));
      if ((await remoteStat(ctx, target))?.entry.type === "dir") {
        ctx.notice(
          `"${target}" exists on the server: put -r sends every file again ` +
            `("mirror -R ${local}${
              remote === undefined ? "" : ` ${remote}`
            }" sends only new and changed ones)`,
        );
      }
      const tally = new FileTally(ctx, `put -r ${top}`);
      await putTree({ ctx, env: transferEnv(ctx), tally }, local!, target, top);
      tally.check();
      return;
    }
    if (remote?.endsWith("/") && target === remote) {
      // A name ending in "/" is a directory: never create a file by that name.
      throw new Error(`Cannot upload to "${remote}": not a remote directory`);
    }
    await uploadFile(transferEnv(ctx), { local: local!, remote: target });
  },
};

/** `mput`: upload every local file matching the patterns into the remote directory. */
export const mput: ShellCommand = {
  name: "mput",
  usage: "mput PATTERN...",
  summary: "Upload the local files matching wildcards (*, ?, [...]) here",
  args: { min: 1, max: Infinity },
  paths: ["local"],
  async run(ctx, patterns) {
    const env = transferEnv(ctx);
    const files: string[] = [];
    for (const pattern of patterns) files.push(...await matchLocal(pattern));
    await eachFile(ctx, "mput", files, async (path) => {
      return (await uploadFile(env, { local: path, remote: basename(path), label: path })).moved;
    });
  },
};

/** REMOTE, REMOTE/name when it is a directory, or name in the remote directory. */
async function remoteTarget(
  ctx: ShellContext,
  name: string,
  remote: string | undefined,
): Promise<string> {
  if (remote === undefined) return name;
  const found = await remoteStat(ctx, remote);
  return found?.entry.type === "dir" ? remoteJoin(found.path, name) : remote;
}

/** Local files matching a pattern (a plain name must be an existing file). */
async function matchLocal(pattern: string): Promise<string[]> {
  const name = basename(pattern);
  if (!hasWildcard(name)) {
    const info = await localStat(pattern);
    if (!info) throw new LocalFileError(`Cannot read "${pattern}": not found`);
    if (info.isDirectory) {
      throw new LocalFileError(`Cannot upload "${pattern}": is a directory (use put -r)`);
    }
    return [pattern];
  }
  const dir = pattern.includes("/") ? dirname(pattern) : ".";
  const regexp = globToRegExp(name);
  const matches: string[] = [];
  try {
    for await (const item of Deno.readDir(dir)) {
      if (!regexp.test(item.name)) continue;
      const path = dir === "." ? item.name : join(dir, item.name);
      if ((await localStat(path))?.isFile) matches.push(path);
    }
  } catch (error) {
    throw new LocalFileError(`Cannot list local "${dir}": ${localReason(error)}`);
  }
  if (matches.length === 0) throw new LocalFileError(`No local file matches "${pattern}"`);
  return matches.sort();
}

/**
 * Uploads a local tree to `remoteDir` (created if needed); symlinked
 * directories are skipped. `shown` is its path in messages.
 */
async function putTree(
  walk: { ctx: ShellContext; env: TransferEnv; tally: FileTally },
  localDir: string,
  remoteDir: string,
  shown: string,
): Promise<void> {
  const { ctx, env } = walk;
  const response = await ctx.connection.call("mkdir", { path: remoteDir, parents: true });
  const remotePath = String(response.path);
  const files: string[] = [];
  const dirs: string[] = [];
  try {
    for await (const item of Deno.readDir(localDir)) {
      const info = await localStat(join(localDir, item.name));
      if (info?.isFile) files.push(item.name);
      else if (info?.isDirectory && !item.isSymlink) dirs.push(item.name);
      else ctx.notice(`skipped ${shown}/${item.name}: not a regular file or directory`);
    }
  } catch (error) {
    throw new LocalFileError(`Cannot list local "${localDir}": ${localReason(error)}`);
  }
  await walk.tally.each(files.sort(), (name) => `${shown}/${name}`, async (name) => {
    const plan = {
      local: join(localDir, name),
      remote: remoteJoin(remotePath, name),
      label: `${shown}/${name}`,
    };
    return (await uploadFile(env, plan)).moved;
  });
  for (const name of dirs.sort()) {
    await putTree(walk, join(localDir, name), remoteJoin(remotePath, name), `${shown}/${name}`);
  }
}
