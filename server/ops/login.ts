import { OperationError } from "../errors.ts";
import { Vfs } from "../vfs.ts";
import { defineOperation } from "./operation.ts";

/** Failed logins allowed on one connection before it is closed. */
const MAX_FAILURES_PER_CONNECTION = 3;

/** `login`: authenticate with name and password. */
export const login = defineOperation({
  name: "login",
  summary: "Log in with user name and password",
  auth: "none",
  args: { user: "string", password: "string" },
  async handler(ctx, { user, password }) {
    const { session, services } = ctx;
    if (session.account) throw new OperationError("bad_request", "Already logged in");
    const gate = services.loginGuard.begin(session.address);
    if (!gate.allowed) {
      services.log.warn("login refused", { peer: session.peer, reason: gate.reason });
      session.closeAfterReply = true;
      throw new OperationError("rate_limited", gate.message);
    }
    const started = performance.now();
    const account = await services.accounts.authenticate(user, password);
    if (!account) {
      session.loginFailures++;
      services.log.warn("login failed", { peer: session.peer, user: user.slice(0, 64) });
      // The delay grows with the address's recent failures; it is at least the base
      // delay whatever the reason, so timing does not tell unknown users from bad passwords.
      const outcome = services.loginGuard.fail(session.address);
      const wait = started + outcome.delayMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (outcome.banned || session.loginFailures >= MAX_FAILURES_PER_CONNECTION) {
        session.closeAfterReply = true;
      }
      throw new OperationError(
        "unauthenticated",
        outcome.banned
          ? `Login incorrect; too many failed logins from ${session.address}: ` +
            `banned for ${services.config.loginBanTime}s`
          : "Login incorrect",
      );
    }
    services.loginGuard.succeed(gate.attempt);
    if (account.disabled) {
      // Only someone who knows the password learns this, so it reveals nothing to strangers.
      services.log.warn("login refused", {
        peer: session.peer,
        user: account.name,
        reason: "disabled",
      });
      throw new OperationError(
        "forbidden",
        `Account "${account.name}" is disabled: ask an administrator`,
      );
    }
    services.accounts.recordLogin(account.id);
    const home = services.accounts.homeOf(account.name);
    await Deno.mkdir(home, { recursive: true, mode: 0o700 });
    session.vfs = await Vfs.open(home, {
      maxPathBytes: services.config.maxPathLength,
      maxListEntries: services.config.maxListEntries,
    });
    session.account = account;
    session.cwd = "/";
    services.sessions.setUser(session.id, account.name);
    services.log.info("login ok", { peer: session.peer, user: account.name });
    return {
      message: `Logged in as ${account.name}`,
      user: account.name,
      admin: account.admin,
      cwd: "/",
    };
  },
});
