/**
 * The FTP listener of one server thread: a `node:net` server (so AUTH TLS
 * can upgrade a connection in place) on the shared FTP port with
 * SO_REUSEPORT, like the native listener.
 */

import { createServer, type Server } from "node:net";
import { runFtpSession } from "./control.ts";
import type { FtpServices } from "./verbs/verb.ts";

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
  const server = createServer({ noDelay: true }, (socket) => runFtpSession(socket, services));
  await listen(server, options);
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return { port, close: () => server.close() };
}

function listen(server: Server, { hostname, port, reusePort }: ListenFtpOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: hostname, port, reusePort }, () => {
      server.off("error", reject);
      server.on("error", () => {});
      resolve();
    });
  });
}
