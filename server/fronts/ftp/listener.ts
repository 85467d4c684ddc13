/**
 * The FTP listener of one server thread: a `node:net` server (so AUTH TLS
 * can upgrade a connection in place) on the shared FTP port with
 * SO_REUSEPORT, like the native listener. It is opened anew after the
 * process ran out of file descriptors (`core/net/relisten.ts`: node:net
 * stops accepting for good after one such failed accept).
 */

import { listenResiliently } from "../../core/net/relisten.ts";
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
  return await listenResiliently(
    (port) => listen(services, { ...options, port }),
    options.port,
    { protocol: "ftp", reusePort: options.reusePort, log: services.log },
  );
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
