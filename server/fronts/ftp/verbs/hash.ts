import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/**
 * HASH: a file's SHA-256 (draft-bryan-ftpext-hash), from the checksum cache
 * the transfers keep (computed once per file version otherwise).
 */
export const hash = defineVerb({
  name: "HASH",
  syntax: "HASH <path>",
  auth: "user",
  arg: "required",
  feat: () => ["HASH SHA-256*"],
  async handler(ctx, path) {
    const { path: target, sha256, identity } = await ctx.services.files.checksum(ctx.session, path);
    return reply(Code.FILE_STATUS, `SHA-256 0-${identity.size} ${sha256} ${target}`);
  },
});
