/**
 * Names: REMOVE, RENAME, REALPATH, READLINK, SYMLINK. RENAME is SFTP v3's:
 * it refuses an existing target (posix-rename@openssh.com, in
 * `extensions.ts`, replaces a file). Links are refused: ftpx creates none and
 * shows none, so nothing a client does can point a name out of its home.
 */

import { OperationError } from "../../../core/errors.ts";
import { ok, onePathPacket, pathOf, type RequestContext, type RequestSpec } from "./request.ts";

/** REMOVE: a file. */
export const REMOVE: RequestSpec = {
  name: "remove",
  async handler(ctx, payload) {
    await ctx.services.files.removeFile(ctx.session, pathOf(ctx, payload.string()));
    return ok(ctx);
  },
};

/**
 * Renames `from` to `to`. With `replace`, a file at `to` is replaced
 * (POSIX rename); without, anything there is an error (SFTP v3). A
 * directory at `to` is always an error: FileService would move into it,
 * which neither SFTP rename means.
 */
export async function rename(
  ctx: RequestContext,
  from: string,
  to: string,
  options: { replace: boolean },
): Promise<Uint8Array> {
  const { files } = ctx.services;
  const source = pathOf(ctx, from);
  const target = pathOf(ctx, to);
  await files.renameSource(ctx.session, source);
  const existing = await files.stat(ctx.session, target).then(({ entry }) => entry, (error) => {
    if (error instanceof OperationError && error.kind === "not_found") return null;
    throw error;
  });
  if (existing !== null && source !== target && (!options.replace || existing.type === "dir")) {
    throw new OperationError("exists", `Cannot rename "${source}" to "${target}": it exists`);
  }
  await files.rename(ctx.session, source, target);
  return ok(ctx);
}

/** RENAME (SFTP v3: never over an existing name). */
export const RENAME: RequestSpec = {
  name: "rename",
  handler: (ctx, payload) => rename(ctx, payload.string(), payload.string(), { replace: false }),
};

/** REALPATH: the normalized absolute path (the home is `/`); it need not exist. */
export const REALPATH: RequestSpec = {
  name: "realpath",
  handler: (ctx, payload) => Promise.resolve(onePathPacket(ctx, pathOf(ctx, payload.string()))),
};

/** READLINK: refused; ftpx shows no links. */
export const READLINK: RequestSpec = {
  name: "readlink",
  handler: () =>
    Promise.reject(
      new OperationError("unknown_operation", "Links are not supported: readlink refused"),
    ),
};

/** SYMLINK: refused; a link is the classic way out of a jail. */
export const SYMLINK: RequestSpec = {
  name: "symlink",
  handler: () =>
    Promise.reject(
      new OperationError("unknown_operation", "Links are not supported: symlink refused"),
    ),
};
