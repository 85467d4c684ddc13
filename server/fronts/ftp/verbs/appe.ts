import { startUpload, storedLength } from "./_upload.ts";
import { defineVerb, loggedIn } from "./verb.ts";

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
    const { vfs } = loggedIn(ctx);
    ctx.session.restartOffset = 0;
    const target = vfs.normalize(ctx.session.cwd, path);
    return await startUpload(ctx, "APPE", target, (await storedLength(ctx, target)) ?? 0);
  },
});
