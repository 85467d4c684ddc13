/**
 * `mirror REMOTE [LOCAL]` and `mirror -R LOCAL [REMOTE]`: make the target
 * tree a copy of the source, moving only new and changed files (lftp's
 * mirror). A downloaded file gets the remote mtime, so "changed" is a
 * different size or mtime. The server sets an uploaded file's mtime to the
 * time of the upload, so uploads compare size, then treat a remote file at
 * least as new as the local one as unchanged. `--checksum` compares files of
 * equal size by sha256 instead (the server's checksum op, which it caches).
 * Every transfer is the resumable get/put, so a cut mirror run again goes on
 * where it stopped; deletions (`--delete`) come last.
 */

import { createHash } from "node:crypto";
import { basename, join, resolve } from "node:path";
import type { Entry } from "../../protocol/messages.ts";
import { formatSize } from "../../protocol/size.ts";
import { type Connection, ConnectionLostError, InterruptedError } from "../connection.ts";
import { safeName } from "../format.ts";
import { Progress, stderrProgressOutput } from "../progress.ts";
import { downloadFile, PART_SUFFIX, type TransferEnv } from "../transfer/download.ts";
import { LocalFileError, localReason } from "../transfer/_io.ts";
import { uploadFile } from "../transfer/upload.ts";
import { type ShellCommand, type ShellContext, ShellUsageError } from "./command.ts";
import { localStat, remoteBaseName, remoteJoin, remoteStat, transferEnv } from "./_transfer.ts";

/** Most connections `--parallel` opens. */
export const MAX_PARALLEL = 8;

/** A file's size and modification time (ms). */
interface FileState {
  size: number;
  mtime: number;
}

/** A tree by relative path (`a/b.txt`): its files and directories (the root not included). */
interface Tree {
  files: Map<string, FileState>;
  dirs: Set<string>;
}

/** A file to copy, and why. */
interface Copy {
  path: string;
  reason: "new" | "changed";
  size: number;
}

/** Both sides of one mirror run. */
interface Sides {
  upload: boolean;
  /** Absolute local root. */
  local: string;
  /** Remote root as the server normalized it. */
  remote: string;
  /** How messages name the tree (the source's base name). */
  shown: string;
}

/** `mirror`: see the module doc. */
export const mirror: ShellCommand = {
  name: "mirror",
  usage: "mirror [-R] [OPTIONS] SOURCE [TARGET]",
  summary: "Copy only new and changed files of a remote tree here (-R: a local one there)",
  details: [
    "-R            upload: SOURCE is local, TARGET remote",
    "--delete      also delete what SOURCE lacks (asks; in scripts add --yes)",
    "--checksum    compare files of the same size by sha256",
    "--parallel N  copy N files at a time (up to 8 connections)",
    "-n, --dry-run say what would be copied and deleted, change nothing",
  ],
  flags: {
    reverse: { type: "boolean", short: "R" },
    delete: { type: "boolean" },
    yes: { type: "boolean", short: "y" },
    checksum: { type: "boolean" },
    parallel: { type: "string" },
    "dry-run": { type: "boolean", short: "n" },
  },
  args: { min: 1, max: 2 },
  paths: ["remote", "local"],
  async run(ctx, [source, target], flags) {
    const parallel = parseParallel(flags.parallel);
    const dryRun = flags["dry-run"] === true;
    const deleting = flags.delete === true;
    if (deleting && !dryRun && flags.yes !== true && !ctx.prompter.onTerminal) {
      throw new ShellUsageError("--delete in a script needs --yes");
    }
    const sides = flags.reverse === true
      ? await uploadSides(ctx, source!, target)
      : await downloadSides(ctx, source!, target);
    const began = performance.now();
    const [from, to] = await scan(ctx, sides);
    const copies = await plan(ctx, sides, from, to, flags.checksum === true);
    const doomed = deleting ? extraneous(from, to) : { files: [], dirs: [] };
    const unchanged = from.files.size - copies.length;
    const counts = (deleted: number) =>
      `${copies.filter((c) => c.reason === "new").length} new, ` +
      `${copies.filter((c) => c.reason === "changed").length} changed, ${deleted} deleted, ` +
      `${unchanged} unchanged`;

    if (dryRun) {
      const verb = sides.upload ? "put" : "get";
      for (const copy of copies) {
        ctx.print(
          `would ${verb} ${sides.shown}/${copy.path} (${copy.reason}, ${formatSize(copy.size)})`,
        );
      }
      for (const path of doomed.files) ctx.print(`would delete ${sides.shown}/${path}`);
      ctx.notice(`mirror ${sides.shown} (dry run): ${counts(doomed.files.length)}`);
      return;
    }
    let deleteConfirmed = doomed.files.length + doomed.dirs.length === 0 || flags.yes === true;
    if (!deleteConfirmed) {
      const where = sides.upload ? "on the server" : "here";
      const dirs = doomed.dirs.length ? ` and ${plural(doomed.dirs.length, "directory")}` : "";
      deleteConfirmed = await ctx.prompter.confirm(
        `Delete ${plural(doomed.files.length, "file")}${dirs} ${where} ` +
          `that are not in "${sides.shown}"?`,
      );
      if (!deleteConfirmed) ctx.notice("Nothing will be deleted");
    }

    await makeDirs(ctx, sides, from, to);
    const { bytes, failures } = await copyAll(ctx, sides, copies, parallel);
    const deleted = deleteConfirmed && failures.length === 0
      ? await deleteAll(ctx, sides, doomed)
      : 0;
    if (deleteConfirmed && failures.length > 0 && doomed.files.length > 0) {
      ctx.notice("Nothing deleted: some files failed to copy (run mirror again)");
    }
    const seconds = ((performance.now() - began) / 1000).toFixed(2);
    const line = `mirror ${sides.shown}: ${counts(deleted)} (${formatSize(bytes)} in ${seconds}s)`;
    if (failures.length > 0) {
      throw new Error(`${line}; ${failures.length} of ${copies.length} files failed`);
    }
    ctx.notice(line);
  },
};

/** `1 file`, `2 files`, `3 directories`. */
function plural(count: number, noun: string): string {
  if (count === 1) return `1 ${noun}`;
  return `${count} ${noun.endsWith("y") ? noun.slice(0, -1) + "ies" : noun + "s"}`;
}

function parseParallel(value: string | boolean | undefined): number {
  if (value === undefined) return 1;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > MAX_PARALLEL) {
    throw new ShellUsageError(`Invalid --parallel "${value}": expected 1 to ${MAX_PARALLEL}`);
  }
  return count;
}

async function downloadSides(
  ctx: ShellContext,
  source: string,
  target: string | undefined,
): Promise<Sides> {
  const found = await remoteStat(ctx, source);
  if (!found) throw new Error(`Cannot mirror "${source}": not found`);
  if (found.entry.type !== "dir") {
    throw new Error(`Cannot mirror "${found.path}": not a directory (use get)`);
  }
  const shown = remoteBaseName(found.path);
  const local = resolve(target ?? (shown === "/" ? "." : shown));
  const info = await localStat(local);
  if (info && !info.isDirectory) {
    throw new LocalFileError(`Cannot mirror into "${local}": not a directory`);
  }
  return { upload: false, local, remote: found.path, shown };
}

async function uploadSides(
  ctx: ShellContext,
  source: string,
  target: string | undefined,
): Promise<Sides> {
  const local = resolve(source);
  const info = await localStat(local);
  if (!info) throw new LocalFileError(`Cannot mirror "${source}": not found`);
  if (!info.isDirectory) {
    throw new LocalFileError(`Cannot mirror "${source}": not a directory (use put)`);
  }
  const shown = basename(local);
  const response = await ctx.connection.call("mkdir", { path: target ?? shown, parents: true });
  return { upload: true, local, remote: String(response.path), shown };
}

/** The source and target trees. */
async function scan(ctx: ShellContext, sides: Sides): Promise<[Tree, Tree]> {
  const remote = await remoteTree(ctx, sides.remote);
  const local = await localTree(ctx, sides.local);
  return sides.upload ? [local, remote] : [remote, local];
}

async function remoteTree(ctx: ShellContext, root: string): Promise<Tree> {
  const tree: Tree = { files: new Map(), dirs: new Set() };
  const walk = async (dir: string, prefix: string) => {
    const { entries } = await ctx.connection.list(dir);
    for (const entry of entries as Entry[]) {
      const path = prefix + entry.name;
      if (entry.type === "file") tree.files.set(path, { size: entry.size, mtime: entry.mtime });
      else if (entry.type === "dir") {
        tree.dirs.add(path);
        await walk(remoteJoin(dir, entry.name), path + "/");
      }
    }
  };
  await walk(root, "");
  return tree;
}

/** A local tree; partial downloads are not files of it, symlinked directories are skipped. */
async function localTree(ctx: ShellContext, root: string): Promise<Tree> {
  const tree: Tree = { files: new Map(), dirs: new Set() };
  if (!await localStat(root)) return tree;
  const walk = async (dir: string, prefix: string) => {
    let items: Deno.DirEntry[];
    try {
      items = await Array.fromAsync(Deno.readDir(dir));
    } catch (error) {
      throw new LocalFileError(`Cannot list local "${dir}": ${localReason(error)}`);
    }
    for (const item of items) {
      if (item.name.endsWith(PART_SUFFIX)) continue;
      const path = prefix + item.name;
      const info = await localStat(join(dir, item.name));
      if (info?.isFile) {
        tree.files.set(path, { size: info.size, mtime: info.mtime?.getTime() ?? 0 });
      } else if (info?.isDirectory && !item.isSymlink) {
        tree.dirs.add(path);
        await walk(join(dir, item.name), path + "/");
      } else {
        ctx.notice(`skipped ${path}: not a regular file or directory`);
      }
    }
  };
  await walk(root, "");
  return tree;
}

/** The source files the target lacks or has in another version, in path order. */
async function plan(
  ctx: ShellContext,
  sides: Sides,
  from: Tree,
  to: Tree,
  checksum: boolean,
): Promise<Copy[]> {
  const copies: Copy[] = [];
  for (const path of [...from.files.keys()].sort()) {
    const source = from.files.get(path)!;
    const target = to.files.get(path);
    let reason: Copy["reason"] | null;
    if (!target) reason = "new";
    else if (target.size !== source.size) reason = "changed";
    else if (checksum) reason = await sameContent(ctx, sides, path) ? null : "changed";
    else if (sides.upload) reason = target.mtime >= source.mtime ? null : "changed";
    else reason = seconds(target.mtime) === seconds(source.mtime) ? null : "changed";
    if (reason) copies.push({ path, reason, size: source.size });
  }
  return copies;
}

/** Times to the second: file systems keep mtimes at different precisions. */
function seconds(mtime: number): number {
  return Math.floor(mtime / 1000);
}

async function sameContent(ctx: ShellContext, sides: Sides, path: string): Promise<boolean> {
  const remote = await ctx.connection.call("checksum", { path: remoteJoin(sides.remote, path) });
  return String(remote.sha256) === await localSha256(join(sides.local, path));
}

async function localSha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  try {
    using file = await Deno.open(path);
    for await (const chunk of file.readable) hash.update(chunk);
  } catch (error) {
    throw new LocalFileError(`Cannot read "${path}": ${localReason(error)}`);
  }
  return hash.digest("hex");
}

/** Target files and top directories the source lacks. */
function extraneous(from: Tree, to: Tree): { files: string[]; dirs: string[] } {
  const dirs = [...to.dirs].filter((dir) => !from.dirs.has(dir)).sort();
  const topDirs = dirs.filter((dir) => !dirs.some((other) => dir.startsWith(other + "/")));
  const files = [...to.files.keys()].filter((path) => !from.files.has(path)).sort();
  return { files, dirs: topDirs };
}

/** Creates the target's missing directories (the root included). */
async function makeDirs(ctx: ShellContext, sides: Sides, from: Tree, to: Tree): Promise<void> {
  const missing = [...from.dirs].filter((dir) => !to.dirs.has(dir)).sort();
  if (sides.upload) {
    for (const dir of missing) {
      await ctx.connection.call("mkdir", { path: remoteJoin(sides.remote, dir), parents: true });
    }
    return;
  }
  try {
    await Deno.mkdir(sides.local, { recursive: true });
    for (const dir of missing) await Deno.mkdir(join(sides.local, dir), { recursive: true });
  } catch (error) {
    throw new LocalFileError(
      `Cannot create local directories in "${sides.local}": ${localReason(error)}`,
    );
  }
}

/**
 * Copies the files over `parallel` connections (the shell's and more, each
 * logged in again); a file's failure is said and the rest go on. Ctrl-C
 * (which interrupts the shell's connection) stops them all.
 */
async function copyAll(
  ctx: ShellContext,
  sides: Sides,
  copies: Copy[],
  parallel: number,
): Promise<{ bytes: number; failures: string[] }> {
  const connections = [ctx.connection];
  const extra: Connection[] = [];
  const wanted = Math.min(parallel, copies.length);
  let stopListening = () => {};
  try {
    for (let i = 1; i < wanted && ctx.openConnection; i++) {
      try {
        extra.push(await ctx.openConnection());
      } catch (error) {
        ctx.notice(
          `mirror: ${i} connections only (${error instanceof Error ? error.message : error})`,
        );
        break;
      }
    }
    connections.push(...extra);
    stopListening = ctx.connection.onInterrupt(() => {
      for (const connection of extra) connection.interrupt();
    });
    const base = transferEnv(ctx);
    // One bar can't show several files: in parallel, one line per file.
    const output = connections.length > 1
      ? { ...stderrProgressOutput(ctx.notice), live: false }
      : stderrProgressOutput(ctx.notice);
    const queue = [...copies];
    let bytes = 0;
    const failures: string[] = [];
    const worker = async (connection: Connection) => {
      const env: TransferEnv = {
        ...base,
        connection,
        progress: (options) => new Progress(output, options),
      };
      for (let copy = queue.shift(); copy; copy = queue.shift()) {
        const label = `${sides.shown}/${copy.path}`;
        try {
          // Not `bytes += await ...`: that reads bytes before the await, losing other workers' adds.
          const moved = await copyOne(env, sides, copy.path, label);
          bytes += moved;
        } catch (error) {
          if (error instanceof ConnectionLostError) {
            // One lost connection ends the run: the others would only race on.
            queue.length = 0;
            throw error;
          }
          failures.push(copy.path);
          ctx.notice(
            `error: ${safeName(label)}: ${error instanceof Error ? error.message : error}`,
          );
        }
      }
    };
    const results = await Promise.allSettled(connections.map(worker));
    const lost = results.find((result) => result.status === "rejected");
    if (lost) {
      const interrupted = results.find((result) =>
        result.status === "rejected" && result.reason instanceof InterruptedError
      );
      throw ((interrupted ?? lost) as PromiseRejectedResult).reason;
    }
    return { bytes, failures };
  } finally {
    stopListening();
    for (const connection of extra) {
      await connection.request("quit").catch(() => {});
      connection.close();
    }
  }
}

async function copyOne(
  env: TransferEnv,
  sides: Sides,
  path: string,
  label: string,
): Promise<number> {
  const local = join(sides.local, path);
  const remote = remoteJoin(sides.remote, path);
  if (sides.upload) return (await uploadFile(env, { local, remote, label })).moved;
  return (await downloadFile(env, { remote, local, resume: "auto", label })).moved;
}

/** Deletes what the source lacks; returns how many files went. */
async function deleteAll(
  ctx: ShellContext,
  sides: Sides,
  doomed: { files: string[]; dirs: string[] },
): Promise<number> {
  const underDir = (path: string) => doomed.dirs.some((dir) => path.startsWith(dir + "/"));
  for (const path of doomed.files.filter((path) => !underDir(path))) {
    if (sides.upload) await ctx.connection.call("rm", { path: remoteJoin(sides.remote, path) });
    else await removeLocal(join(sides.local, path), false);
  }
  for (const dir of doomed.dirs) {
    if (sides.upload) {
      await ctx.connection.call("rmdir", { path: remoteJoin(sides.remote, dir), recursive: true });
    } else await removeLocal(join(sides.local, dir), true);
  }
  return doomed.files.length;
}

async function removeLocal(path: string, recursive: boolean): Promise<void> {
  try {
    await Deno.remove(path, { recursive });
  } catch (error) {
    throw new LocalFileError(`Cannot delete "${path}": ${localReason(error)}`);
  }
}
