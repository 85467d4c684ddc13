/** What the transfer commands share: their environment, target names and overwrite checks. */

import { basename, join, resolve } from "node:path";
import type { Entry } from "../../protocol/messages.ts";
import { Status } from "../../protocol/status.ts";
import { RemoteError } from "../connection.ts";
import { Progress, stderrProgressOutput } from "../progress.ts";
import { ResumeStore } from "../resume_store.ts";
import { LocalFileError, localReason } from "../transfer/_io.ts";
import type { TransferEnv } from "../transfer/download.ts";
import type { ShellContext } from "./command.ts";

/** The transfer environment of a shell. */
export function transferEnv(ctx: ShellContext): TransferEnv {
  return {
    connection: ctx.connection,
    user: ctx.user,
    store: ResumeStore.default(),
    progress: (options) => new Progress(stderrProgressOutput(ctx.notice), options),
    notice: ctx.notice,
  };
}

/** Describes a remote path: its normalized path and entry, or null if it does not exist. */
export async function remoteStat(
  ctx: ShellContext,
  path: string,
): Promise<{ path: string; entry: Entry } | null> {
  const response = await ctx.connection.request("stat", { path });
  if (response.status === Status.NOT_FOUND) return null;
  if (response.status !== Status.OK) throw new RemoteError(response.status, response.message);
  return { path: String(response.path), entry: response.entry as Entry };
}

/** Joins a remote directory and a name. */
export function remoteJoin(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir.replace(/\/+$/, "")}/${name}`;
}

/** The last name of a remote path. */
export function remoteBaseName(path: string): string {
  return path.replace(/\/+$/, "").split("/").pop() || "/";
}

/** Info about a local path, or null if it does not exist. */
export async function localStat(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return null;
    }
    // Permission denied, a symlink loop...: say which, not "not found".
    throw new LocalFileError(`Cannot read "${path}": ${localReason(error)}`);
  }
}

/** The absolute local target for a remote file named `name`: LOCAL, LOCAL/name if a directory, or ./name. */
export async function localTarget(name: string, local: string | undefined): Promise<string> {
  if (local === undefined) return resolve(name);
  if ((await localStat(local))?.isDirectory) return join(resolve(local), name);
  return resolve(local);
}

/**
 * The absolute local target for downloading the remote file `name`, as
 * {@linkcode localTarget}; a LOCAL ending in "/" names a directory, so it must be one.
 */
export async function localFileTarget(name: string, local: string | undefined): Promise<string> {
  const target = await localTarget(name, local);
  if (local?.endsWith("/") && target === resolve(local)) {
    throw new LocalFileError(`Cannot download to "${local}": not a local directory`);
  }
  return target;
}

/**
 * Decides whether a download may write `target`. A missing file is fine; an
 * existing one needs `force`, or a yes on a terminal; in a script it is an
 * error. Returns false when the user said no (skip the file).
 */
export async function mayOverwrite(
  ctx: ShellContext,
  target: string,
  force: boolean,
  hint = "",
): Promise<boolean> {
  const info = await localStat(target);
  if (!info) return true;
  if (info.isDirectory) throw new Error(`Cannot write "${target}": is a directory`);
  if (force) return true;
  if (ctx.prompter.onTerminal) {
    if (await ctx.prompter.confirm(`Local file "${basename(target)}" exists. Overwrite?`)) {
      return true;
    }
    ctx.notice(`skipped ${target}`);
    return false;
  }
  throw new Error(`Local file "${target}" exists: use -f to overwrite${hint}`);
}
