/**
 * File identity for resuming: size, modification time and a content tag
 * derived from where the bytes live (device, inode) and when they last
 * changed. Replacing a file (a new inode) or rewriting it (a new mtime or
 * size) changes the tag; reading it does not.
 */

import { createHash } from "node:crypto";
import type { FileIdentity } from "../../../protocol/messages.ts";
import type { FileVersion } from "../../store/mod.ts";

/** The version of a file `info` describes: the key of its cached digest. */
export function fileVersion(info: Deno.FileInfo): FileVersion {
  return { dev: info.dev, ino: info.ino ?? 0, size: info.size, mtime: info.mtime?.getTime() ?? 0 };
}

/** The identity of the file version `info` describes. */
export function fileIdentity(info: Deno.FileInfo): FileIdentity {
  const mtime = info.mtime?.getTime() ?? 0;
  const tag = createHash("sha256")
    .update(`${info.dev}:${info.ino ?? 0}:${info.size}:${mtime}`)
    .digest("hex")
    .slice(0, 16);
  return { size: info.size, mtime, tag };
}
