import { fileDigest } from "../../../core/transfer/mod.ts";
import { defineOperation, loggedIn } from "./operation.ts";

/** `checksum`: the sha256 of a whole file (cached by file identity). */
export const checksum = defineOperation({
  name: "checksum",
  summary: "sha256 of a file, with its size, mtime and tag",
  auth: "user",
  args: { path: "path" },
  async handler(ctx, { path }) {
    const { vfs } = loggedIn(ctx);
    const target = vfs.normalize(ctx.session.cwd, path);
    const { sha256, identity } = await fileDigest(vfs, ctx.services.transfers.hashes, target);
    return { message: sha256, path: target, ...identity, sha256 };
  },
});
