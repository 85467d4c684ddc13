import { Code } from "../codes.ts";
import { formatTimeVal, parseTimeVal } from "../listing.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/**
 * MFMT: set a file's modification time (draft-somers-ftp-mfxx), so mirroring
 * clients (lftp `mirror -R`) keep the local times: `MFMT 20240131120000 a.txt`.
 */
export const mfmt = defineVerb({
  name: "MFMT",
  syntax: "MFMT <YYYYMMDDHHMMSS> <path>",
  auth: "user",
  arg: "required",
  feat: () => ["MFMT"],
  async handler(ctx, arg) {
    const space = arg.indexOf(" ");
    const time = parseTimeVal(space === -1 ? arg : arg.slice(0, space));
    if (time === null || space === -1) {
      return reply(Code.BAD_ARGUMENT, "MFMT needs a time YYYYMMDDHHMMSS (UTC) and a path");
    }
    const path = await ctx.services.files.setModified(ctx.session, arg.slice(space + 1), time);
    return reply(Code.FILE_STATUS, `Modify=${formatTimeVal(time)}; ${path}`);
  },
});
