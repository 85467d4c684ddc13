/**
 * One HTTP request, from the top: limits on the request line and headers,
 * then by path: the web client's files at `/`, the JSON API at `/api/`,
 * WebDAV at `/dav/`, Prometheus metrics at `/metrics` (when `metrics` is
 * on). Every answer carries the security headers of `security.ts`.
 */

import type { Services } from "../../core/services.ts";
import { observeLatency } from "../../core/metrics.ts";
import { dispatchApi, jsonResponse } from "./api.ts";
import { APP_CSS } from "./assets/app_css.ts";
import { APP_JS } from "./assets/app_js.ts";
import { INDEX_HTML } from "./assets/index_html.ts";
import { handleDav } from "./dav/dav.ts";
import { renderMetrics } from "./metrics.ts";
import { baseHeaders } from "./security.ts";
import type { HttpClient } from "./web_session.ts";

/** Longest request target accepted (path and query), in bytes. */
const MAX_URL_BYTES = 16 * 1024;

const ASSETS: Record<string, { body: string; type: string }> = {
  "/": { body: INDEX_HTML, type: "text/html; charset=utf-8" },
  "/app.js": { body: APP_JS, type: "text/javascript; charset=utf-8" },
  "/app.css": { body: APP_CSS, type: "text/css; charset=utf-8" },
};

/** What {@linkcode handleRequest} needs besides the request. */
export interface RequestContext {
  services: Services;
  secure: boolean;
  remote: Deno.NetAddr;
}

/** Answers one request; never throws. */
export async function handleRequest(request: Request, context: RequestContext): Promise<Response> {
  const started = performance.now();
  const { services, secure, remote } = context;
  let size = request.url.length;
  for (const [name, value] of request.headers) size += name.length + value.length + 4;
  if (request.url.length > MAX_URL_BYTES) {
    return jsonResponse({ error: "Request target too long", kind: "too_large" }, 414);
  }
  if (size > services.config.maxHeaderSize) {
    return jsonResponse({ error: "Request headers too large", kind: "too_large" }, 431);
  }
  const url = new URL(request.url);
  const client: HttpClient = {
    address: remote.hostname.replace(/^::ffff:/, ""),
    port: remote.port,
    protocol: "http",
  };
  let protocol = "http";
  try {
    if (url.pathname === "/dav" || url.pathname.startsWith("/dav/")) {
      protocol = "webdav";
      return await handleDav(request, { services, secure, url, client: { ...client, protocol } });
    }
    if (url.pathname.startsWith("/api/")) {
      return await dispatchApi({ services, request, url, client, secure, login: undefined });
    }
    if (url.pathname === "/metrics" && services.config.metrics) {
      const headers = baseHeaders("data");
      headers.set("content-type", "text/plain; version=0.0.4; charset=utf-8");
      return new Response(await renderMetrics(services), { headers });
    }
    const asset = ASSETS[url.pathname];
    if (asset && (request.method === "GET" || request.method === "HEAD")) {
      const headers = baseHeaders("app");
      headers.set("content-type", asset.type);
      return new Response(request.method === "HEAD" ? null : asset.body, { headers });
    }
    return jsonResponse({ error: `Not found: ${url.pathname}`, kind: "not_found" }, 404);
  } finally {
    observeLatency(protocol, (performance.now() - started) / 1000);
  }
}
