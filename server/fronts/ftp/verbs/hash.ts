import { fileDigest } from "../../../core/transfer/mod.ts";
import { reply } from "../replies.ts";
import { defineVerb, loggedIn } from "./verb.ts";

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
    const { vfs } = loggedIn(ctx);
    const target = vfs.normalize(ctx.session.cwd, path);
    const { sha256, identity } = await fileDigest(vfs, ctx.services.transfers.hashes, target);
    return reply(213, `SHA-256 0-${identity.size} ${sha256} ${target}`);
  },
});
