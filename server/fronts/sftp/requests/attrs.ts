/**
 * Attributes: STAT, LSTAT, FSTAT, SETSTAT, FSETSTAT. Symlinks inside the
 * home are shown as what they point to (LSTAT is STAT: ftpx exposes no
 * links). SETSTAT applies a modification time; permissions, owners and
 * access times are accepted and ignored (ftpx keeps none per file); a size
 * change (truncate) is refused unless it changes nothing.
 */

import { OperationError } from "../../../core/errors.ts";
import type { Attrs } from "../wire.ts";
import {
  attrsOf,
  attrsPacket,
  ok,
  pathOf,
  type RequestContext,
  type RequestSpec,
} from "./request.ts";

async function statPath(ctx: RequestContext, raw: string): Promise<Uint8Array> {
  const { entry } = await ctx.services.files.stat(ctx.session, pathOf(ctx, raw));
  return attrsPacket(ctx, attrsOf(entry));
}

/** STAT. */
export const STAT: RequestSpec = {
  name: "stat",
  handler: (ctx, payload) => statPath(ctx, payload.string()),
};

/** LSTAT: the same as STAT (no links are exposed). */
export const LSTAT: RequestSpec = {
  name: "lstat",
  handler: (ctx, payload) => statPath(ctx, payload.string()),
};

/** FSTAT: an open file's attributes (for an upload, its size so far). */
export const FSTAT: RequestSpec = {
  name: "fstat",
  async handler(ctx, payload) {
    const handle = ctx.handles.get(payload.string());
    if (handle.kind === "read") {
      const { size, mtime } = handle.download.identity;
      return attrsPacket(ctx, attrsOf({ name: "", type: "file", size, mtime }));
    }
    if (handle.kind === "write") {
      const seconds = Math.floor(Date.now() / 1000);
      return attrsPacket(ctx, {
        size: handle.upload.size,
        permissions: 0o100644,
        atime: seconds,
        mtime: seconds,
      });
    }
    return await statPath(ctx, handle.path);
  },
};

/** SETSTAT: a modification time applies; see the module documentation. */
export const SETSTAT: RequestSpec = {
  name: "setstat",
  async handler(ctx, payload) {
    const path = pathOf(ctx, payload.string());
    const attrs = payload.attrs();
    const { entry } = await ctx.services.files.stat(ctx.session, path);
    refuseResize(path, attrs, entry.size);
    if (attrs.mtime !== undefined) {
      await ctx.services.files.setModified(ctx.session, path, attrs.mtime * 1000);
    }
    return ok(ctx);
  },
};

/** FSETSTAT: as SETSTAT; on an upload the time applies once it is committed (`put -p`). */
export const FSETSTAT: RequestSpec = {
  name: "fsetstat",
  async handler(ctx, payload) {
    const handle = ctx.handles.get(payload.string());
    const attrs = payload.attrs();
    if (handle.kind === "write") {
      refuseResize(handle.path, attrs, handle.upload.size);
      if (attrs.mtime !== undefined) handle.upload.setModifiedAfterCommit(attrs.mtime * 1000);
      return ok(ctx);
    }
    const size = handle.kind === "read" ? handle.download.identity.size : 0;
    if (handle.kind === "read") refuseResize(handle.path, attrs, size);
    if (attrs.mtime !== undefined) {
      await ctx.services.files.setModified(ctx.session, handle.path, attrs.mtime * 1000);
    }
    return ok(ctx);
  },
};

function refuseResize(path: string, attrs: Attrs, size: number): void {
  if (attrs.size !== undefined && attrs.size !== size) {
    throw new OperationError(
      "unknown_operation",
      `Cannot change the size of "${path}": files are replaced whole, never truncated in place`,
    );
  }
}
