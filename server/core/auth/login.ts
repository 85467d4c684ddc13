/**
 * Logging in, the same for every front: the per-address login guard, the
 * constant-time password check with its growing failure delay and the
 * account's state ({@linkcode authenticate}), then the jail on the user's
 * home ({@linkcode openUserSession}). Fronts without a connection per
 * session (HTTP) call {@linkcode authenticate} alone. Callers turn a refusal
 * into their protocol's reply (its kind maps through ERROR_TABLE).
 */

import { timingSafeEqual } from "node:crypto";
import { MAX_FAILURES_PER_CONNECTION, MAX_LOGGED_NAME_CHARS } from "../limits.ts";
import type { Account } from "../accounts.ts";
import { OperationError } from "../errors.ts";
import type { LogFields } from "../log.ts";
import type { Services } from "../services.ts";
import type { UserSession } from "../session.ts";
import { countBan, countLogin } from "../metrics.ts";
import { fingerprintOf } from "./public_keys.ts";

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
export function authenticate(
  services: Services,
  client: LoginClient,
  name: string,
  password: string,
): Promise<Account> {
  return guardedLogin(services, client, name, () => services.accounts.authenticate(name, password));
}

/** A public key offered for a login, with the check of its signature (made by the front). */
export interface KeyProof {
  /** The key's SSH wire blob, as the client sent it. */
  blob: Uint8Array;
  /** True when the client's signature was made by `blob`'s private half. */
  verify(): boolean;
}

/**
 * Checks a public-key login under the same guard as passwords: the key must
 * be one of `name`'s and its signature valid. A refusal looks exactly like
 * a wrong password's (same error, same delay, counted toward bans).
 */
export function authenticateKey(
  services: Services,
  client: LoginClient,
  name: string,
  proof: KeyProof,
): Promise<Account> {
  return guardedLogin(services, client, name, async () => {
    const account = await findKeyOwner(services, name, proof.blob);
    return account && proof.verify() ? account : null;
  });
}

/**
 * Whether `name` has the key `blob` (SSH's "would you accept this key?",
 * asked before the client signs anything). Not a login attempt: nothing is
 * proven yet, so the guard is not involved; the signed request that follows
 * goes through {@linkcode authenticateKey}.
 */
export async function hasKey(services: Services, name: string, blob: Uint8Array): Promise<boolean> {
  return (await findKeyOwner(services, name, blob)) !== null;
}

async function findKeyOwner(
  services: Services,
  name: string,
  blob: Uint8Array,
): Promise<Account | null> {
  const account = await services.accounts.get(name).catch(() => undefined);
  if (!account) return null;
  const stored = await services.accounts.stores.publicKeys.get(account.id, fingerprintOf(blob));
  if (!stored || stored.blob.length !== blob.length) return null;
  return timingSafeEqual(stored.blob, blob) ? account : null;
}

/** The login guard around one credential check (`check` gives the account, or null: refused). */
async function guardedLogin(
  services: Services,
  client: LoginClient,
  name: string,
  check: () => Promise<Account | null>,
): Promise<Account> {
  const { accounts, loginGuard, log, config } = services;
  const fields = (extra: LogFields) => ({ peer: client.peer, ...extra, protocol: client.protocol });
  const gate = await loginGuard.begin(client.address);
  if (!gate.allowed) {
    log.warn("login refused", fields({ reason: gate.reason }));
    throw new LoginRefusedError("rate_limited", gate.message, true);
  }
  const started = performance.now();
  const account = await check();
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
  options: { key?: string } = {},
): Promise<void> {
  const { accounts, config, log } = services;
  session.home = await accounts.storage.openHome(account.name, {
    maxPathBytes: config.maxPathLength,
    maxListEntries: config.maxListEntries,
  });
  session.account = account;
  session.loginKey = options.key;
  session.cwd = "/";
  await services.sessions.setUser(session.id, account.name);
  log.info("login ok", {
    peer: session.peer,
    user: account.name,
    key: options.key,
    protocol: session.protocol,
  });
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
 * admin, another thread or node), an administrator ended the session, or
 * the public key it logged in with was removed, logs out the session, marks it to close
 * and returns why, for the front to say in its own reply.
 */
export async function recheckSession(
  services: Services,
  session: UserSession,
): Promise<string | null> {
  const result = await services.accounts.recheck(session.account!, {
    sessionId: session.id,
    key: session.loginKey,
  });
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
