/**
 * Logging in, the same for every front: the per-address login guard, the
 * constant-time password check with its growing failure delay and the
 * account's state ({@linkcode authenticate}), then the jail on the user's
 * home ({@linkcode openUserSession}). Fronts without a connection per
 * session (HTTP) call {@linkcode authenticate} alone. Callers turn a refusal
 * into their protocol's reply (its kind maps through ERROR_TABLE).
 */

import { MAX_FAILURES_PER_CONNECTION, MAX_LOGGED_NAME_CHARS } from "../limits.ts";
import type { Account } from "../accounts.ts";
import { OperationError } from "../errors.ts";
import type { LogFields } from "../log.ts";
import type { Services } from "../services.ts";
import type { UserSession } from "../session.ts";
import { countBan, countLogin } from "../metrics.ts";

/** A refused login. When `closeConnection` is set, the connection ends after the reply. */
export class LoginRefusedError extends OperationError {
  readonly closeConnection: boolean;

  /** Creates a refusal of the given kind. */
  constructor(
    kind: "rate_limited" | "unauthenticated" | "account_disabled",
    message: string,
    closeConnection: boolean,
  ) {
    super(kind, message);
    this.name = "LoginRefusedError";
    this.closeConnection = closeConnection;
  }
}

/** Who is logging in, for the guard and the logs. */
export type LoginClient = Pick<UserSession, "peer" | "address" | "protocol">;

/**
 * Checks `name` and `password` under the per-address login guard, for any
 * front: a refusal is a {@linkcode LoginRefusedError} (after the failure
 * delay, which hides whether the user exists); success records the login.
 * Opens no session: see {@linkcode openUserSession}.
 */
export async function authenticate(
  services: Services,
  client: LoginClient,
  name: string,
  password: string,
): Promise<Account> {
  const { accounts, loginGuard, log, config } = services;
  const fields = (extra: LogFields) => ({ peer: client.peer, ...extra, protocol: client.protocol });
  const gate = await loginGuard.begin(client.address);
  if (!gate.allowed) {
    log.warn("login refused", fields({ reason: gate.reason }));
    throw new LoginRefusedError("rate_limited", gate.message, true);
  }
  const started = performance.now();
  const account = await accounts.authenticate(name, password);
  if (!account) {
    log.warn("login failed", fields({ user: name.slice(0, MAX_LOGGED_NAME_CHARS) }));
    // The delay grows with the address's recent failures; it is at least the base
    // delay whatever the reason, so timing does not tell unknown users from bad passwords.
    const outcome = await loginGuard.fail(gate.attempt, client.address);
    countLogin(false);
    if (outcome.banned) countBan();
    const wait = started + outcome.delayMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    throw new LoginRefusedError(
      "unauthenticated",
      outcome.banned
        ? `Login incorrect; too many failed logins from ${client.address}: ` +
          `banned for ${config.loginBanTime}s`
        : "Login incorrect",
      outcome.banned,
    );
  }
  await loginGuard.succeed(gate.attempt);
  countLogin(true);
  if (account.disabled) {
    // Only someone who knows the password learns this, so it reveals nothing to strangers.
    log.warn("login refused", fields({ user: account.name, reason: "disabled" }));
    throw new LoginRefusedError(
      "account_disabled",
      `Account "${account.name}" is disabled: ask an administrator`,
      false,
    );
  }
  await accounts.recordLogin(account.id);
  return account;
}

/** Opens an authenticated user's session: their home, the current directory, and `who`. */
export async function openUserSession(
  services: Services,
  session: UserSession,
  account: Account,
): Promise<void> {
  const { accounts, config, log } = services;
  session.home = await accounts.storage.openHome(account.name, {
    maxPathBytes: config.maxPathLength,
    maxListEntries: config.maxListEntries,
  });
  session.account = account;
  session.cwd = "/";
  await services.sessions.setUser(session.id, account.name);
  log.info("login ok", { peer: session.peer, user: account.name, protocol: session.protocol });
}

/**
 * Logs a session in: {@linkcode authenticate}, then
 * {@linkcode openUserSession}. A refusal is thrown; when it must end the
 * connection (a ban, the rate limit, or the
 * {@linkcode MAX_FAILURES_PER_CONNECTION}th failure), the session is marked
 * to close after the reply.
 */
export async function logIn(
  services: Services,
  session: UserSession,
  name: string,
  password: string,
): Promise<Account> {
  let account: Account;
  try {
    account = await authenticate(services, session, name, password);
  } catch (error) {
    if (error instanceof LoginRefusedError) {
      if (error.kind === "unauthenticated") session.loginFailures++;
      if (error.closeConnection || session.loginFailures >= MAX_FAILURES_PER_CONNECTION) {
        session.closeAfterReply = true;
      }
    }
    throw error;
  }
  await openUserSession(services, session, account);
  return account;
}

/**
 * Before each request of a logged-in session: re-reads the account, so a
 * changed quota or admin flag applies at once. If the account was deleted
 * or disabled, or its password changed meanwhile (by a host command, an
 * admin, another thread or node), or an administrator ended the session, logs out the session, marks it to close
 * and returns why, for the front to say in its own reply.
 */
export async function recheckSession(
  services: Services,
  session: UserSession,
): Promise<string | null> {
  const result = await services.accounts.recheck(session.account!, session.id);
  if ("account" in result) {
    session.account = result.account;
    return null;
  }
  services.log.info("session ended", {
    peer: session.peer,
    user: session.account!.name,
    reason: result.ended,
    protocol: session.protocol,
  });
  session.account = undefined;
  session.home = undefined;
  session.closeAfterReply = true;
  return `Session ended: ${result.ended}`;
}
