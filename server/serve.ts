/**
 * Runs the server: resolves the configuration, prepares the data dir (and
 * the first admin), then starts one listening thread per core and reports
 * where it listens.
 */

import { resolve } from "node:path";
import { AccountStore } from "./accounts.ts";
import type { ServerConfig } from "./config.ts";
import { ensureInitialAdmin } from "./initial_admin.ts";
import { Logger } from "./log.ts";
import { SessionRegistry } from "./session_registry.ts";
import { recoverReservations, removeStalePartials } from "./transfer/mod.ts";
import type { WorkerReport, WorkerStart } from "./worker.ts";

/** A running server. */
export interface RunningServer {
  /** The bound port (useful when 0 was asked for). */
  port: number;
  /** The bound FTP port; null when FTP is off. */
  ftpPort: number | null;
  /** Absolute data dir. */
  dataDir: string;
  /** Rejects if a server thread dies. */
  failed: Promise<never>;
  /** Stops every thread. */
  stop(): void;
}

/** Prepares the data dir and starts the server threads. */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const log = new Logger(config.logLevel);
  config = { ...config, dataDir: resolve(config.dataDir) };
  const accounts = await AccountStore.open(config.dataDir);
  try {
    SessionRegistry.reset(accounts.db);
    await recoverReservations(accounts);
    await removeStalePartials(accounts, config.partialMaxAge * 1000);
    const admin = await ensureInitialAdmin(accounts);
    if (admin) {
      console.log(
        `Created administrator "admin" with password ${admin.password} (also in ${admin.file})`,
      );
      log.info("initial admin created", { user: "admin" });
    }
  } finally {
    accounts.close();
  }
  const server = await startWorkers(config, log);
  const janitor = startJanitor(config, log);
  return { ...server, stop: () => (clearInterval(janitor), server.stop()) };
}

/** How often stale partial uploads are looked for while the server runs. */
const JANITOR_INTERVAL_MS = 60 * 60 * 1000;

/** Deletes stale partial uploads every hour, on its own database connection. */
function startJanitor(config: ServerConfig, log: Logger): ReturnType<typeof setInterval> {
  const timer = setInterval(async () => {
    try {
      const accounts = await AccountStore.open(config.dataDir);
      try {
        const removed = await removeStalePartials(accounts, config.partialMaxAge * 1000);
        if (removed > 0) log.info("stale partial uploads removed", { count: removed });
      } finally {
        accounts.close();
      }
    } catch (error) {
      log.error("stale partial cleanup failed", { detail: String(error) });
    }
  }, JANITOR_INTERVAL_MS);
  Deno.unrefTimer(timer);
  return timer;
}

function workerCount(config: ServerConfig): number {
  return config.workers > 0 ? config.workers : Math.max(1, navigator.hardwareConcurrency);
}

async function startWorkers(config: ServerConfig, log: Logger): Promise<RunningServer> {
  const count = workerCount(config);
  const workers: Worker[] = [];
  let rejectFailed: (error: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => rejectFailed = reject);
  const stop = () => workers.forEach((worker) => worker.terminate());
  let port = config.port;
  let ftpPort = config.ftpPort;
  try {
    for (let index = 0; index < count; index++) {
      const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
      workers.push(worker);
      ({ port, ftpPort } = await startWorker(worker, {
        type: "start",
        config,
        port,
        ftpPort,
        reusePort: count > 1,
      }));
      worker.onerror = (event) => {
        event.preventDefault();
        log.error("server thread failed", { thread: index, detail: event.message });
        rejectFailed(new Error(`Server thread ${index} failed: ${event.message}`));
      };
    }
  } catch (error) {
    stop();
    throw error;
  }
  log.debug("threads started", { count, port, ftpPort });
  return { port, ftpPort, dataDir: config.dataDir, failed, stop };
}

function startWorker(
  worker: Worker,
  start: WorkerStart,
): Promise<{ port: number; ftpPort: number | null }> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<WorkerReport>) => {
      const report = event.data;
      if (report.type === "listening") resolve({ port: report.port, ftpPort: report.ftpPort });
      else reject(new Error(report.message));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message));
    };
    worker.postMessage(start);
  });
}
