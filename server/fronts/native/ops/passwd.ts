import { OperationError } from "../../../core/errors.ts";
import { BASE_FAILURE_DELAY_MS } from "../../../core/limits.ts";
import { defineOperation, loggedIn } from "./operation.ts";

/** `passwd`: change one's own password, proving the current one. Other sessions of the account end. */
export const passwd = defineOperation({
  name: "passwd",
  summary: "Change one's own password (the current one is required)",
  auth: "user",
  args: { current: "string", password: "string" },
  async handler(ctx, { current, password }) {
    const { session, services } = ctx;
    const { account } = loggedIn(ctx);
    // A wrong current password costs as much time as a failed login: guessing here is no faster.
    const started = performance.now();
    const changed = await services.accounts.changePassword(account.name, current, password);
    if (!changed) {
      services.log.warn("password change refused", { peer: session.peer, user: account.name });
      const wait = started + BASE_FAILURE_DELAY_MS - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      throw new OperationError("forbidden", "Current password is incorrect: password not changed");
    }
    // This session proved the password; keep it (other sessions end at their next request).
    session.account = changed;
    services.log.info("password changed", { peer: session.peer, user: account.name });
    return { message: `Password of "${account.name}" changed` };
  },
});
