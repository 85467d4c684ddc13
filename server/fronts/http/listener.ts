/**
 * The HTTP listener of one server thread: `Deno.serve` on the shared HTTP
 * port (SO_REUSEPORT, like the other fronts), HTTPS when the server has a
 * certificate. Also sweeps expired browser sessions once a minute.
 */

import type { Services } from "../../core/services.ts";
import { handleRequest } from "./app.ts";
import { jsonResponse } from "./api.ts";
import { HttpListenError } from "./listen_error.ts";

/** How often expired browser sessions are removed. */
const SWEEP_INTERVAL_MS = 60_000;

export { HttpListenError };

/** A listening HTTP server. */
export interface HttpListener {
  port: number;
  close(): Promise<void>;
}

/** Options for {@linkcode listenHttp}. */
export interface ListenHttpOptions {
  hostname: string;
  port: number;
  reusePort: boolean;
  /** PEM certificate and key: HTTPS. */
  tls: { cert: string; key: string } | null;
}

/** Starts serving HTTP. */
export function listenHttp(services: Services, options: ListenHttpOptions): Promise<HttpListener> {
  const secure = options.tls !== null;
  return new Promise((resolve, reject) => {
    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      server = Deno.serve({
        hostname: options.hostname,
        port: options.port,
        reusePort: options.reusePort,
        ...(options.tls ?? {}),
        onListen: () => {},
        onError: (error) => {
          services.log.error("http request failed", { detail: String(error), protocol: "http" });
          return jsonResponse({ error: "Internal server error", kind: "internal" }, 500);
        },
      }, (request, info) => handleRequest(request, { services, secure, remote: info.remoteAddr }));
    } catch (error) {
      const where = `${options.hostname}:${options.port}`;
      const why = error instanceof Deno.errors.AddrInUse
        ? "address in use (another server running? try --http-port)"
        : error instanceof Error
        ? error.message
        : String(error);
      reject(new HttpListenError(`Cannot listen for HTTP on ${where}: ${why}`));
      return;
    }
    const sweep = setInterval(() => {
      services.accounts.stores.webSessions.expire(Date.now()).catch((error) =>
        services.log.error("session sweep failed", { detail: String(error), protocol: "http" })
      );
    }, SWEEP_INTERVAL_MS);
    Deno.unrefTimer(sweep);
    resolve({
      port: server.addr.port,
      close: async () => {
        clearInterval(sweep);
        await server.shutdown();
      },
    });
  });
}
