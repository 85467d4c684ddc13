/**
 * A server thread: listens on the shared port (SO_REUSEPORT, so the kernel
 * spreads connections across threads) and runs sessions. Started by
 * `serve.ts`, one per core by default.
 */

import { hostPort } from "../core/net/address.ts";
import { Accounts } from "../core/accounts.ts";
import { type ServerConfig, storesOf } from "../core/config.ts";
import { useMetricsTable, watchEventLoopLag } from "../core/metrics.ts";
import { Logger } from "../core/log.ts";
import { LoginGuard } from "../core/auth/login_guard.ts";
import { FileService } from "../core/files.ts";
import type { Services } from "../core/services.ts";
import { useScryptBackend, useVerificationCache } from "../core/auth/password.ts";
import { ScryptClient } from "../core/auth/scrypt_channel.ts";
import { PassiveLeases } from "../core/net/passive_leases.ts";
import { runSession, type SessionConn } from "../fronts/native/session.ts";
import { HttpListenError } from "../fronts/http/listen_error.ts";
import { describeTlsListenError, plaintextRefusal } from "../core/tls/tls.ts";
import { transferStores } from "../core/transfer/mod.ts";
import { useHomeLockTable } from "../storage/local/home_lock.ts";

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
  /** HTTP port to bind (0: any, for the first worker); null when HTTP is off. */
  httpPort: number | null;
  /** This thread's number, from 0. */
  thread: number;
  /** The metrics every thread counts into (`core/metrics.ts`). */
  metrics: SharedArrayBuffer;
  /** SFTP port to bind (0: any, for the first worker) and the host key; null when SFTP is off. */
  sftp: { port: number; hostKey: string } | null;
  reusePort: boolean;
  /** PEM certificate and key; when set, `port` speaks TLS. */
  tls: { cert: string; key: string } | null;
  /** Where to send password hashes: the main thread answers (`scrypt_channel.ts`). */
  hashing: MessagePort;
  /** The passive FTP ports held, shared by every thread (`passive_leases.ts`). */
  passiveLeases: SharedArrayBuffer;
  /** The home locks all threads share (`home_lock.ts`). */
  homeLocks: SharedArrayBuffer;
}

/** Sent back by a worker. */
export type WorkerReport =
  | {
    type: "listening";
    port: number;
    plainPort: number | null;
    ftpPort: number | null;
    httpPort: number | null;
    sftpPort: number | null;
  }
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
  start: WorkerStart,
): Promise<void> {
  const { config, port, plainPort, ftpPort, reusePort, tls, hashing, homeLocks } = start;
  const log = new Logger(config.logLevel);
  useHomeLockTable(homeLocks);
  useMetricsTable(start.metrics);
  watchEventLoopLag(start.thread);
  useScryptBackend(new ScryptClient(hashing).derive);
  useVerificationCache(config.loginCache);
  // A bug in one session must not end every session of this thread: log it loudly, go on.
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    log.error("unhandled rejection", { detail: String(event.reason) });
  });
  const accounts = await Accounts.open(config.dataDir, storesOf(config));
  const hostname = config.host;
  const listener = tls
    ? Deno.listenTls({ hostname, port, reusePort, cert: tls.cert, key: tls.key })
    : Deno.listen({ hostname, port, reusePort });
  const plain = tls && plainPort !== null
    ? Deno.listen({ hostname, port: plainPort, reusePort })
    : null;
  const transfers = transferStores(accounts.stores);
  const services: Services = {
    config,
    accounts,
    log,
    sessions: accounts.stores.sessions,
    loginGuard: new LoginGuard(accounts.stores.loginAttempts, config, { log }),
    plaintextRefusal: tls ? plaintextRefusal(config, listener.addr.port) : null,
    transfers,
    files: new FileService(transfers, config),
  };
  const ftp = ftpPort === null ? null : await startFtp(services, start, ftpPort)
    .catch((error) => {
      listener.close();
      plain?.close();
      throw error;
    });
  const http = start.httpPort === null ? null : await startHttp(services, start, start.httpPort)
    .catch((error) => {
      listener.close();
      plain?.close();
      ftp?.close();
      throw error;
    });
  const sftp = start.sftp;
  const sftpListener = sftp === null ? null : await startSftp(services, start, sftp)
    .catch((error) => {
      listener.close();
      plain?.close();
      ftp?.close();
      throw new SftpListenError(error);
    });
  scope.postMessage({
    type: "listening",
    port: listener.addr.port,
    plainPort: plain?.addr.port ?? null,
    ftpPort: ftp?.port ?? null,
    httpPort: http?.port ?? null,
    sftpPort: sftpListener?.port ?? null,
  });
  await Promise.all([
    acceptLoop(listener, services, tls !== null),
    plain ? acceptLoop(plain, services, false) : Promise.resolve(),
  ]);
}

/** Wait after a failed accept (e.g. out of file descriptors) before trying again. */
const ACCEPT_RETRY_MS = 100;

/**
 * Accepts connections until the listener is closed. A failed accept (out of
 * file descriptors) or a connection reset before it is set up concerns that
 * moment or that connection, never the listener: they are survived, or one
 * client could stop the whole server.
 */
async function acceptLoop(
  listener: Deno.Listener<SessionConn>,
  services: Services,
  secure: boolean,
): Promise<void> {
  let failing = false;
  while (true) {
    let conn: SessionConn;
    try {
      conn = await listener.accept();
    } catch (error) {
      if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) {
        return; // The listener was closed.
      }
      if (isGoneAlready(error)) continue;
      if (!failing) services.log.warn("accept failed", { detail: String(error) });
      failing = true;
      await new Promise((resolve) => setTimeout(resolve, ACCEPT_RETRY_MS));
      continue;
    }
    failing = false;
    if (!secure && !setUpTcp(conn as Deno.TcpConn)) continue;
    runSession(conn, services, { secure });
  }
}

/** The connection being accepted was reset by its peer already: only that one is lost. */
function isGoneAlready(error: unknown): boolean {
  return error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted;
}

/** Sets socket options; false (and closed) when the peer has already reset the connection. */
function setUpTcp(conn: Deno.TcpConn): boolean {
  try {
    conn.setNoDelay(true);
    conn.setKeepAlive(true);
    return true;
  } catch {
    try {
      conn.close();
    } catch {
      // Already closed.
    }
    return false;
  }
}

/** The SFTP listener failed to bind: errors name its port. */
class SftpListenError extends Error {
  readonly code: unknown;
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = "SftpListenError";
    this.code = (cause as { code?: unknown } | null)?.code;
  }
}

// The fronts are loaded only when configured: each isolate pays for the code it loads (ssh2 for
// SFTP, the HTTP front and its assets), in memory and start-up time. Static specifiers, so
// `deno compile` still bundles them.

async function startFtp(services: Services, start: WorkerStart, port: number) {
  const [{ listenFtp }, { ftpTlsMaterial }] = await Promise.all([
    import("../fronts/ftp/listener.ts"),
    import("../fronts/ftp/tls.ts"),
  ]);
  return await listenFtp(
    {
      ...services,
      tls: ftpTlsMaterial(start.tls),
      passiveLeases: new PassiveLeases(start.passiveLeases),
    },
    { hostname: start.config.host, port, reusePort: start.reusePort },
  );
}

async function startHttp(services: Services, start: WorkerStart, port: number) {
  const { listenHttp } = await import("../fronts/http/listener.ts");
  const { config, reusePort, tls } = start;
  return await listenHttp(services, { hostname: config.host, port, reusePort, tls });
}

async function startSftp(
  services: Services,
  start: WorkerStart,
  sftp: { port: number; hostKey: string },
) {
  const { listenSftp } = await import("../fronts/sftp/listener.ts");
  const { config, reusePort } = start;
  return await listenSftp(services, {
    hostname: config.host,
    port: sftp.port,
    reusePort,
    hostKey: sftp.hostKey,
  });
}

function describe(
  error: unknown,
  { config, port, ftpPort, httpPort, sftp, tls }: WorkerStart,
): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (httpPort !== null && error instanceof HttpListenError) return error.message;
  if (error instanceof SftpListenError) {
    const where = `${config.host}:${sftp?.port}`;
    if (code === "EADDRINUSE") {
      return `Cannot listen for SFTP on ${where}: address in use (another server running? try --sftp-port)`;
    }
    if (code === "EADDRNOTAVAIL") {
      return `Cannot listen for SFTP on ${where}: address not available on this machine`;
    }
    return `Cannot listen for SFTP on ${where}: ${error.message}`;
  }
  if (code === "EADDRINUSE") {
    return `Cannot listen for FTP on ${
      hostPort(config.host, ftpPort ?? 0)
    }: address in use (another server running? try --ftp-port)`;
  }
  if (code === "EADDRNOTAVAIL") {
    return `Cannot listen for FTP on ${
      hostPort(config.host, ftpPort ?? 0)
    }: address not available on this machine`;
  }
  if (error instanceof Deno.errors.AddrInUse) {
    return `Cannot listen on ${
      hostPort(config.host, port)
    }: address in use (another server running? try --port)`;
  }
  if (error instanceof Deno.errors.AddrNotAvailable) {
    return `Cannot listen on ${hostPort(config.host, port)}: address not available on this machine`;
  }
  const tlsProblem = tls ? describeTlsListenError(error, config) : null;
  if (tlsProblem !== null) return tlsProblem;
  return error instanceof Error ? error.message : String(error);
}
