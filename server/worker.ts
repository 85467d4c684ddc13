/**
 * A server thread: listens on the shared port (SO_REUSEPORT, so the kernel
 * spreads connections across threads) and runs sessions. Started by
 * `serve.ts`, one per core by default.
 */

import { AccountStore } from "./accounts.ts";
import type { ServerConfig } from "./config.ts";
import { listenFtp } from "./ftp/listener.ts";
import { loadTlsMaterial } from "./ftp/tls.ts";
import { Logger } from "./log.ts";
import { runSession } from "./session.ts";
import { SessionRegistry } from "./session_registry.ts";
import { transferStores } from "./transfer/mod.ts";

/** Sent by the main thread to start a worker. */
export interface WorkerStart {
  type: "start";
  config: ServerConfig;
  /** Port to bind; 0 for the first worker when any port will do. */
  port: number;
  /** FTP port to bind (0: any, for the first worker); null when FTP is off. */
  ftpPort: number | null;
  reusePort: boolean;
}

/** Sent back by a worker. */
export type WorkerReport =
  | { type: "listening"; port: number; ftpPort: number | null }
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

async function start({ config, port, ftpPort, reusePort }: WorkerStart): Promise<void> {
  const log = new Logger(config.logLevel);
  const accounts = await AccountStore.open(config.dataDir);
  const tls = await loadTlsMaterial(config);
  const listener = Deno.listen({ hostname: config.host, port, reusePort });
  const services = {
    config,
    accounts,
    log,
    sessions: new SessionRegistry(accounts.db),
    transfers: transferStores(accounts.db),
  };
  const ftp = ftpPort === null
    ? null
    : await listenFtp({ ...services, tls }, { hostname: config.host, port: ftpPort, reusePort })
      .catch((error) => {
        listener.close();
        throw error;
      });
  scope.postMessage({ type: "listening", port: listener.addr.port, ftpPort: ftp?.port ?? null });
  for await (const conn of listener) {
    conn.setNoDelay(true);
    runSession(conn, services);
  }
}

function describe(error: unknown, { config, port, ftpPort }: WorkerStart): string {
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
  return error instanceof Error ? error.message : String(error);
}
