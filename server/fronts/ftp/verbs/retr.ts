import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** RETR: send a file, from the REST offset if one was set (resumed downloads). */
export const retr = defineVerb({
  name: "RETR",
  syntax: "RETR <path>",
  auth: "user",
  arg: "required",
  data: true,
  async handler(ctx, path) {
    const { session, services } = ctx;
    const offset = session.restartOffset;
    session.restartOffset = 0;
    const download = await services.files.download(session, path, { offset });
    const target = download.path;
    session.startTransfer({
      description: `RETR ${target}`,
      opening: `Opening ${session.type === "I" ? "BINARY" : "ASCII"} mode data connection for ` +
        `${target} (${download.length} bytes${offset > 0 ? ` from byte ${offset}` : ""})`,
      subject: { direction: "download", path: target, offset, total: download.identity.size },
      run: async (data, report) => {
        const sent = await download.sendTo(data, { onProgress: report });
        return reply(Code.TRANSFER_COMPLETE, `Transfer complete (${sent} bytes)`);
      },
      end: () => download.close(),
    });
    return undefined;
  },
});
