/**
 * File identity for resuming: size, modification time and a content tag
 * derived from the file's version (where the bytes live and when they last
 * changed). Replacing a file (a new inode) or rewriting it (a new mtime or
 * size) changes the tag; reading it does not.
 */

import { createHash } from "node:crypto";
import type { FileIdentity } from "../../../protocol/messages.ts";
import type { StoredFile } from "../../storage/mod.ts";
import type { FileVersion } from "../../store/mod.ts";

/** The identity of the file version `info` describes. */
export function fileIdentity(info: StoredFile): FileIdentity {
  const { dev, ino, size, mtime } = info.version;
  const tag = createHash("sha256").update(`${dev}:${ino}:${size}:${mtime}`).digest("hex").slice(
    0,
    16,
  );
  return { size: info.size, mtime: info.mtime, tag };
}

/** The version of a file `info` describes: the key of its cached digest. */
export function fileVersion(info: StoredFile): FileVersion {
  return info.version;
}
