import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/**
 * ALLO: nothing needs allocating, but a size that cannot fit in the quota
 * is refused now (552), before any data flows. The quota is still enforced
 * while storing.
 */
export const allo = defineVerb({
  name: "ALLO",
  syntax: "ALLO <size>",
  auth: "user",
  arg: "required",
  async handler(ctx, arg) {
    const size = Number(arg.trim().split(/\s+/)[0]);
    if (!Number.isSafeInteger(size) || size < 0) {
      return reply(Code.BAD_ARGUMENT, "ALLO needs a size in bytes");
    }
    await ctx.services.files.requireRoom(ctx.session, size);
    return reply(Code.NOT_NEEDED, "No storage allocation necessary");
  },
});
