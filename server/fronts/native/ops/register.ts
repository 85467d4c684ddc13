import { formatSize } from "../../../../protocol/size.ts";
import { validateNewPassword, validateUsername } from "../../../core/accounts.ts";
import { OperationError } from "../../../core/errors.ts";
import { takeRegistrationSlot } from "../../../core/auth/registration.ts";
import { defineOperation } from "./operation.ts";

/** `register`: self-registration, when `allow_register` is on; rate-limited per client address. */
export const register = defineOperation({
  name: "register",
  summary: "Create an account for oneself (only when the server allows registration)",
  auth: "none",
  args: { user: "string", password: "string" },
  async handler(ctx, { user, password }) {
    const { services, session } = ctx;
    const { config, accounts, log } = services;
    if (!config.allowRegister) {
      throw new OperationError(
        "forbidden",
        "Registration is disabled on this server: ask an administrator for an account",
      );
    }
    // Malformed input is not counted: only attempts that could create an account are.
    validateUsername(user);
    validateNewPassword(password);
    const waitMs = await takeRegistrationSlot(accounts.stores.registrations, session.address, {
      limit: config.registerLimit,
      windowMs: config.registerWindow * 1000,
    });
    if (waitMs > 0) {
      log.warn("registration refused", { peer: session.peer, reason: "rate limit" });
      throw new OperationError(
        "rate_limited",
        `Too many registrations from ${session.address}: try again in ${describeWait(waitMs)}`,
      );
    }
    const account = await accounts.create({ name: user, password, quota: config.defaultQuota });
    log.info("registered", { peer: session.peer, user: account.name });
    const limit = account.quota === 0 ? "unlimited" : formatSize(account.quota);
    return {
      status: 201,
      message: `Registered "${account.name}" (quota ${limit})`,
      user: account.name,
      quota: account.quota,
    };
  },
});

function describeWait(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 120) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
