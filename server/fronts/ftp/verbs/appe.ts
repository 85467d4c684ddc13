import { startUpload } from "./_upload.ts";
import { defineVerb } from "./verb.ts";

/**
 * APPE: append to a file, or continue an interrupted upload of it (what
 * `curl -C - -T` does after SIZE).
 */
export const appe = defineVerb({
  name: "APPE",
  syntax: "APPE <path>",
  auth: "user",
  arg: "required",
  data: true,
  async handler(ctx, path) {
    ctx.session.restartOffset = 0;
    const { path: target, length } = await ctx.services.files.storedLength(ctx.session, path);
    return await startUpload(ctx, "APPE", target, length ?? 0);
  },
});
