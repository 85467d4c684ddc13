import { startUpload } from "./_upload.ts";
import { defineVerb } from "./verb.ts";

/** STOR: receive a file; after REST, resume at that byte (of an interrupted upload or the file). */
export const stor = defineVerb({
  name: "STOR",
  syntax: "STOR <path>",
  auth: "user",
  arg: "required",
  data: true,
  handler(ctx, path) {
    const offset = ctx.session.restartOffset;
    ctx.session.restartOffset = 0;
    return startUpload(ctx, "STOR", path, offset);
  },
});
