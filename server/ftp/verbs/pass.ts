import { Vfs } from "../../vfs.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** Failed logins allowed on one connection before it is closed. */
const MAX_FAILURES_PER_CONNECTION = 3;

/** PASS: the password for the name given by USER. */
export const pass = defineVerb({
  name: "PASS",
  syntax: "PASS <password>",
  auth: "none",
  arg: "optional",
  async handler({ session, services }, password) {
    if (session.account) return reply(503, "Already logged in");
    const name = session.pendingUser;
    if (name === undefined) return reply(503, "Send USER first");
    session.pendingUser = undefined;
    // Per-address rate, growing delays and bans, shared with the native protocol.
    const gate = services.loginGuard.begin(session.peerAddress);
    if (!gate.allowed) {
      services.log.warn("login refused", {
        peer: session.peer,
        reason: gate.reason,
        protocol: "ftp",
      });
      session.closeAfterReply = true;
      return reply(421, gate.message);
    }
    const started = performance.now();
    const account = await services.accounts.authenticate(name, password);
    if (!account) {
      session.loginFailures++;
      services.log.warn("login failed", { peer: session.peer, user: name, protocol: "ftp" });
      const outcome = services.loginGuard.fail(session.peerAddress);
      const wait = started + outcome.delayMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (outcome.banned || session.loginFailures >= MAX_FAILURES_PER_CONNECTION) {
        session.closeAfterReply = true;
      }
      return reply(
        530,
        outcome.banned
          ? `Login incorrect; too many failed logins from ${session.peerAddress}: ` +
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
        protocol: "ftp",
      });
      return reply(530, `Account "${account.name}" is disabled: ask an administrator`);
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
    services.log.info("login ok", { peer: session.peer, user: account.name, protocol: "ftp" });
    return reply(230, `Logged in as ${account.name}`);
  },
});
