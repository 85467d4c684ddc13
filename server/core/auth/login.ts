/**
 * Logging in, the same for both protocols: the per-address login guard,
 * the constant-time password check with its growing failure delay, the
 * account's state, and the jail on the user's home. Callers turn a refusal
 * into their protocol's reply (its kind maps through ERROR_TABLE).
 */

import type { Account } from "../accounts.ts";
import { OperationError } from "../errors.ts";
import type { LogFields } from "../log.ts";
import type { Services } from "../../fronts/native/ops/operation.ts";
import { Vfs } from "../../storage/local/vfs.ts";

/** Failed logins allowed on one connection before it is closed. */
export const MAX_FAILURES_PER_CONNECTION = 3;

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

/** Checks `name` and `password`; on success, records the login and opens the user's jail. */
export async function logIn(
  services: Services,
  connection: LoginConnection,
  name: string,
  password: string,
): Promise<{ account: Account; vfs: Vfs }> {
  const { accounts, loginGuard, log, config } = services;
  const fields = (extra: LogFields) => ({
    peer: connection.peer,
    ...extra,
    protocol: connection.protocol,
  });
  const gate = loginGuard.begin(connection.address);
  if (!gate.allowed) {
    log.warn("login refused", fields({ reason: gate.reason }));
    throw new LoginRefusedError("rate_limited", gate.message, true);
  }
  const started = performance.now();
  const account = await accounts.authenticate(name, password);
  if (!account) {
    connection.loginFailures++;
    log.warn("login failed", fields({ user: name.slice(0, 64) }));
    // The delay grows with the address's recent failures; it is at least the base
    // delay whatever the reason, so timing does not tell unknown users from bad passwords.
    const outcome = loginGuard.fail(connection.address);
    const wait = started + outcome.delayMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    throw new LoginRefusedError(
      "unauthenticated",
      outcome.banned
        ? `Login incorrect; too many failed logins from ${connection.address}: ` +
          `banned for ${config.loginBanTime}s`
        : "Login incorrect",
      outcome.banned || connection.loginFailures >= MAX_FAILURES_PER_CONNECTION,
    );
  }
  loginGuard.succeed(gate.attempt);
  if (account.disabled) {
    // Only someone who knows the password learns this, so it reveals nothing to strangers.
    log.warn("login refused", fields({ user: account.name, reason: "disabled" }));
    throw new LoginRefusedError(
      "account_disabled",
      `Account "${account.name}" is disabled: ask an administrator`,
      false,
    );
  }
  accounts.recordLogin(account.id);
  const home = accounts.homeOf(account.name);
  await Deno.mkdir(home, { recursive: true, mode: 0o700 });
  const vfs = await Vfs.open(home, {
    maxPathBytes: config.maxPathLength,
    maxListEntries: config.maxListEntries,
  });
  services.sessions.setUser(connection.id, account.name);
  log.info("login ok", {
    peer: connection.peer,
    user: account.name,
    protocol: connection.protocol,
  });
  return { account, vfs };
}
