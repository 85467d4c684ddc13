/**
 * A server thread: listens on the shared port (SO_REUSEPORT, so the kernel
 * spreads connections across threads) and runs sessions. Started by
 * `serve.ts`, one per core by default.
 */

import { AccountStore } from "./accounts.ts";
import type { ServerConfig } from "./config.ts";
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
  reusePort: boolean;
}

/** Sent back by a worker. */
export type WorkerReport =
  | { type: "listening"; port: number }
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

async function start({ config, port, reusePort }: WorkerStart): Promise<void> {
  const log = new Logger(config.logLevel);
  const accounts = await AccountStore.open(config.dataDir);
  const listener = Deno.listen({ hostname: config.host, port, reusePort });
  scope.postMessage({ type: "listening", port: listener.addr.port });
  const services = {
    config,
    accounts,
    log,
    sessions: new SessionRegistry(accounts.db),
    transfers: transferStores(accounts.db),
  };
  for await (const conn of listener) {
    conn.setNoDelay(true);
    runSession(conn, services);
  }
}

function describe(error: unknown, { config, port }: WorkerStart): string {
  if (error instanceof Deno.errors.AddrInUse) {
    return `Cannot listen on ${config.host}:${port}: address in use (another server running? try --port)`;
  }
  if (error instanceof Deno.errors.AddrNotAvailable) {
    return `Cannot listen on ${config.host}:${port}: address not available on this machine`;
  }
  return error instanceof Error ? error.message : String(error);
}
