/**
 * The SFTP listener of one server thread: a `node:net` server on the shared
 * SFTP port (SO_REUSEPORT, like the other fronts). Each connection is
 * admitted under the shared session limits before any SSH byte is read,
 * then handed to ssh2, which does the SSH transport; `connection.ts` does
 * the rest. The listener is opened anew after file descriptors ran out
 * (`core/net/relisten.ts`).
 */

import { createServer, type Server, type Socket } from "node:net";
import { plainAddress } from "../../core/net/address.ts";
import { admitConnection } from "../../core/net/admission.ts";
import { listenResiliently } from "../../core/net/relisten.ts";
import type { Services } from "../../core/services.ts";
import { createSshServer } from "./_ssh2.ts";
import { SshConnection } from "./connection.ts";

/** A listening SFTP server. */
export interface SftpListener {
  /** The bound port. */
  port: number;
  close(): void;
}

/** Options for {@linkcode listenSftp}. */
export interface ListenSftpOptions {
  hostname: string;
  port: number;
  /** Share the port with the other server threads. */
  reusePort: boolean;
  /** The host key, OpenSSH private key text. */
  hostKey: string;
}

/** Version line software name: no version number, nothing to fingerprint the build by. */
const IDENT = "ftpx";

/** Starts accepting SFTP connections. */
export async function listenSftp(
  services: Services,
  options: ListenSftpOptions,
): Promise<SftpListener> {
  const ssh = await createSshServer({ hostKey: options.hostKey, ident: IDENT });
  const connections = new WeakMap<Socket, SshConnection>();
  ssh.on("connection", (client) => {
    const connection = connections.get(client._sock);
    if (connection) connection.attach(client);
    else client.end();
  });
  const onSocket = (socket: Socket) => {
    admit(services, socket).then((connection) => {
      if (!connection) return;
      connections.set(socket, connection);
      ssh.injectSocket(socket);
    }).catch((error) => {
      services.log.error("sftp session setup failed", { detail: String(error) });
      socket.destroy();
    });
  };
  // Listened anew after the process ran out of file descriptors (node:net stops accepting then).
  return await listenResiliently(
    (port) => listen(onSocket, { ...options, port }),
    options.port,
    { protocol: "sftp", reusePort: options.reusePort, log: services.log },
  );
}

function listen(onSocket: (socket: Socket) => void, options: ListenSftpOptions): Promise<Server> {
  const server = createServer({ noDelay: true }, onSocket);
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

/** Admits a connection under the session limits; null (and closed) when refused. */
async function admit(services: Services, socket: Socket): Promise<SshConnection | null> {
  // An "error" event nobody listens to (a reset during the handshake) would kill the thread.
  socket.on("error", () => {});
  if (socket.remoteAddress === undefined) {
    socket.destroy();
    return null;
  }
  const address = plainAddress(socket.remoteAddress);
  const admission = await admitConnection(services.sessions, {
    address,
    port: socket.remotePort ?? 0,
    protocol: "sftp",
  }, services.config);
  if (!admission.admitted) {
    services.log.warn("session refused", {
      peer: `${address}:${socket.remotePort}`,
      reason: admission.message,
      protocol: "sftp",
    });
    // SSH has no way to say why before its handshake; OpenSSH's own server closes the same way.
    socket.destroy();
    return null;
  }
  socket.setKeepAlive(true);
  return new SshConnection(services, socket, admission.id, address);
}
