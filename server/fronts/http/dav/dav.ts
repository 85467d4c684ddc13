/**
 * WebDAV at `/dav/` (RFC 4918 class 1 and 2) over the one FileService:
 * PROPFIND (Depth 0 and 1; quota-used-bytes and quota-available-bytes on
 * collections), GET/HEAD with Range, PUT into the hidden partial and
 * committed atomically (with a Content-Length, the whole size is reserved
 * first, so an over-quota PUT is 507 before any data is stored), MKCOL,
 * DELETE, MOVE, COPY, PROPPATCH (accepted, not stored) and LOCK/UNLOCK.
 * Locks are advisory: enough for macOS Finder and Windows, which refuse to
 * write without them, but not enforced between clients (see docs/http.md).
 * Basic auth only over TLS or from loopback.
 */

import { OperationError, toErrorReply } from "../../../core/errors.ts";
import type { Services } from "../../../core/services.ts";
import { TransferRecord } from "../../../core/transfer/mod.ts";
import { BodySource, readCapped } from "../body.ts";
import { etagOf, serveFile } from "../download.ts";
import { baseHeaders } from "../security.ts";
import type { HttpClient, HttpSession } from "../web_session.ts";
import { DavLogins } from "./basic_auth.ts";
import { davPath, hrefOf } from "./paths.ts";
import {
  multistatus,
  MULTISTATUS_END,
  MULTISTATUS_START,
  type PropEntry,
  propResponse,
} from "./xml.ts";
import { textStream } from "../text_stream.ts";

/** What the DAV handler needs. */
export interface DavContext {
  services: Services;
  secure: boolean;
  url: URL;
  client: HttpClient;
}

/** Largest XML body (PROPFIND, LOCK, PROPPATCH) read. */
const MAX_XML_BYTES = 64 * 1024;
const ALLOW =
  "OPTIONS, GET, HEAD, PUT, DELETE, MKCOL, COPY, MOVE, PROPFIND, PROPPATCH, LOCK, UNLOCK";

const logins = new WeakMap<Services, DavLogins>();

function loginsOf(services: Services): DavLogins {
  let found = logins.get(services);
  if (!found) logins.set(services, found = new DavLogins(services));
  return found;
}

function isLoopback(address: string): boolean {
  return address.startsWith("127.") || address === "::1";
}

function plain(status: number, message: string, extra: Record<string, string> = {}): Response {
  const headers = baseHeaders("data");
  headers.set("content-type", "text/plain; charset=utf-8");
  for (const [key, value] of Object.entries(extra)) headers.set(key, value);
  return new Response(message ? message + "\n" : null, { status, headers });
}

/** Answers one request under `/dav`. */
export async function handleDav(request: Request, context: DavContext): Promise<Response> {
  const { services, client } = context;
  if (!context.secure && !isLoopback(client.address)) {
    return plain(403, "WebDAV needs HTTPS here: passwords are not sent in clear");
  }
  if (request.method === "OPTIONS") {
    return plain(200, "", { dav: "1, 2", allow: ALLOW, "ms-author-via": "DAV" });
  }
  let session: HttpSession;
  try {
    session = await loginsOf(services).session(request.headers.get("authorization"), client);
  } catch (error) {
    const reply = toErrorReply(error);
    if (reply.kind === "unauthenticated") {
      return plain(401, reply.message, {
        "www-authenticate": 'Basic realm="ftpx", charset="UTF-8"',
      });
    }
    return plain(reply.http, reply.message);
  }
  try {
    const path = davPath(context.url.pathname);
    return await dispatch(request, context, session, path);
  } catch (error) {
    const reply = toErrorReply(error);
    if (reply.internal) {
      services.log.error("internal error", {
        peer: session.peer,
        detail: error instanceof Error ? error.stack ?? error.message : String(error),
        protocol: "webdav",
      });
    }
    return plain(reply.http, reply.message);
  }
}

async function dispatch(
  request: Request,
  context: DavContext,
  session: HttpSession,
  path: string,
): Promise<Response> {
  const { services } = context;
  const { files } = services;
  switch (request.method) {
    case "GET":
    case "HEAD": {
      const { entry } = await files.stat(session, path);
      if (entry.type === "dir") return plain(200, "WebDAV collection: use a WebDAV client");
      return await serveFile(services, session, request, path);
    }
    case "PROPFIND":
      return await propfind(request, context, session, path);
    case "PROPPATCH": {
      await readCapped(request, MAX_XML_BYTES, services.config.headerTimeout * 1000);
      const { path: target, entry } = await files.stat(session, path);
      return xmlResponse(
        multistatus([{ href: hrefOf(target, entry.type === "dir"), props: null }]),
      );
    }
    case "PUT":
      return await put(request, context, session, path);
    case "MKCOL": {
      const body = await readCapped(request, MAX_XML_BYTES, services.config.headerTimeout * 1000);
      if (body.length > 0) return plain(415, "MKCOL with a body is not supported");
      if (await exists(services, session, path)) return plain(405, "Already exists");
      await parentMustExist(services, session, path);
      await files.mkdir(session, path);
      return plain(201, "");
    }
    case "DELETE": {
      const { path: target, entry } = await files.stat(session, path);
      if (entry.type === "dir") await files.removeDirectory(session, target, { recursive: true });
      else await files.removeFile(session, target);
      return plain(204, "");
    }
    case "MOVE":
    case "COPY":
      return await moveOrCopy(request, context, session, path);
    case "LOCK":
      return await lock(request, context, session, path);
    case "UNLOCK":
      return plain(204, "");
    default:
      return plain(405, `${request.method} is not supported`, { allow: ALLOW });
  }
}

async function exists(services: Services, session: HttpSession, path: string): Promise<boolean> {
  try {
    await services.files.stat(session, path);
    return true;
  } catch (error) {
    if (error instanceof OperationError && error.kind === "not_found") return false;
    throw error;
  }
}

/** RFC 4918: a missing parent is 409 Conflict. */
async function parentMustExist(services: Services, session: HttpSession, path: string) {
  const target = services.files.path(session, path);
  const parent = target.slice(0, target.lastIndexOf("/")) || "/";
  if (!await exists(services, session, parent)) {
    throw new DavConflict(`No collection "${parent}"`);
  }
}

class DavConflict extends OperationError {
  constructor(message: string) {
    super("exists", message);
    this.name = "DavConflict";
  }
}

async function propfind(
  request: Request,
  context: DavContext,
  session: HttpSession,
  path: string,
): Promise<Response> {
  const { services } = context;
  await readCapped(request, MAX_XML_BYTES, services.config.headerTimeout * 1000);
  const depth = request.headers.get("depth") ?? "infinity";
  if (depth !== "0" && depth !== "1") {
    return plain(403, "PROPFIND with Depth: infinity is not supported: use 0 or 1");
  }
  const { path: target, entry } = await services.files.stat(session, path);
  const usage = await services.files.usage(session);
  const quota = {
    used: usage.used,
    available: usage.quota === 0 ? null : Math.max(0, usage.quota - usage.used - usage.reserved),
  };
  const describe = (at: string, item: typeof entry): PropEntry => ({
    href: hrefOf(at, item.type === "dir"),
    props: {
      name: item.name,
      collection: item.type === "dir",
      size: item.size,
      mtime: item.mtime,
      etag: null,
      quota: item.type === "dir" ? quota : null,
    },
  });
  const self = describe(target, entry);
  if (entry.type !== "dir" || depth === "0") return xmlResponse(multistatus([self]));
  const { listing } = await services.files.list(session, target);
  const parent = target === "/" ? "" : target;
  const pieces = function* () {
    yield MULTISTATUS_START + propResponse(self);
    for (const batch of listing.batches()) {
      yield batch.map((child) => propResponse(describe(`${parent}/${child.name}`, child))).join("");
    }
    yield MULTISTATUS_END;
  };
  const body = textStream(pieces(), {
    timeoutMs: services.config.transferTimeout * 1000,
    onEnd: () => listing.close(),
  });
  return xmlResponse(body);
}

function xmlResponse(body: BodyInit, status = 207): Response {
  const headers = baseHeaders("data");
  headers.set("content-type", 'application/xml; charset="utf-8"');
  return new Response(body, { status, headers });
}

async function put(
  request: Request,
  context: DavContext,
  session: HttpSession,
  path: string,
): Promise<Response> {
  const { services } = context;
  const target = services.files.path(session, path);
  await parentMustExist(services, session, target);
  const existed = await exists(services, session, target);
  const declared = request.headers.get("content-length");
  const size = declared !== null && /^\d{1,16}$/.test(declared) ? Number(declared) : undefined;
  // With a declared size the whole of it is reserved now: over quota is 507 before any data.
  const upload = await services.files.upload(session, target, size === undefined ? {} : { size });
  const record = new TransferRecord(services, session, {
    direction: "upload",
    path: upload.path,
    total: size,
    label: `PUT ${upload.path}`,
  });
  using body = new BodySource(request, services.config);
  try {
    await upload.receive(body, {
      ...(size === undefined ? {} : { length: size }),
      onProgress: (received) => record.progress(received),
    });
    const result = await upload.commit();
    record.end("complete");
    return plain(existed ? 204 : 201, "", { etag: etagOf(result.identity.tag) });
  } catch (error) {
    record.end("aborted");
    // A PUT is all or nothing: nothing resumes a partial WebDAV upload.
    await upload.abort({ keep: false });
    if (error instanceof Deno.errors.UnexpectedEof) {
      throw new OperationError("bad_request", `PUT of "${upload.path}" cut before its end`);
    }
    throw error;
  }
}

async function moveOrCopy(
  request: Request,
  context: DavContext,
  session: HttpSession,
  path: string,
): Promise<Response> {
  const { services } = context;
  const { files } = services;
  const destination = request.headers.get("destination");
  if (destination === null) return plain(400, "Missing Destination header");
  let url: URL;
  try {
    url = new URL(destination, context.url);
  } catch {
    return plain(400, "Bad Destination header");
  }
  if (url.host !== context.url.host) return plain(502, "Destination on another server");
  const to = files.path(session, davPath(url.pathname));
  const from = files.path(session, path);
  const overwrite = (request.headers.get("overwrite") ?? "T").toUpperCase() !== "F";
  const source = await files.stat(session, from);
  if (from === to) return plain(403, "Source and destination are the same");
  await parentMustExist(services, session, to);
  const replaced = await exists(services, session, to);
  if (replaced && !overwrite) return plain(412, "Destination exists and Overwrite is F");
  if (replaced) {
    const { entry } = await files.stat(session, to);
    if (entry.type === "dir") await files.removeDirectory(session, to, { recursive: true });
    else await files.removeFile(session, to);
  }
  if (request.method === "MOVE") {
    await files.rename(session, from, to);
  } else if (source.entry.type === "dir" && request.headers.get("depth") === "0") {
    await files.mkdir(session, to);
  } else {
    await files.copy(session, from, to);
  }
  return plain(replaced ? 204 : 201, "");
}

async function lock(
  request: Request,
  context: DavContext,
  session: HttpSession,
  path: string,
): Promise<Response> {
  const { services } = context;
  const body = await readCapped(request, MAX_XML_BYTES, services.config.headerTimeout * 1000);
  const target = services.files.path(session, path);
  const refresh = /<([A-Za-z]+:)?opaquelocktoken:([0-9a-f-]{36})>/.exec(
    request.headers.get("if") ?? "",
  );
  const token = refresh
    ? `opaquelocktoken:${refresh[2]}`
    : `opaquelocktoken:${crypto.randomUUID()}`;
  let status = 200;
  if (!refresh && !await exists(services, session, target)) {
    // Locking an unmapped URL creates an empty resource (RFC 4918 section 9.10.4).
    await parentMustExist(services, session, target);
    const upload = await services.files.upload(session, target, { size: 0 });
    await upload.commit();
    status = 201;
  }
  const owner = /<([A-Za-z]+:)?owner[^>]*>([\s\S]*?)<\/([A-Za-z]+:)?owner>/.exec(body)?.[2] ?? "";
  const scope = /<([A-Za-z]+:)?shared\s*\/?>/.test(body) ? "shared" : "exclusive";
  const xml = `<?xml version="1.0" encoding="utf-8"?>
<D:prop xmlns:D="DAV:"><D:lockdiscovery><D:activelock>
<D:locktype><D:write/></D:locktype><D:lockscope><D:${scope}/></D:lockscope>
<D:depth>${request.headers.get("depth") === "0" ? "0" : "infinity"}</D:depth>
<D:owner>${escapeXmlText(owner.replace(/<[^>]*>/g, ""))}</D:owner>
<D:timeout>Second-3600</D:timeout>
<D:locktoken><D:href>${token}</D:href></D:locktoken>
<D:lockroot><D:href>${hrefOf(target, false)}</D:href></D:lockroot>
</D:activelock></D:lockdiscovery></D:prop>`;
  const headers = baseHeaders("data");
  headers.set("content-type", 'application/xml; charset="utf-8"');
  headers.set("lock-token", `<${token}>`);
  return new Response(xml, { status, headers });
}

function escapeXmlText(value: string): string {
  return value.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`).slice(0, 256);
}
