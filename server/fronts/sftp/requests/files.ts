/**
 * Open files: OPEN, READ, WRITE, CLOSE. A file opened for reading is one
 * ranged download read at any position (OpenSSH pipelines up to 64 READs);
 * a file opened for writing is an upload to a hidden partial, committed at
 * CLOSE (`upload_handle.ts`).
 */

import { OperationError, SSH_FX } from "../../../core/errors.ts";
import { SFTP_MAX_DATA_BYTES } from "../../../core/limits.ts";
import { TransferRecord } from "../../../core/transfer/mod.ts";
import type { Handle } from "../handles.ts";
import { UploadHandle, type UploadStart } from "../upload_handle.ts";
import { dataPacket, FXP, OPEN_FLAGS, PacketWriter, statusPacket } from "../wire.ts";
import { ok, pathOf, type RequestContext, type RequestSpec } from "./request.ts";

function handlePacket(ctx: RequestContext, handle: string): Uint8Array {
  return new PacketWriter(FXP.HANDLE, 16).uint32(ctx.id).string(handle).finish();
}

/** OPEN: a file for reading, or for writing (with CREAT, TRUNC, APPEND, EXCL as SFTP means them). */
export const OPEN: RequestSpec = {
  name: "open",
  async handler(ctx, payload) {
    const path = pathOf(ctx, payload.string());
    const flags = payload.uint32();
    payload.attrs(); // Permissions for a new file: ftpx keeps none per file.
    ctx.handles.requireRoom();
    const { files, log, sessions } = ctx.services;
    if (!(flags & (OPEN_FLAGS.READ | OPEN_FLAGS.WRITE | OPEN_FLAGS.APPEND))) {
      throw new OperationError(
        "bad_request",
        `Cannot open "${path}": neither for reading nor writing`,
      );
    }
    if (!(flags & (OPEN_FLAGS.WRITE | OPEN_FLAGS.APPEND))) {
      const download = await files.download(ctx.session, path);
      const record = new TransferRecord({ log, sessions }, ctx.session, {
        direction: "download",
        path: download.path,
        total: download.identity.size,
      });
      return handlePacket(
        ctx,
        ctx.handles.add({ kind: "read", path: download.path, download, record, sent: 0 }),
      );
    }
    const upload = new UploadHandle(
      {
        files,
        session: ctx.session,
        record: (offset) =>
          new TransferRecord({ log, sessions }, ctx.session, { direction: "upload", path, offset }),
      },
      path,
      await uploadStart(ctx, path, flags),
    );
    await upload.prepare();
    return handlePacket(ctx, ctx.handles.add({ kind: "write", path, upload }));
  },
};

/** How writing starts, from the open flags and what is at the path now. */
async function uploadStart(ctx: RequestContext, path: string, flags: number): Promise<UploadStart> {
  const existing = await ctx.services.files.stat(ctx.session, path).then(
    ({ entry }) => entry,
    (error) => {
      if (error instanceof OperationError && error.kind === "not_found") return null;
      throw error;
    },
  );
  if (existing === null) {
    if (!(flags & OPEN_FLAGS.CREAT)) {
      throw new OperationError("not_found", `Cannot open "${path}": not found`);
    }
    return { mode: "new" };
  }
  if (existing.type === "dir") {
    throw new OperationError("is_a_directory", `Cannot write "${path}": is a directory`);
  }
  if (flags & OPEN_FLAGS.EXCL && flags & OPEN_FLAGS.CREAT) {
    throw new OperationError("exists", `Cannot create "${path}": already exists`);
  }
  if (flags & OPEN_FLAGS.TRUNC) return { mode: "new" };
  if (flags & OPEN_FLAGS.APPEND) return { mode: "append", size: existing.size };
  return { mode: "decide", size: existing.size };
}

/** READ: up to `length` bytes at `offset`; EOF at or past the end. */
export const READ: RequestSpec = {
  name: "read",
  async handler(ctx, payload) {
    const handle = ctx.handles.get(payload.string());
    const offset = payload.uint64();
    const length = Math.min(payload.uint32(), SFTP_MAX_DATA_BYTES);
    if (handle.kind !== "read") {
      throw new OperationError(
        "unknown_operation",
        `Cannot read "${handle.path}": it is open for writing only`,
      );
    }
    const data = dataPacket(ctx.id, length);
    const count = length === 0 ? 0 : await handle.download.readAt(data.body, offset);
    if (count === 0 && length > 0) return statusPacket(ctx.id, SSH_FX.EOF, "End of file");
    handle.sent += count;
    handle.record.progress(handle.sent);
    return data.finish(count);
  },
};

/** WRITE: `data` at `offset`, in the order the upload model takes (`upload_handle.ts`). */
export const WRITE: RequestSpec = {
  name: "write",
  async handler(ctx, payload) {
    const handle = ctx.handles.get(payload.string());
    const offset = payload.uint64();
    const data = payload.bytes();
    if (handle.kind !== "write") {
      throw new OperationError(
        "forbidden",
        `Cannot write "${handle.path}": it is open for reading only`,
      );
    }
    await handle.upload.write(offset, data);
    return ok(ctx);
  },
};

/** CLOSE: ends a handle; for an upload, commits it (its errors are CLOSE's). */
export const CLOSE: RequestSpec = {
  name: "close",
  async handler(ctx, payload) {
    await endHandle(ctx.handles.take(payload.string()), "close");
    return ok(ctx);
  },
};

/**
 * Ends a handle: a download is closed (and logged), an upload committed on
 * `close` or discarded when the session ends without closing it.
 */
export async function endHandle(handle: Handle, how: "close" | "lost"): Promise<void> {
  switch (handle.kind) {
    case "read":
      handle.download.close();
      handle.record.end(how === "close" ? "complete" : "aborted");
      return;
    case "write":
      if (how === "close") await handle.upload.commit();
      else await handle.upload.abort();
      return;
    case "dir":
      handle.listing.close();
      return;
  }
}
