/**
 * The SFTP request table: each packet type with its handler. The session
 * (`session.ts`) reads a packet, finds its type here, and runs the handler
 * after the checks every request shares (the session is still valid, the
 * packet parses); a type not here is answered OP_UNSUPPORTED.
 *
 * @module
 */

import { FXP } from "../wire.ts";
import { FSETSTAT, FSTAT, LSTAT, SETSTAT, STAT } from "./attrs.ts";
import { MKDIR, OPENDIR, READDIR, RMDIR } from "./dirs.ts";
import { EXTENSIONS } from "./extensions.ts";
import { CLOSE, OPEN, READ, WRITE } from "./files.ts";
import { READLINK, REALPATH, REMOVE, RENAME, SYMLINK } from "./names.ts";
import { OperationError } from "../../../core/errors.ts";
import type { RequestSpec } from "./request.ts";

export { endHandle } from "./files.ts";
export { EXTENSIONS } from "./extensions.ts";
export type { RequestContext, RequestSpec } from "./request.ts";

/** EXTENDED: dispatched by the extension's name. */
const EXTENDED: RequestSpec = {
  name: "extended",
  handler(ctx, payload) {
    const name = payload.string();
    const extension = EXTENSIONS.get(name);
    if (!extension) {
      return Promise.reject(
        new OperationError("unknown_operation", `Unknown extension "${name.slice(0, 64)}"`),
      );
    }
    return extension.handler(ctx, payload);
  },
};

/** Every request type, by packet type. */
export const REQUESTS: ReadonlyMap<number, RequestSpec> = new Map([
  [FXP.OPEN, OPEN],
  [FXP.CLOSE, CLOSE],
  [FXP.READ, READ],
  [FXP.WRITE, WRITE],
  [FXP.LSTAT, LSTAT],
  [FXP.FSTAT, FSTAT],
  [FXP.SETSTAT, SETSTAT],
  [FXP.FSETSTAT, FSETSTAT],
  [FXP.OPENDIR, OPENDIR],
  [FXP.READDIR, READDIR],
  [FXP.REMOVE, REMOVE],
  [FXP.MKDIR, MKDIR],
  [FXP.RMDIR, RMDIR],
  [FXP.REALPATH, REALPATH],
  [FXP.STAT, STAT],
  [FXP.RENAME, RENAME],
  [FXP.READLINK, READLINK],
  [FXP.SYMLINK, SYMLINK],
  [FXP.EXTENDED, EXTENDED],
]);
