import { formatSize } from "../../../../protocol/size.ts";
import { defineOperation, loggedIn } from "./operation.ts";

/** `df`: one's own used space and quota, as stored now (read fresh for every request). */
export const df = defineOperation({
  name: "df",
  summary: "Show one's own used space and quota",
  auth: "user",
  args: {},
  handler(ctx) {
    const { account } = loggedIn(ctx);
    const { config } = ctx.services;
    const limit = account.quota === 0 ? "no limit" : `of ${formatSize(account.quota)}`;
    return Promise.resolve({
      message: `${formatSize(account.used)} used ${limit}`,
      used: account.used,
      quota: account.quota,
      // The limits each transfer gets: the account's own, else the server's (0: none).
      rateDown: account.rateDown > 0 ? account.rateDown : config.rateDown,
      rateUp: account.rateUp > 0 ? account.rateUp : config.rateUp,
    });
  },
});
