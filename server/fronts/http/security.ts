/**
 * The HTTP front's security headers, cookie and request checks, in one
 * place: a strict Content Security Policy on every response (no inline
 * script or style, no framing), user files always as attachments under a
 * sandbox policy so nothing a user uploads ever runs as the app's origin,
 * the session cookie's flags, and the anti-CSRF checks (a per-session token
 * in a header, and the Origin, on every state-changing request).
 */

import { timingSafeEqual } from "node:crypto";

/** The app's own pages: scripts and styles only from its own files. */
const APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** User files and API answers: nothing may run, load or frame. */
const SANDBOX_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'";

/** Headers every response carries. */
export function baseHeaders(kind: "app" | "data"): Headers {
  return new Headers({
    "content-security-policy": kind === "app" ? APP_CSP : SANDBOX_CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "cache-control": "no-store",
  });
}

/** `attachment; filename="a_b.txt"; filename*=UTF-8''a%20b.txt`: a download, never shown inline. */
export function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%;]/g, "_");
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** The session cookie's name: `__Host-` under TLS, so no subdomain or plain page can set it. */
export function cookieName(secure: boolean): string {
  return secure ? "__Host-ftpx" : "ftpx_session";
}

/** `Set-Cookie` for a new session (a browser-session cookie: expiry is kept on the server). */
export function sessionCookie(token: string, secure: boolean): string {
  return `${cookieName(secure)}=${token}; Path=/; HttpOnly; SameSite=Strict${
    secure ? "; Secure" : ""
  }`;
}

/** `Set-Cookie` that removes the session cookie. */
export function clearedCookie(secure: boolean): string {
  return `${cookieName(secure)}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${
    secure ? "; Secure" : ""
  }`;
}

/** The session token from the request's cookies, if any. */
export function sessionToken(request: Request, secure: boolean): string | null {
  const header = request.headers.get("cookie");
  if (header === null) return null;
  const name = cookieName(secure);
  for (const part of header.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) {
      const value = rest.join("=");
      return /^[A-Za-z0-9_-]{43}$/.test(value) ? value : null;
    }
  }
  return null;
}

/** 32 random bytes, base64url (43 characters). */
export function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

/** sha256 of a token, base64url: what the store keeps instead of the token. */
export async function tokenHash(token: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)),
  );
  return btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

/** Compares two secrets in constant time. */
export function sameSecret(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = new TextEncoder().encode(given);
  const b = new TextEncoder().encode(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The header a page sends its session's anti-CSRF token in. */
export const CSRF_HEADER = "x-ftpx-csrf";

/** Methods that change nothing. */
export function isSafeMethod(method: string): boolean {
  return method === "GET" || method === "HEAD" || method === "OPTIONS" || method === "PROPFIND";
}

/**
 * Whether a request comes from a page of this origin, as far as the browser
 * says: a foreign `Origin` or a cross-site `Sec-Fetch-Site` is refused.
 * Clients that send neither (curl, scripts) are not browsers a foreign page
 * can drive; they still need the CSRF token.
 */
export function sameOrigin(request: Request): boolean {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return false;
  const origin = request.headers.get("origin");
  if (origin === null) return true;
  const host = request.headers.get("host");
  if (host === null) return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
