/**
 * EXTENDED requests, by name: the OpenSSH extensions ftpx supports (and
 * advertises in VERSION), and hardlink@openssh.com, refused by name.
 */

import { OperationError } from "../../../core/errors.ts";
import { MAX_NAME_BYTES } from "../../../../protocol/limits.ts";
import {
  SFTP_MAX_DATA_BYTES,
  SFTP_MAX_OPEN_HANDLES,
  SFTP_MAX_PACKET_BYTES,
} from "../../../core/limits.ts";
import { FXP, PacketWriter, type PayloadReader } from "../wire.ts";
import { rename } from "./names.ts";
import { ok, onePathPacket, pathOf, type RequestContext } from "./request.ts";

/** One extension: its version string in VERSION (null: not advertised) and handler. */
export interface ExtensionSpec {
  version: string | null;
  handler: (ctx: RequestContext, payload: PayloadReader) => Promise<Uint8Array>;
}

/** Block size statvfs reports. */
const BLOCK_BYTES = 4096;
/** Free space reported without a quota: the disk is not measured (no statfs), so a large figure. */
const UNLIMITED_FREE_BYTES = 2 ** 50;

/** statvfs: the user's quota as the file system's size, what is left of it as free. */
async function statvfs(ctx: RequestContext): Promise<Uint8Array> {
  const { used, reserved, quota } = await ctx.services.files.usage(ctx.session);
  const taken = used + reserved;
  const total = quota > 0 ? Math.max(quota, taken) : taken + UNLIMITED_FREE_BYTES;
  const free = Math.max(0, total - taken);
  const blocks = Math.ceil(total / BLOCK_BYTES);
  const freeBlocks = Math.floor(free / BLOCK_BYTES);
  const files = 1_000_000_000;
  return new PacketWriter(FXP.EXTENDED_REPLY, 96)
    .uint32(ctx.id)
    .uint64(BLOCK_BYTES) // f_bsize
    .uint64(BLOCK_BYTES) // f_frsize
    .uint64(blocks)
    .uint64(freeBlocks) // f_bfree
    .uint64(freeBlocks) // f_bavail
    .uint64(files)
    .uint64(files) // f_ffree
    .uint64(files) // f_favail
    .uint64(0) // f_fsid
    .uint64(0) // f_flag
    .uint64(MAX_NAME_BYTES) // f_namemax
    .finish();
}

/** The extensions, by request name. */
export const EXTENSIONS: ReadonlyMap<string, ExtensionSpec> = new Map<string, ExtensionSpec>([
  ["posix-rename@openssh.com", {
    version: "1",
    handler: (ctx, payload) => rename(ctx, payload.string(), payload.string(), { replace: true }),
  }],
  ["statvfs@openssh.com", {
    version: "2",
    handler: async (ctx, payload) => {
      await ctx.services.files.stat(ctx.session, pathOf(ctx, payload.string()));
      return await statvfs(ctx);
    },
  }],
  ["fstatvfs@openssh.com", {
    version: "2",
    handler: (ctx, payload) => {
      ctx.handles.get(payload.string());
      return statvfs(ctx);
    },
  }],
  // An upload becomes the file only at CLOSE, when it is committed whole: until then there is
  // nothing a reader could see, so fsync has nothing to promise and answers OK.
  ["fsync@openssh.com", {
    version: "1",
    handler: (ctx, payload) => {
      ctx.handles.get(payload.string());
      return Promise.resolve(ok(ctx));
    },
  }],
  ["limits@openssh.com", {
    version: "1",
    handler: (ctx) =>
      Promise.resolve(
        new PacketWriter(FXP.EXTENDED_REPLY, 40)
          .uint32(ctx.id)
          .uint64(SFTP_MAX_PACKET_BYTES)
          .uint64(SFTP_MAX_DATA_BYTES)
          .uint64(SFTP_MAX_DATA_BYTES)
          .uint64(SFTP_MAX_OPEN_HANDLES)
          .finish(),
      ),
  }],
  ["expand-path@openssh.com", {
    version: "1",
    handler: (ctx, payload) => Promise.resolve(onePathPacket(ctx, pathOf(ctx, payload.string()))),
  }],
  ["hardlink@openssh.com", {
    version: null,
    handler: () =>
      Promise.reject(
        new OperationError("unknown_operation", "Links are not supported: hardlink refused"),
      ),
  }],
]);
