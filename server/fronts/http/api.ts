/**
 * The JSON API under `/api/`, one table of routes: each names its method,
 * path, who may call it (anyone, a logged-in user, an administrator) and a
 * handler that translates the request into core calls and returns a JSON
 * value (or a whole Response). `dispatchApi()` applies the rules in order
 * before any handler runs: the route, the session, the administrator flag,
 * and on every state-changing request the Origin and the anti-CSRF token.
 * Errors are mapped once, through ERROR_TABLE's HTTP column.
 */

import { relative } from "node:path";
import { describeQuota, toUserInfo } from "../../core/accounts.ts";
import { ERROR_TABLE, OperationError, toErrorReply } from "../../core/errors.ts";
import { parseSize } from "../../../protocol/size.ts";
import type { Services } from "../../core/services.ts";
import { TransferRecord } from "../../core/transfer/mod.ts";
import { BodySource, readJson } from "./body.ts";
import { serveFile } from "./download.ts";
import { textStream } from "./text_stream.ts";
import type { Listing } from "../../storage/listing.ts";
import {
  baseHeaders,
  clearedCookie,
  CSRF_HEADER,
  isSafeMethod,
  sameOrigin,
  sameSecret,
  sessionCookie,
  sessionToken,
} from "./security.ts";
import {
  type HttpClient,
  logInWeb,
  logOutWeb,
  resumeWeb,
  SessionEndedError,
  type WebLogin,
} from "./web_session.ts";

/** What a handler gets. */
export interface ApiContext {
  services: Services;
  request: Request;
  url: URL;
  client: HttpClient;
  /** Served over TLS (the cookie is then `Secure`). */
  secure: boolean;
  /** The session; set for every route but `auth: "none"` ones. */
  login: WebLogin | undefined;
}

/** One route. */
interface Route {
  method: "GET" | "POST" | "PUT";
  path: string;
  auth: "none" | "user" | "admin";
  handler(ctx: ApiContext): Promise<unknown>;
}

/** The logged-in session of a route that requires one. */
function loggedIn(ctx: ApiContext): WebLogin {
  if (!ctx.login) throw new Error("Route requires login but has no session");
  return ctx.login;
}

function text(body: Record<string, unknown>, key: string, max = 4096): string {
  const value = body[key];
  if (typeof value !== "string" || value.length > max) {
    throw new OperationError("bad_request", `Expected "${key}" as a string`);
  }
  return value;
}

function flag(body: Record<string, unknown>, key: string): boolean {
  const value = body[key] ?? false;
  if (typeof value !== "boolean") {
    throw new OperationError("bad_request", `Expected "${key}" as true or false`);
  }
  return value;
}

function query(ctx: ApiContext, key: string): string {
  const value = ctx.url.searchParams.get(key);
  if (value === null) throw new OperationError("bad_request", `Missing "${key}" parameter`);
  return value;
}

function wholeNumber(raw: string, key: string): number {
  const value = Number(raw);
  if (!/^\d{1,16}$/.test(raw) || !Number.isSafeInteger(value)) {
    throw new OperationError("bad_request", `Expected "${key}" as a whole number of bytes`);
  }
  return value;
}

/** A quota as bytes, or a size such as `500M`; 0 is unlimited. */
function quotaOf(value: unknown): number {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === "string") {
    try {
      return parseSize(value.trim() === "" ? "0" : value.trim());
    } catch {
      // Fall through to the refusal.
    }
  }
  throw new OperationError("bad_request", 'Expected "quota" as bytes or a size such as 500M');
}

/** Logs an administrator's action and keeps it for the admin pages' history. */
async function adminAction(
  ctx: ApiContext,
  action: string,
  target: string,
  detail: Record<string, string | number | boolean | null> = {},
): Promise<void> {
  const { session } = loggedIn(ctx);
  const by = session.account!.name;
  ctx.services.log.info("admin action", {
    by,
    peer: session.peer,
    action,
    target,
    ...detail,
    protocol: "http",
  });
  await ctx.services.accounts.stores.adminActions.record({
    at: Date.now(),
    by,
    peer: session.peer,
    action,
    target,
    detail: Object.entries(detail).map(([key, value]) => `${key}=${value}`).join(" "),
  });
}

function refuseOwnAccount(ctx: ApiContext, target: string, what: string): void {
  if (loggedIn(ctx).session.account!.name === target) {
    throw new OperationError(
      "forbidden",
      `You cannot ${what} your own account while logged in to it`,
    );
  }
}

async function me(ctx: ApiContext) {
  const { session, record } = loggedIn(ctx);
  const account = session.account!;
  return {
    user: account.name,
    admin: account.admin,
    csrf: record.csrf,
    usage: await ctx.services.files.usage(session),
  };
}

const ROUTES: Route[] = [
  {
    method: "POST",
    path: "/api/login",
    auth: "none",
    async handler(ctx) {
      const body = await readJson(ctx.request, ctx.services.config);
      const { login, token } = await logInWeb(
        ctx.services,
        ctx.client,
        text(body, "user", 256),
        text(body, "password", 4096),
      );
      const headers = baseHeaders("data");
      headers.set("content-type", "application/json");
      headers.append("set-cookie", sessionCookie(token, ctx.secure));
      return new Response(JSON.stringify(await me({ ...ctx, login })), { headers });
    },
  },
  {
    method: "POST",
    path: "/api/logout",
    auth: "user",
    async handler(ctx) {
      const token = sessionToken(ctx.request, ctx.secure);
      if (token !== null) await logOutWeb(ctx.services, token);
      ctx.services.log.info("logout", {
        peer: loggedIn(ctx).session.peer,
        user: loggedIn(ctx).session.account!.name,
        protocol: "http",
      });
      const headers = baseHeaders("data");
      headers.set("content-type", "application/json");
      headers.append("set-cookie", clearedCookie(ctx.secure));
      return new Response(JSON.stringify({ message: "Logged out" }), { headers });
    },
  },
  { method: "GET", path: "/api/me", auth: "user", handler: me },
  {
    method: "GET",
    path: "/api/list",
    auth: "user",
    async handler(ctx) {
      const { session } = loggedIn(ctx);
      const { path, listing } = await ctx.services.files.list(session, query(ctx, "path"));
      try {
        const usage = await ctx.services.files.usage(session);
        const headers = baseHeaders("data");
        headers.set("content-type", "application/json");
        const body = textStream(listingJson(path, usage, listing), {
          timeoutMs: ctx.services.config.transferTimeout * 1000,
          onEnd: () => listing.close(),
        });
        return new Response(body, { headers });
      } catch (error) {
        listing.close();
        throw error;
      }
    },
  },
  {
    method: "POST",
    path: "/api/mkdir",
    auth: "user",
    async handler(ctx) {
      const body = await readJson(ctx.request, ctx.services.config);
      const path = await ctx.services.files.mkdir(loggedIn(ctx).session, text(body, "path"));
      return { message: `Created directory ${path}`, path };
    },
  },
  {
    method: "POST",
    path: "/api/rename",
    auth: "user",
    async handler(ctx) {
      const body = await readJson(ctx.request, ctx.services.config);
      const { session } = loggedIn(ctx);
      const moved = await ctx.services.files.rename(session, text(body, "from"), text(body, "to"));
      return { message: `Renamed ${moved.from} to ${moved.to}`, ...moved };
    },
  },
  {
    method: "POST",
    path: "/api/delete",
    auth: "user",
    async handler(ctx) {
      const body = await readJson(ctx.request, ctx.services.config);
      const { session } = loggedIn(ctx);
      const { files } = ctx.services;
      const { path, entry } = await files.stat(session, text(body, "path"));
      const removed = entry.type === "dir"
        ? await files.removeDirectory(session, path, { recursive: flag(body, "recursive") })
        : await files.removeFile(session, path);
      return { message: `Deleted ${removed.path}`, ...removed };
    },
  },
  {
    method: "GET",
    path: "/api/download",
    auth: "user",
    handler: (ctx) =>
      serveFile(ctx.services, loggedIn(ctx).session, ctx.request, query(ctx, "path")),
  },
  {
    // Where an upload of this file would resume, and whether the rest fits (507 if not).
    method: "GET",
    path: "/api/upload",
    auth: "user",
    async handler(ctx) {
      const size = wholeNumber(query(ctx, "size"), "size");
      return await ctx.services.files.uploadOffset(loggedIn(ctx).session, query(ctx, "path"), {
        size,
        source: `web:${query(ctx, "source").slice(0, 512)}`,
      });
    },
  },
  {
    // The rest of a file, from `offset`; the partial is committed once `size` bytes are in.
    method: "PUT",
    path: "/api/upload",
    auth: "user",
    async handler(ctx) {
      const { session } = loggedIn(ctx);
      const { services, request } = ctx;
      const size = wholeNumber(query(ctx, "size"), "size");
      const offset = wholeNumber(query(ctx, "offset"), "offset");
      const declared = request.headers.get("content-length");
      if (offset > size || (declared !== null && Number(declared) !== size - offset)) {
        throw new OperationError("bad_request", `Expected ${size - offset} bytes from ${offset}`);
      }
      const upload = await services.files.upload(session, query(ctx, "path"), {
        offset,
        size,
        source: `web:${query(ctx, "source").slice(0, 512)}`,
      });
      const record = new TransferRecord(services, session, {
        direction: "upload",
        path: upload.path,
        offset,
        total: size,
        label: `PUT ${upload.path}`,
      });
      using body = new BodySource(request, services.config);
      try {
        await upload.receive(body, {
          length: size - offset,
          onProgress: (received) => record.progress(received),
        });
        const result = await upload.commit();
        record.end("complete");
        return { message: `Stored ${result.path}`, path: result.path, size, sha256: result.sha256 };
      } catch (error) {
        record.end("aborted");
        // A cut upload keeps its partial: the page asks for the offset and sends the rest.
        await upload.abort();
        if (error instanceof Deno.errors.UnexpectedEof) {
          throw new OperationError(
            "bad_request",
            `Upload of "${upload.path}" cut at byte ${upload.length} of ${size}: send the rest`,
          );
        }
        throw error;
      }
    },
  },
  {
    method: "POST",
    path: "/api/passwd",
    auth: "user",
    async handler(ctx) {
      const body = await readJson(ctx.request, ctx.services.config);
      const { session } = loggedIn(ctx);
      const name = session.account!.name;
      const started = performance.now();
      const changed = await ctx.services.accounts.changePassword(
        name,
        text(body, "current"),
        text(body, "password"),
      );
      if (!changed) {
        ctx.services.log.warn("password change refused", {
          peer: session.peer,
          user: name,
          protocol: "http",
        });
        // As slow as a failed login, so guessing through here is no faster.
        const wait = started + 400 - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        throw new OperationError(
          "forbidden",
          "Current password is incorrect: password not changed",
        );
      }
      ctx.services.log.info("password changed", {
        peer: session.peer,
        user: name,
        protocol: "http",
      });
      // Every session of the account ends, this one too: the page logs in again with the new one.
      return { message: `Password of "${name}" changed: log in with the new one` };
    },
  },
  {
    method: "GET",
    path: "/api/admin/users",
    auth: "admin",
    async handler(ctx) {
      return { users: (await ctx.services.accounts.list()).map(toUserInfo) };
    },
  },
  {
    method: "POST",
    path: "/api/admin/users",
    auth: "admin",
    async handler(ctx) {
      const body = await readJson(ctx.request, ctx.services.config);
      const name = text(body, "name", 64);
      const account = await ctx.services.accounts.create({
        name,
        password: text(body, "password"),
        admin: flag(body, "admin"),
        quota: body.quota === undefined ? ctx.services.config.defaultQuota : quotaOf(body.quota),
      });
      await adminAction(ctx, "adduser", name, { admin: account.admin, quota: account.quota });
      return { message: `Created user "${name}"`, user: toUserInfo(account) };
    },
  },
  {
    method: "POST",
    path: "/api/admin/users/disable",
    auth: "admin",
    async handler(ctx) {
      const body = await readJson(ctx.request, ctx.services.config);
      const name = text(body, "name", 64);
      const disabled = flag(body, "disabled");
      if (disabled) refuseOwnAccount(ctx, name, "disable");
      await ctx.services.accounts.setDisabled(name, disabled);
      await adminAction(ctx, disabled ? "disable" : "enable", name);
      return { message: `${disabled ? "Disabled" : "Enabled"} user "${name}"` };
    },
  },
  {
    method: "POST",
    path: "/api/admin/users/delete",
    auth: "admin",
    async handler(ctx) {
      const body = await readJson(ctx.request, ctx.services.config);
      const name = text(body, "name", 64);
      const purge = flag(body, "purge");
      refuseOwnAccount(ctx, name, "delete");
      const { accounts } = ctx.services;
      const { keptHome } = await accounts.remove(name, { purge });
      const kept = keptHome === null ? null : relative(accounts.dataDir, keptHome);
      await adminAction(ctx, "deluser", name, { purge, kept });
      return {
        message: purge
          ? `Deleted user "${name}" and their files`
          : `Deleted user "${name}"${kept === null ? "" : `; their files are kept in ${kept}`}`,
      };
    },
  },
  {
    method: "POST",
    path: "/api/admin/users/quota",
    auth: "admin",
    async handler(ctx) {
      const body = await readJson(ctx.request, ctx.services.config);
      const name = text(body, "name", 64);
      const account = await ctx.services.accounts.setQuota(name, quotaOf(body.quota));
      await adminAction(ctx, "setquota", name, { quota: account.quota });
      return { message: describeQuota(account) };
    },
  },
  {
    method: "POST",
    path: "/api/admin/users/password",
    auth: "admin",
    async handler(ctx) {
      const body = await readJson(ctx.request, ctx.services.config);
      const name = text(body, "name", 64);
      refuseOwnAccount(ctx, name, "reset the password of");
      await ctx.services.accounts.setPassword(name, text(body, "password"));
      await adminAction(ctx, "setpasswd", name);
      return { message: `Password of "${name}" set; their sessions end` };
    },
  },
  {
    method: "GET",
    path: "/api/admin/sessions",
    auth: "admin",
    async handler(ctx) {
      const own = loggedIn(ctx).session.id;
      const sessions = (await ctx.services.sessions.list()).map((session) => ({
        ...session,
        since: new Date(session.since).toISOString(),
        own: session.id === own,
      }));
      return { sessions };
    },
  },
  {
    method: "POST",
    path: "/api/admin/sessions/end",
    auth: "admin",
    async handler(ctx) {
      const body = await readJson(ctx.request, ctx.services.config);
      const id = body.id;
      if (typeof id !== "number" || !Number.isSafeInteger(id)) {
        throw new OperationError("bad_request", 'Expected "id" as a session number');
      }
      const target = (await ctx.services.sessions.list()).find((session) => session.id === id);
      if (!target || !await ctx.services.sessions.requestEnd(id)) {
        throw new OperationError("not_found", `No session ${id}`);
      }
      await adminAction(ctx, "endsession", target.user ?? "-", {
        session: id,
        protocol: target.protocol,
        address: target.address,
      });
      return { message: `Session ${id} ends at its next request` };
    },
  },
  {
    method: "GET",
    path: "/api/admin/actions",
    auth: "admin",
    async handler(ctx) {
      const actions = (await ctx.services.accounts.stores.adminActions.recent(100)).map((
        action,
      ) => ({ ...action, at: new Date(action.at).toISOString() }));
      return { actions };
    },
  },
];

const ROUTE_TABLE = new Map(ROUTES.map((route) => [`${route.method} ${route.path}`, route]));
const PATHS = new Set(ROUTES.map((route) => route.path));

/** `{path, usage, entries}` as JSON text, the entries a batch at a time. */
function* listingJson(path: string, usage: unknown, listing: Listing): Generator<string> {
  yield `{"path":${JSON.stringify(path)},"usage":${JSON.stringify(usage)},"entries":`;
  yield* listing.json();
  yield "}";
}

/** A JSON answer with the data headers. */
export function jsonResponse(value: unknown, status = 200, extra: HeadersInit = {}): Response {
  const headers = baseHeaders("data");
  headers.set("content-type", "application/json");
  for (const [key, item] of new Headers(extra)) headers.append(key, item);
  return new Response(JSON.stringify(value), { status, headers });
}

/** An error as the API answers it: `{ error, kind }` with the HTTP status of its kind. */
export function errorResponse(error: unknown, services: Services, peer: string): Response {
  const reply = toErrorReply(error);
  if (reply.internal) {
    services.log.error("internal error", {
      peer,
      detail: error instanceof Error ? error.stack ?? error.message : String(error),
      protocol: "http",
    });
  }
  return jsonResponse({ error: reply.message, kind: reply.kind }, reply.http);
}

/** Answers one `/api/` request. */
export async function dispatchApi(ctx: ApiContext): Promise<Response> {
  const { request, url, services } = ctx;
  const route = ROUTE_TABLE.get(`${request.method} ${url.pathname}`);
  try {
    if (!route) {
      if (PATHS.has(url.pathname)) {
        throw new OperationError("unknown_operation", `${request.method} not allowed here`);
      }
      throw new OperationError("not_found", `No API route ${url.pathname}`);
    }
    if (!isSafeMethod(request.method)) {
      if (!sameOrigin(request)) {
        throw new OperationError("forbidden", "Cross-origin request refused");
      }
    }
    if (route.auth !== "none") {
      const token = sessionToken(request, ctx.secure);
      ctx.login = await resumeWeb(services, ctx.client, token);
      if (!isSafeMethod(request.method)) {
        if (!sameSecret(request.headers.get(CSRF_HEADER), ctx.login.record.csrf)) {
          throw new OperationError("forbidden", `Missing or wrong ${CSRF_HEADER} header`);
        }
      }
      if (route.auth === "admin" && !ctx.login.session.account!.admin) {
        throw new OperationError("forbidden", "Only administrators may do this");
      }
    }
    const result = await route.handler(ctx);
    return result instanceof Response ? result : jsonResponse(result);
  } catch (error) {
    const response = errorResponse(error, services, `${ctx.client.address}:${ctx.client.port}`);
    if (error instanceof SessionEndedError) {
      response.headers.set("set-cookie", clearedCookie(ctx.secure));
    }
    return response;
  }
}

/** The HTTP status of an error kind (for fronts that answer without JSON). */
export function httpStatusOf(kind: keyof typeof ERROR_TABLE): number {
  return ERROR_TABLE[kind].http;
}
