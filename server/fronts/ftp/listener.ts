/**
 * The FTP listener of one server thread: a `node:net` server (so AUTH TLS
 * can upgrade a connection in place) on the shared FTP port with
 * SO_REUSEPORT, like the native listener.
 *
 * Deno's `node:net` server stops accepting for good once an accept fails for
 * lack of file descriptors, and says nothing (no "error" event). So the
 * listener checks every second whether the process has run out of them, and
 * once it has recovered, listens anew: otherwise a burst of connections
 * could switch FTP off until the server is restarted.
 */

import { descriptorsAvailable } from "../../core/net/descriptors.ts";
import { createServer, type Server } from "node:net";
import { runFtpSession } from "./control.ts";
import type { FtpServices } from "./verbs/verb.ts";

/** How often the process checks whether it is out of file descriptors. */
const DESCRIPTOR_CHECK_MS = 1000;

/** A listening FTP server. */
export interface FtpListener {
  /** The bound port. */
  port: number;
  close(): void;
}

/** Options for {@linkcode listenFtp}. */
export interface ListenFtpOptions {
  hostname: string;
  port: number;
  /** Share the port with the other server threads. */
  reusePort: boolean;
}

/** Starts accepting FTP connections. */
export async function listenFtp(
  services: FtpServices,
  options: ListenFtpOptions,
): Promise<FtpListener> {
  let server = await listen(services, options);
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  let outOfDescriptors = false;
  let restarting = false;
  const check = setInterval(() => {
    if (restarting) return;
    if (!descriptorsAvailable()) {
      if (!outOfDescriptors) services.log.warn("out of file descriptors", { protocol: "ftp" });
      outOfDescriptors = true;
      return;
    }
    if (!outOfDescriptors) return;
    outOfDescriptors = false;
    restarting = true;
    relisten(services, server, { ...options, port })
      .then((fresh) => {
        server = fresh;
        services.log.info("ftp listener restarted", { port });
      })
      .catch((error) => {
        outOfDescriptors = true; // Try again at the next check.
        services.log.error("ftp listener restart failed", { detail: String(error) });
      })
      .finally(() => restarting = false);
  }, DESCRIPTOR_CHECK_MS);
  Deno.unrefTimer(check);
  return {
    port,
    close: () => {
      clearInterval(check);
      server.close();
    },
  };
}

/** Replaces `old` with a new server on the same port (opened first when the port is shared). */
async function relisten(
  services: FtpServices,
  old: Server,
  options: ListenFtpOptions,
): Promise<Server> {
  if (!options.reusePort) old.close();
  const fresh = await listen(services, options);
  if (options.reusePort) old.close();
  return fresh;
}

function listen(services: FtpServices, options: ListenFtpOptions): Promise<Server> {
  const server = createServer({ noDelay: true }, (socket) => runFtpSession(socket, services));
  const { hostname, port, reusePort } = options;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: hostname, port, reusePort }, () => {
      server.off("error", reject);
      server.on("error", () => {});
      resolve(server);
    });
  });
}
