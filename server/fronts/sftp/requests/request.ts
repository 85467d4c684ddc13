/**
 * What every SFTP request handler gets and returns. A handler reads its
 * fields from the payload, calls the FileService, and returns the reply
 * packet; it throws to refuse (the session turns the error into a STATUS
 * through ERROR_TABLE's SFTP column, once, for every request).
 */

import type { Entry } from "../../../../protocol/messages.ts";
import { SSH_FX } from "../../../core/errors.ts";
import type { Services } from "../../../core/services.ts";
import type { UserSession } from "../../../core/session.ts";
import type { HandleTable } from "../handles.ts";
import { type Attrs, FXP, PacketWriter, type PayloadReader, statusPacket } from "../wire.ts";

/** One request's surroundings. */
export interface RequestContext {
  services: Services;
  session: UserSession;
  handles: HandleTable;
  /** The request id, echoed in the reply. */
  id: number;
}

/** Handles one request type. */
export type RequestHandler = (ctx: RequestContext, payload: PayloadReader) => Promise<Uint8Array>;

/** A request type: its name (for logs) and handler. */
export interface RequestSpec {
  name: string;
  handler: RequestHandler;
}

/** STATUS OK. */
export function ok(ctx: RequestContext): Uint8Array {
  return statusPacket(ctx.id, SSH_FX.OK, "OK");
}

/** A path from a request: SFTP paths are the client's, resolved against the home ("/"). */
export function pathOf(ctx: RequestContext, raw: string): string {
  return ctx.services.files.path(ctx.session, raw === "" ? "." : raw);
}

/** Mode bits SFTP reports: what the type is, with fixed permissions (ftpx keeps none per file). */
export function modeOf(entry: Entry): number {
  switch (entry.type) {
    case "dir":
      return 0o040755;
    case "link":
      return 0o120777;
    case "file":
      return 0o100644;
    default:
      return 0o100000;
  }
}

/** An entry's attributes. */
export function attrsOf(entry: Entry): Attrs {
  const seconds = Math.max(0, Math.floor(entry.mtime / 1000));
  return { size: entry.size, permissions: modeOf(entry), atime: seconds, mtime: seconds };
}

/** An ATTRS reply. */
export function attrsPacket(ctx: RequestContext, attrs: Attrs): Uint8Array {
  return new PacketWriter(FXP.ATTRS, 40).uint32(ctx.id).attrs(attrs).finish();
}

/** A NAME reply with one name (REALPATH). */
export function onePathPacket(ctx: RequestContext, path: string): Uint8Array {
  return new PacketWriter(FXP.NAME, 32 + path.length * 3)
    .uint32(ctx.id)
    .uint32(1)
    .string(path)
    .string(path)
    .attrs({})
    .finish();
}
