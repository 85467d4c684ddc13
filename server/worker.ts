/**
 * A server thread: listens on the shared port (SO_REUSEPORT, so the kernel
 * spreads connections across threads) and runs sessions. Started by
 * `serve.ts`, one per core by default.
 */

import { AccountStore } from "./accounts.ts";
import type { ServerConfig } from "./config.ts";
import { listenFtp } from "./ftp/listener.ts";
import { loadTlsMaterial as loadFtpTls } from "./ftp/tls.ts";
import { Logger } from "./log.ts";
import { LoginGuard } from "./login_guard.ts";
import type { Services } from "./ops/operation.ts";
import { useScryptBackend } from "./password.ts";
import { ScryptThread } from "./scrypt_thread.ts";
import { runSession, type SessionConn } from "./session.ts";
import { SessionRegistry } from "./session_registry.ts";
import { describeTlsListenError, plaintextRefusal } from "./tls.ts";
import { transferStores } from "./transfer/mod.ts";

/** Sent by the main thread to start a worker. */
export interface WorkerStart {
  type: "start";
  config: ServerConfig;
  /** Port to bind; 0 for the first worker when any port will do. */
  port: number;
  /** With TLS: the extra plaintext port to bind, or null for none. */
  plainPort: number | null;
  /** FTP port to bind (0: any, for the first worker); null when FTP is off. */
  ftpPort: number | null;
  reusePort: boolean;
  /** PEM certificate and key; when set, `port` speaks TLS. */
  tls: { cert: string; key: string } | null;
}

/** Sent back by a worker. */
export type WorkerReport =
  | { type: "listening"; port: number; plainPort: number | null; ftpPort: number | null }
  | { type: "failed"; message: string };

interface WorkerScope {
  onmessage: ((event: MessageEvent<WorkerStart>) => void) | null;
  postMessage(message: WorkerReport): void;
}

const scope = globalThis as unknown as WorkerScope;

scope.onmessage = (event) => {
  start(event.data).catch((error) => {
    scope.postMessage({ type: "failed", message: describe(error, event.data) });
  });
};

async function start(
  { config, port, plainPort, ftpPort, reusePort, tls }: WorkerStart,
): Promise<void> {
  const log = new Logger(config.logLevel);
  useScryptBackend(new ScryptThread().derive);
  // A bug in one session must not end every session of this thread: log it loudly, go on.
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    log.error("unhandled rejection", { detail: String(event.reason) });
  });
  const accounts = await AccountStore.open(config.dataDir);
  const ftpTls = await loadFtpTls(config);
  const hostname = config.host;
  const listener = tls
    ? Deno.listenTls({ hostname, port, reusePort, cert: tls.cert, key: tls.key })
    : Deno.listen({ hostname, port, reusePort });
  const plain = tls && plainPort !== null
    ? Deno.listen({ hostname, port: plainPort, reusePort })
    : null;
  const services: Services = {
    config,
    accounts,
    log,
    sessions: new SessionRegistry(accounts.db),
    loginGuard: new LoginGuard(accounts.db, config, { log }),
    plaintextRefusal: tls ? plaintextRefusal(config, listener.addr.port) : null,
    transfers: transferStores(accounts.db),
  };
  const ftp = ftpPort === null
    ? null
    : await listenFtp({ ...services, tls: ftpTls }, { hostname, port: ftpPort, reusePort })
      .catch((error) => {
        listener.close();
        plain?.close();
        throw error;
      });
  scope.postMessage({
    type: "listening",
    port: listener.addr.port,
    plainPort: plain?.addr.port ?? null,
    ftpPort: ftp?.port ?? null,
  });
  await Promise.all([
    acceptLoop(listener, services, tls !== null),
    plain ? acceptLoop(plain, services, false) : Promise.resolve(),
  ]);
}

async function acceptLoop(
  listener: Deno.Listener<SessionConn>,
  services: Services,
  secure: boolean,
): Promise<void> {
  for await (const conn of listener) {
    const tcp = conn as Deno.TcpConn;
    if (!secure) {
      tcp.setNoDelay(true);
      tcp.setKeepAlive(true);
    }
    runSession(conn, services, { secure });
  }
}

function describe(error: unknown, { config, port, ftpPort, tls }: WorkerStart): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "EADDRINUSE") {
    return `Cannot listen for FTP on ${config.host}:${ftpPort}: address in use (another server running? try --ftp-port)`;
  }
  if (code === "EADDRNOTAVAIL") {
    return `Cannot listen for FTP on ${config.host}:${ftpPort}: address not available on this machine`;
  }
  if (error instanceof Deno.errors.AddrInUse) {
    return `Cannot listen on ${config.host}:${port}: address in use (another server running? try --port)`;
  }
  if (error instanceof Deno.errors.AddrNotAvailable) {
    return `Cannot listen on ${config.host}:${port}: address not available on this machine`;
  }
  const tlsProblem = tls ? describeTlsListenError(error, config) : null;
  if (tlsProblem !== null) return tlsProblem;
  return error instanceof Error ? error.message : String(error);
}
