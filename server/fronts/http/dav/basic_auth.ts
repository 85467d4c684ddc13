/**
 * WebDAV's logins: HTTP Basic on every request, checked through
 * `authenticate()` (the login guard, delays and bans of every front) once,
 * then remembered for a few minutes per client address and credentials, so
 * a client sending hundreds of requests costs one password check. Each
 * remembered login is a live session (`who`, the session limits), closed
 * when it is forgotten. Every request still rechecks the account (deleted,
 * disabled, password changed, ended by an administrator).
 */

import { createHash } from "node:crypto";
import type { Account } from "../../../core/accounts.ts";
import { authenticate, openUserSession } from "../../../core/auth/login.ts";
import { OperationError } from "../../../core/errors.ts";
import { admitConnection } from "../../../core/net/admission.ts";
import type { Services } from "../../../core/services.ts";
import { type HttpClient, HttpSession } from "../web_session.ts";

/** How long an unused login is remembered. */
const REMEMBER_MS = 5 * 60_000;
/** Most logins remembered by one thread; the oldest are forgotten first. */
const MAX_REMEMBERED = 1000;

interface Remembered {
  account: Account;
  sessionId: number;
  lastUsed: number;
}

/** Basic-auth logins of one server thread. */
export class DavLogins {
  readonly #services: Services;
  readonly #logins = new Map<string, Remembered>();

  /** Logins checked with `services`. */
  constructor(services: Services) {
    this.#services = services;
    const sweep = setInterval(() => this.#forgetIdle(), REMEMBER_MS / 5);
    Deno.unrefTimer(sweep);
  }

  /**
   * The session for a request's `Authorization` header; throws
   * `unauthenticated` (the caller answers 401 with a challenge).
   */
  async session(header: string | null, client: HttpClient): Promise<HttpSession> {
    const credentials = parseBasic(header);
    if (credentials === null) {
      throw new OperationError("unauthenticated", "Authentication required");
    }
    const key = createHash("sha256")
      .update(`${client.address}\0${credentials.user}\0${credentials.password}`)
      .digest("base64url");
    const remembered = this.#logins.get(key);
    if (remembered) {
      const result = await this.#services.accounts.recheck(remembered.account, {
        sessionId: remembered.sessionId,
      });
      if ("account" in result) {
        remembered.account = result.account;
        remembered.lastUsed = Date.now();
        // Most recently used last, so the first entry is the one to forget.
        this.#logins.delete(key);
        this.#logins.set(key, remembered);
        return await this.#open(remembered, client);
      }
      await this.#forget(key, remembered, result.ended);
      throw new OperationError("unauthenticated", `Session ended: ${result.ended}`);
    }
    const peer = `${client.address}:${client.port}`;
    const account = await authenticate(
      this.#services,
      { peer, address: client.address, protocol: client.protocol },
      credentials.user,
      credentials.password,
    );
    const admission = await admitConnection(this.#services.sessions, client, this.#services.config);
    if (!admission.admitted) throw new OperationError(admission.kind, admission.message);
    const session = new HttpSession(admission.id, client);
    await openUserSession(this.#services, session, account);
    const entry = { account, sessionId: admission.id, lastUsed: Date.now() };
    this.#logins.set(key, entry);
    if (this.#logins.size > MAX_REMEMBERED) {
      const [oldestKey, oldest] = this.#logins.entries().next().value!;
      await this.#forget(oldestKey, oldest, "idle");
    }
    return session;
  }

  async #open(remembered: Remembered, client: HttpClient): Promise<HttpSession> {
    const session = new HttpSession(remembered.sessionId, client);
    session.account = remembered.account;
    session.home = await this.#services.accounts.storage.openHome(remembered.account.name, {
      maxPathBytes: this.#services.config.maxPathLength,
      maxListEntries: this.#services.config.maxListEntries,
    });
    return session;
  }

  async #forget(key: string, remembered: Remembered, reason: string): Promise<void> {
    this.#logins.delete(key);
    await this.#services.sessions.close(remembered.sessionId).catch(() => {});
    this.#services.log.info("session ended", {
      user: remembered.account.name,
      reason,
      protocol: "webdav",
    });
  }

  #forgetIdle(): void {
    const cutoff = Date.now() - REMEMBER_MS;
    for (const [key, remembered] of this.#logins) {
      if (remembered.lastUsed < cutoff) this.#forget(key, remembered, "idle").catch(() => {});
    }
  }
}

/** `Basic base64(user:password)` -> the two parts, or null. */
export function parseBasic(header: string | null): { user: string; password: string } | null {
  const match = header === null ? null : /^Basic\s+([A-Za-z0-9+/=]{1,8192})$/i.exec(header.trim());
  if (!match) return null;
  let decoded: string;
  try {
    const binary = atob(match[1]!);
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(binary, (c) => c.charCodeAt(0)),
    );
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
