import { Code } from "../codes.ts";
import { OperationError } from "../../../core/errors.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/**
 * SIZE: a file's size in bytes (RFC 3659; the same in TYPE A, which sends
 * bytes unchanged). For a file whose upload was interrupted, the bytes
 * received so far, so clients can resume it with REST+STOR or APPE.
 */
export const size = defineVerb({
  name: "SIZE",
  syntax: "SIZE <path>",
  auth: "user",
  arg: "required",
  feat: () => ["SIZE"],
  async handler(ctx, path) {
    const { path: target, length } = await ctx.services.files.storedLength(ctx.session, path);
    if (length === null) {
      throw new OperationError("not_found", `Cannot size "${target}": not found`);
    }
    return reply(Code.FILE_STATUS, String(length));
  },
});
