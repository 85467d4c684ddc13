/** Directories: OPENDIR, READDIR (batches with `ls -l` long names), MKDIR, RMDIR. */

import type { Entry } from "../../../../protocol/messages.ts";
import { SSH_FX } from "../../../core/errors.ts";
import { SFTP_READDIR_BATCH } from "../../../core/limits.ts";
import { FXP, PacketWriter, statusPacket } from "../wire.ts";
import { attrsOf, modeOf, ok, pathOf, type RequestSpec } from "./request.ts";

/** OPENDIR: reads the whole listing now (bounded by `max_list_entries`), hands it out by READDIR. */
export const OPENDIR: RequestSpec = {
  name: "opendir",
  async handler(ctx, payload) {
    const raw = payload.string();
    ctx.handles.requireRoom();
    const { path, listing } = await ctx.services.files.list(ctx.session, pathOf(ctx, raw));
    try {
      const handle = ctx.handles.add({ kind: "dir", path, listing, next: 0 });
      return new PacketWriter(FXP.HANDLE, 16).uint32(ctx.id).string(handle).finish();
    } catch (error) {
      listing.close();
      throw error;
    }
  },
};

/** READDIR: the next batch, then EOF. */
export const READDIR: RequestSpec = {
  name: "readdir",
  handler(ctx, payload) {
    const handle = ctx.handles.get(payload.string(), "dir");
    const { listing } = handle;
    const end = Math.min(handle.next + SFTP_READDIR_BATCH, listing.length);
    if (handle.next >= end) {
      return Promise.resolve(statusPacket(ctx.id, SSH_FX.EOF, "End of directory"));
    }
    const batch: Entry[] = [];
    for (; handle.next < end; handle.next++) batch.push(listing.entry(handle.next));
    // All handed out: the budget's share goes back now, not when the client closes the handle.
    if (handle.next === listing.length) listing.close();
    const now = Date.now();
    const packet = new PacketWriter(FXP.NAME, batch.length * 120).uint32(ctx.id).uint32(
      batch.length,
    );
    for (const entry of batch) {
      packet.string(entry.name).string(longName(entry, ctx.session.account?.name ?? "ftpx", now));
      packet.attrs(attrsOf(entry));
    }
    return Promise.resolve(packet.finish());
  },
};

/** MKDIR. */
export const MKDIR: RequestSpec = {
  name: "mkdir",
  async handler(ctx, payload) {
    const path = pathOf(ctx, payload.string());
    payload.attrs();
    await ctx.services.files.mkdir(ctx.session, path);
    return ok(ctx);
  },
};

/** RMDIR: an empty directory only, as in SFTP. */
export const RMDIR: RequestSpec = {
  name: "rmdir",
  async handler(ctx, payload) {
    await ctx.services.files.removeDirectory(ctx.session, pathOf(ctx, payload.string()));
    return ok(ctx);
  },
};

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const SIX_MONTHS_MS = 182 * 24 * 3600 * 1000;

/**
 * `ls -l` style, as OpenSSH's sftp-server writes it and its client prints
 * it: `-rw-r--r--    1 alice    alice        1234 Jan 02 15:04 name`.
 * Control characters in a name (a host file's) are shown as `?`.
 */
export function longName(entry: Entry, owner: string, now: number): string {
  const mode = modeOf(entry);
  const kind = entry.type === "dir" ? "d" : entry.type === "link" ? "l" : "-";
  let bits = "";
  for (let shift = 6; shift >= 0; shift -= 3) {
    const part = (mode >> shift) & 7;
    bits += (part & 4 ? "r" : "-") + (part & 2 ? "w" : "-") + (part & 1 ? "x" : "-");
  }
  const date = new Date(entry.mtime);
  const day = String(date.getUTCDate()).padStart(2, "0");
  const recent = Math.abs(now - entry.mtime) < SIX_MONTHS_MS;
  const when = recent
    ? `${String(date.getUTCHours()).padStart(2, "0")}:${
      String(date.getUTCMinutes()).padStart(2, "0")
    }`
    : ` ${date.getUTCFullYear()}`;
  const user = owner.slice(0, 8).padEnd(8);
  // deno-lint-ignore no-control-regex
  const name = entry.name.replace(/[\u0000-\u001f\u007f]/g, "?");
  return `${kind}${bits}    1 ${user} ${user} ${String(entry.size).padStart(8)} ` +
    `${MONTHS[date.getUTCMonth()]} ${day} ${when} ${name}`;
}
