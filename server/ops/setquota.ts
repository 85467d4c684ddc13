import { formatSize } from "../../protocol/size.ts";
import { logAdminAction } from "./_admin.ts";
import { defineOperation } from "./operation.ts";

/** `setquota`: an administrator sets an account's quota; it applies to the user's next request. */
export const setquota = defineOperation({
  name: "setquota",
  summary: "Set an account's quota in bytes, 0 = unlimited (administrators)",
  auth: "admin",
  args: { user: "string", quota: "int" },
  handler(ctx, { user, quota }) {
    const account = ctx.services.accounts.setQuota(user, quota);
    logAdminAction(ctx, "setquota", user, { quota });
    return Promise.resolve({
      message: describeQuota(account.name, account.quota, account.used),
      user: account.name,
      quota: account.quota,
      used: account.used,
    });
  },
});

/** `Quota of "bob" set to 10M (12M used: over quota, new uploads are refused)`. */
export function describeQuota(name: string, quota: number, used: number): string {
  if (quota === 0) return `Quota of "${name}" removed (unlimited; ${formatSize(used)} used)`;
  const over = used > quota ? ": over quota, new uploads are refused; nothing is deleted" : "";
  return `Quota of "${name}" set to ${formatSize(quota)} (${formatSize(used)} used${over})`;
}
