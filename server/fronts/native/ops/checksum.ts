import { defineOperation } from "./operation.ts";

/** `checksum`: the sha256 of a whole file (cached by file identity). */
export const checksum = defineOperation({
  name: "checksum",
  summary: "sha256 of a file, with its size, mtime and tag",
  auth: "user",
  args: { path: "path" },
  async handler(ctx, { path }) {
    const { path: target, sha256, identity } = await ctx.services.files.checksum(ctx.session, path);
    return { message: sha256, path: target, ...identity, sha256 };
  },
});
