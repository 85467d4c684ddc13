/**
 * Browser sessions: a login through `authenticate()` (the same guard,
 * delays and bans as every front) opens a live session (`who`, the session
 * limits) and stores a web session keyed by the sha256 of a random token;
 * the token goes to the browser in an HttpOnly cookie. Every request looks
 * the session up in the store (so any thread or node serves it) and checks
 * the account as the other fronts do: deleted, disabled, password changed,
 * or ended by an administrator ends it.
 */

import type { Account } from "../../core/accounts.ts";
import { authenticate, openUserSession } from "../../core/auth/login.ts";
import { OperationError } from "../../core/errors.ts";
import { admitConnection } from "../../core/net/admission.ts";
import type { Services } from "../../core/services.ts";
import type { UserSession } from "../../core/session.ts";
import type { HomeStorage } from "../../storage/mod.ts";
import type { WebSessionRecord } from "../../store/mod.ts";
import { randomToken, tokenHash } from "./security.ts";

/** Where a request comes from. */
export interface HttpClient {
  address: string;
  port: number;
  /** `http` (web client) or `webdav`. */
  protocol: string;
}

/** A request's session in the front-neutral shape the core expects. */
export class HttpSession implements UserSession {
  readonly id: number;
  readonly peer: string;
  readonly address: string;
  readonly protocol: string;
  account: Account | undefined;
  home: HomeStorage | undefined;
  cwd = "/";
  loginFailures = 0;
  closeAfterReply = false;

  /** A session with registry id `id` for `client`. */
  constructor(id: number, client: HttpClient) {
    this.id = id;
    this.address = client.address;
    this.peer = `${client.address}:${client.port}`;
    this.protocol = client.protocol;
  }
}

/** A logged-in browser session. */
export interface WebLogin {
  session: HttpSession;
  record: WebSessionRecord;
}

/** Moves a session's expiry on at most this often (a write per request would cost). */
const TOUCH_EVERY_MS = 60_000;

/**
 * Logs in with a name and password; returns the new session and the token
 * for the cookie. A refusal is a `LoginRefusedError` (or the session limits').
 */
export async function logInWeb(
  services: Services,
  client: HttpClient,
  name: string,
  password: string,
): Promise<{ login: WebLogin; token: string }> {
  const account = await authenticate(services, { ...client, peer: peerOf(client) }, name, password);
  const admission = await admitConnection(services.sessions, client, services.config);
  if (!admission.admitted) throw new OperationError(admission.kind, admission.message);
  const session = new HttpSession(admission.id, client);
  try {
    await openUserSession(services, session, account);
    const token = randomToken();
    const now = Date.now();
    const record: WebSessionRecord = {
      tokenHash: await tokenHash(token),
      sessionId: session.id,
      userId: account.id,
      credential: account.credentialStamp,
      csrf: randomToken(),
      createdAt: now,
      expiresAt: now + services.config.httpSessionTimeout * 1000,
    };
    await services.accounts.stores.webSessions.create(record);
    return { login: { session, record }, token };
  } catch (error) {
    await services.sessions.close(session.id);
    throw error;
  }
}

/** Why a cookie no longer logs anyone in; the page shows it and asks to log in again. */
export class SessionEndedError extends OperationError {
  /** Creates the refusal. */
  constructor(message: string) {
    super("unauthenticated", message);
    this.name = "SessionEndedError";
  }
}

/** The logged-in session a cookie's token names; throws {@linkcode SessionEndedError} if none. */
export async function resumeWeb(
  services: Services,
  client: HttpClient,
  token: string | null,
): Promise<WebLogin> {
  if (token === null) throw new SessionEndedError("Not logged in");
  const store = services.accounts.stores.webSessions;
  const hash = await tokenHash(token);
  const record = await store.get(hash);
  if (!record) throw new SessionEndedError("Not logged in (the session ended): log in again");
  const now = Date.now();
  const end = async (why: string): Promise<never> => {
    await store.delete(hash);
    services.log.info("session ended", { peer: peerOf(client), reason: why, protocol: "http" });
    throw new SessionEndedError(`Session ended: ${why}`);
  };
  if (record.expiresAt < now) return await end("it expired: log in again");
  if (await services.sessions.endRequested(record.sessionId)) {
    return await end("ended by an administrator");
  }
  const account = await services.accounts.getById(record.userId);
  if (!account) return await end("the account was deleted");
  if (account.disabled) return await end(`account "${account.name}" was disabled`);
  if (account.credentialStamp !== record.credential) {
    return await end(`the password of "${account.name}" was changed: log in again`);
  }
  const session = new HttpSession(record.sessionId, client);
  session.account = account;
  session.home = await services.accounts.storage.openHome(account.name, {
    maxPathBytes: services.config.maxPathLength,
    maxListEntries: services.config.maxListEntries,
  });
  const expiresAt = now + services.config.httpSessionTimeout * 1000;
  if (expiresAt - record.expiresAt >= TOUCH_EVERY_MS) {
    await store.touch(hash, expiresAt);
    record.expiresAt = expiresAt;
  }
  return { session, record };
}

/** Ends the session a token names (logout). */
export async function logOutWeb(services: Services, token: string): Promise<boolean> {
  return await services.accounts.stores.webSessions.delete(await tokenHash(token));
}

function peerOf(client: HttpClient): string {
  return `${client.address}:${client.port}`;
}
