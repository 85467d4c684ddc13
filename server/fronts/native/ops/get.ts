import { TransferRecord } from "../../../core/transfer/mod.ts";
import { defineOperation } from "./operation.ts";

/** `get`: send a byte range of a file as the reply's body, with the file's identity. */
export const get = defineOperation({
  name: "get",
  summary: "Download bytes [offset, offset+length) of a file (tag: only if unchanged)",
  auth: "user",
  args: { path: "path", offset: "int?", length: "int?", tag: "string?" },
  async handler(ctx, { path, offset, length, tag }) {
    const { services, session } = ctx;
    const download = await services.files.download(session, path, {
      ...(offset !== undefined ? { offset } : {}),
      ...(length !== undefined ? { length } : {}),
      ...(tag !== undefined ? { tag } : {}),
    });
    const record = new TransferRecord(services, session, {
      direction: "download",
      path: download.path,
      offset: download.offset,
      total: download.identity.size,
    });
    try {
      await ctx.sendReply({
        message:
          `Sending ${download.length} bytes of "${download.path}" from byte ${download.offset}`,
        path: download.path,
        ...download.identity,
        offset: download.offset,
        ...(download.sha256 !== null ? { sha256: download.sha256 } : {}),
        body: download.length,
      });
      await download.sendTo(ctx.sink, { onProgress: (n) => record.progress(n) });
      record.end("complete");
    } catch (error) {
      record.end("aborted");
      throw error;
    } finally {
      download.close();
    }
    return {};
  },
});
