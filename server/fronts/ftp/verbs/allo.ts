import { reply } from "../replies.ts";
import { defineVerb, loggedIn } from "./verb.ts";

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
    const { account } = loggedIn(ctx);
    const size = Number(arg.trim().split(/\s+/)[0]);
    if (!Number.isSafeInteger(size) || size < 0) {
      return reply(501, "ALLO needs a size in bytes");
    }
    await ctx.services.transfers.quota.check(account.id, size, `${size} bytes`);
    return reply(202, "No storage allocation necessary");
  },
});
