import { Code } from "../codes.ts";
import { OperationError } from "../../../core/errors.ts";
import { formatTimeVal } from "../listing.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** MDTM: a file's modification time, UTC `YYYYMMDDHHMMSS` (RFC 3659). */
export const mdtm = defineVerb({
  name: "MDTM",
  syntax: "MDTM <path>",
  auth: "user",
  arg: "required",
  feat: () => ["MDTM"],
  async handler(ctx, path) {
    const { path: target, entry } = await ctx.services.files.stat(ctx.session, path);
    if (entry.type !== "file") {
      throw new OperationError("is_a_directory", `Cannot get the time of "${target}": not a file`);
    }
    return reply(Code.FILE_STATUS, formatTimeVal(entry.mtime));
  },
});
