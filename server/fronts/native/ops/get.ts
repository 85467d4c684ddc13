import { openDownload, TransferActivity } from "../../../core/transfer/mod.ts";
import { defineOperation, loggedIn } from "./operation.ts";

/** `get`: send a byte range of a file as the reply's body, with the file's identity. */
export const get = defineOperation({
  name: "get",
  summary: "Download bytes [offset, offset+length) of a file (tag: only if unchanged)",
  auth: "user",
  args: { path: "path", offset: "int?", length: "int?", tag: "string?" },
  async handler(ctx, { path, offset, length, tag }) {
    const { vfs, account } = loggedIn(ctx);
    const { services, session } = ctx;
    const target = vfs.normalize(session.cwd, path);
    const download = await openDownload(vfs, services.transfers.hashes, target, {
      ...(offset !== undefined ? { offset } : {}),
      ...(length !== undefined ? { length } : {}),
      ...(tag !== undefined ? { tag } : {}),
    });
    const activity = new TransferActivity(services.sessions, session.id, {
      label: `get ${target}`,
      start: download.offset,
      total: download.identity.size,
    });
    try {
      await ctx.sendReply({
        message: `Sending ${download.length} bytes of "${target}" from byte ${download.offset}`,
        path: target,
        ...download.identity,
        offset: download.offset,
        ...(download.sha256 !== null ? { sha256: download.sha256 } : {}),
        body: download.length,
      });
      const started = performance.now();
      const sent = await download.sendTo(ctx.sink, { onProgress: (n) => activity.update(n) });
      services.log.info("download", {
        peer: session.peer,
        user: account.name,
        path: target,
        offset: download.offset,
        bytes: sent,
        ms: Math.round(performance.now() - started),
      });
    } finally {
      activity.end();
      download.close();
    }
    return {};
  },
});
