/**
 * Helpers for the HTTP front's end-to-end tests: a server with HTTP on, and
 * a small client that keeps the session cookie and the anti-CSRF token as a
 * browser page would.
 */

import { type ServerOptions, TestServer } from "./_spawn.ts";

/** A {@linkcode TestServer} whose HTTP port is known. */
export type HttpTestServer = TestServer & { readonly httpPort: number };

/** Starts a server with HTTP (and FTP) on free ports; `ini` adds options. */
export async function startHttpServer(options: ServerOptions = {}): Promise<HttpTestServer> {
  const server = await TestServer.start({
    ...options,
    args: ["--http-port", "0", ...options.args ?? []],
  });
  if (server.httpPort === null) {
    await server.stop();
    throw new Error("Server did not report an HTTP port");
  }
  return server as HttpTestServer;
}

/** What an API call answered. */
export interface ApiAnswer {
  status: number;
  headers: Headers;
  // deno-lint-ignore no-explicit-any
  body: any;
}

/** A browser-like API client: one cookie jar, the CSRF token from login. */
export class WebClient {
  readonly base: string;
  cookie = "";
  csrf = "";
  readonly #client: Deno.HttpClient | undefined;

  /** A client of `base` (e.g. `http://127.0.0.1:8080`). */
  constructor(base: string, client?: Deno.HttpClient) {
    this.base = base;
    this.#client = client;
  }

  /** Sends a request with the cookie; the body is read (JSON when it is). */
  async request(method: string, path: string, init: {
    json?: unknown;
    body?: BodyInit;
    headers?: Record<string, string>;
    csrf?: boolean;
  } = {}): Promise<ApiAnswer> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.cookie) headers.cookie = this.cookie;
    if ((init.csrf ?? method !== "GET") && this.csrf) headers["x-ftpx-csrf"] = this.csrf;
    let body = init.body;
    if (init.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(init.json);
    }
    const response = await fetch(this.base + path, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      ...(this.#client ? { client: this.#client } : {}),
    });
    const text = await response.text();
    const setCookie = response.headers.get("set-cookie");
    if (setCookie) {
      const [pair] = setCookie.split(";");
      this.cookie = /=$/.test(pair!) ? "" : pair!;
    }
    let parsed: unknown = text;
    if ((response.headers.get("content-type") ?? "").startsWith("application/json")) {
      parsed = JSON.parse(text);
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }

  /** Logs in; keeps the cookie and the CSRF token. */
  async login(user: string, password: string): Promise<ApiAnswer> {
    const answer = await this.request("POST", "/api/login", { json: { user, password } });
    if (answer.status === 200) this.csrf = answer.body.csrf;
    return answer;
  }

  /** GET a JSON route. */
  get(path: string): Promise<ApiAnswer> {
    return this.request("GET", path);
  }

  /** POST JSON with the CSRF token. */
  post(path: string, json: unknown): Promise<ApiAnswer> {
    return this.request("POST", path, { json });
  }

  /** Uploads `data` whole to `path` the way the web client does (offset, then the rest). */
  async upload(path: string, data: Uint8Array, source = "test"): Promise<ApiAnswer> {
    const query = `path=${encodeURIComponent(path)}&size=${data.length}&source=${source}`;
    const where = await this.get(`/api/upload?${query}`);
    if (where.status !== 200) return where;
    const offset: number = where.body.offset;
    return await this.request("PUT", `/api/upload?${query}&offset=${offset}`, {
      body: data.slice(offset),
      headers: { "content-type": "application/octet-stream" },
    });
  }
}
