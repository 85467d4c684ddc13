/**
 * Logging in, the same for every front: the per-address login guard, the
 * constant-time password check with its growing failure delay and the
 * account's state ({@linkcode authenticate}), then the jail on the user's
 * home ({@linkcode openUserSession}). Callers turn a refusal
 * into their protocol's reply (its kind maps through ERROR_TABLE).
 */

import type { Account } from "../accounts.ts";
import { OperationError } from "../errors.ts";
import type { LogFields } from "../log.ts";
import type { Services } from "../services.ts";
import { Vfs } from "../../storage/local/vfs.ts";

/** Failed logins allowed on one connection before it is closed. */
export const MAX_FAILURES_PER_CONNECTION = 3;
/** A refused user name is logged cut to this many characters (names cap at 32). */
const MAX_LOGGED_NAME_CHARS = 64;

/** The connection a login is attempted on. */
export interface LoginConnection {
  /** Id in the session registry. */
  readonly id: number;
  /** `address:port`, for logs. */
  readonly peer: string;
  /** Client IP address, for the per-address login guard. */
  readonly address: string;
  /** Protocol name added to log lines; omitted for the native protocol. */
  readonly protocol?: string;
  /** Failed logins on this connection so far; incremented on each failure. */
  loginFailures: number;
}

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
export interface LoginClient {
  /** `address:port`, for logs. */
  readonly peer: string;
  /** Client IP address, for the per-address login guard. */
  readonly address: string;
  /** Protocol name added to log lines; omitted for the native protocol. */
  readonly protocol?: string;
}

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

/** Opens an authenticated user's session: the jail on their home, and their name in `who`. */
export async function openUserSession(
  services: Services,
  client: LoginClient & { readonly id: number },
  account: Account,
): Promise<{ account: Account; vfs: Vfs }> {
  const { accounts, config, log } = services;
  const home = accounts.homeOf(account.name);
  await Deno.mkdir(home, { recursive: true, mode: 0o700 });
  const vfs = await Vfs.open(home, {
    maxPathBytes: config.maxPathLength,
    maxListEntries: config.maxListEntries,
  });
  await services.sessions.setUser(client.id, account.name);
  log.info("login ok", { peer: client.peer, user: account.name, protocol: client.protocol });
  return { account, vfs };
}

/**
 * Logs in on a connection: {@linkcode authenticate}, then
 * {@linkcode openUserSession}. After {@linkcode MAX_FAILURES_PER_CONNECTION}
 * failures the refusal also closes the connection.
 */
export async function logIn(
  services: Services,
  connection: LoginConnection,
  name: string,
  password: string,
): Promise<{ account: Account; vfs: Vfs }> {
  let account: Account;
  try {
    account = await authenticate(services, connection, name, password);
  } catch (error) {
    if (error instanceof LoginRefusedError && error.kind === "unauthenticated") {
      connection.loginFailures++;
      if (connection.loginFailures >= MAX_FAILURES_PER_CONNECTION && !error.closeConnection) {
        throw new LoginRefusedError("unauthenticated", error.message, true);
      }
    }
    throw error;
  }
  return await openUserSession(services, connection, account);
}

/** A logged-in session as {@linkcode recheckSession} sees it, on any front. */
export interface CheckedSession {
  readonly peer: string;
  account: Account | undefined;
  vfs: Vfs | undefined;
  /** When set, the session closes after sending the current reply. */
  closeAfterReply: boolean;
}

/**
 * Before each request of a logged-in session: re-reads the account, so a
 * changed quota or admin flag applies at once. If the account was deleted
 * or disabled, or its password changed meanwhile (by a host command, an
 * admin, another thread or node), logs out the session, marks it to close
 * and returns why, for the front to say in its own reply.
 */
export async function recheckSession(
  services: Services,
  session: CheckedSession,
  protocol?: string,
): Promise<string | null> {
  const result = await services.accounts.recheck(session.account!);
  if ("account" in result) {
    session.account = result.account;
    return null;
  }
  services.log.info("session ended", {
    peer: session.peer,
    user: session.account!.name,
    reason: result.ended,
    protocol,
  });
  session.account = undefined;
  session.vfs = undefined;
  session.closeAfterReply = true;
  return `Session ended: ${result.ended}`;
}
