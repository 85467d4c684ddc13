/**
 * Runs the server: resolves the configuration, prepares the data dir (and
 * the first admin), then starts one listening thread per core and reports
 * where it listens.
 */

import { hostPort } from "../core/net/address.ts";
import { resolve } from "node:path";
import { Accounts } from "../core/accounts.ts";
import { nodeIdOf, type ServerConfig, storesOf } from "../core/config.ts";
import { ensureInitialAdmin, initialAdminNotice } from "./initial_admin.ts";
import { keepNodeLease, type NodeLeaseKeeper } from "./node_lease.ts";
import { answerScryptRequests } from "../core/auth/scrypt_channel.ts";
import { Logger } from "../core/log.ts";
import { PassiveLeases } from "../core/net/passive_leases.ts";
import { keyIsExposed, loadTlsMaterial, type TlsMaterial } from "../core/tls/tls.ts";
import { recoverReservations, removeStalePartials } from "../core/transfer/mod.ts";
import { measureUnmeasured } from "../core/usage.ts";
import { metricsBuffer } from "../core/metrics.ts";
import { homeLockBuffer } from "../storage/local/home_lock.ts";
import type { LoadedHostKey } from "./sftp_host_key.ts";
import type { WorkerReport, WorkerStart } from "./worker.ts";

/** A running server. */
export interface RunningServer {
  /** The bound port (useful when 0 was asked for); TLS when `tlsFingerprint` is set. */
  port: number;
  /** With TLS, the bound plaintext port, if one was asked for. */
  plainPort: number | null;
  /** SHA-256 fingerprint of the TLS certificate; null without TLS. */
  tlsFingerprint: string | null;
  /** The bound FTP port; null when FTP is off. */
  ftpPort: number | null;
  /** The bound HTTP port (HTTPS with TLS); null when HTTP is off. */
  httpPort: number | null;
  /** The bound SFTP port and the host key's fingerprint; null when SFTP is off. */
  sftp:
    | { port: number; fingerprint: string; kind: string; keyFile: string; created: boolean }
    | null;
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
  for (const listener of listenersOf(config)) assertCanListen(config.host, listener);
  const tls = await loadTlsMaterial(config);
  await warnAboutTls(config, tls, log);
  // A PostgreSQL schema is created or upgraded here, once, before any server thread opens it.
  const accounts = await Accounts.open(config.dataDir, { ...storesOf(config), migrate: true });
  try {
    await accounts.stores.sessions.reset();
    await recoverReservations(accounts);
    await removeStalePartials(accounts, config.partialMaxAge * 1000);
    for (const { name, stored, measured } of await measureUnmeasured(accounts)) {
      log.info("used space measured", { user: name, stored, measured });
    }
    const admin = await ensureInitialAdmin(accounts);
    if (admin) {
      console.log(initialAdminNotice(admin, Deno.stdout.isTerminal()));
      log.info("initial admin created", { user: "admin" });
    }
    // Its own leftovers are settled: from now on this node's rows are live ones.
    await accounts.stores.nodes.join();
  } finally {
    await accounts.close();
  }
  // Loaded only for SFTP: the host key's module brings ssh2 with it.
  const hostKey = config.sftpPort === null
    ? null
    : await (await import("./sftp_host_key.ts")).loadSftpHostKey(config);
  if (hostKey?.created) log.info("sftp host key created", { file: hostKey.path });
  if (hostKey?.exposed) {
    log.warn("SFTP host key readable by others", { file: hostKey.path, detail: "chmod 600 it" });
  }
  const lease = await startNodeLease(config, log);
  let server: RunningServer;
  try {
    server = await startWorkers(config, tls, log, hostKey);
  } catch (error) {
    lease?.keeper.stop();
    throw error;
  }
  const janitor = startJanitor(config, log);
  return {
    ...server,
    failed: lease ? Promise.race([server.failed, lease.lost]) : server.failed,
    stop: () => (clearInterval(janitor), lease?.keeper.stop(), server.stop()),
  };
}

/** With a shared database, keeps this node's lease (`node_lease.ts`); null with SQLite. */
async function startNodeLease(
  config: ServerConfig,
  log: Logger,
): Promise<{ keeper: NodeLeaseKeeper; lost: Promise<never> } | null> {
  if (config.db === null) return null;
  const accounts = await Accounts.open(config.dataDir, storesOf(config));
  let reject: (error: Error) => void = () => {};
  const lost = new Promise<never>((_, fail) => reject = fail);
  lost.catch(() => {}); // Observed through `failed`.
  const keeper = keepNodeLease(accounts, {
    leaseMs: config.nodeLease * 1000,
    log,
    onLost: () => reject(new Error(`Node ${nodeIdOf(config)} lost its lease: restart it`)),
  });
  return { keeper, lost };
}

/** How often stale partial uploads are looked for while the server runs. */
const JANITOR_INTERVAL_MS = 60 * 60 * 1000;

/** Deletes stale partial uploads every hour, on its own database connection. */
function startJanitor(config: ServerConfig, log: Logger): ReturnType<typeof setInterval> {
  const timer = setInterval(async () => {
    try {
      const accounts = await Accounts.open(config.dataDir, storesOf(config));
      try {
        const removed = await removeStalePartials(accounts, config.partialMaxAge * 1000);
        if (removed > 0) log.info("stale partial uploads removed", { count: removed });
      } finally {
        await accounts.close();
      }
    } catch (error) {
      log.error("stale partial cleanup failed", { detail: String(error) });
    }
  }, JANITOR_INTERVAL_MS);
  Deno.unrefTimer(timer);
  return timer;
}

/**
 * Fails early, before the data dir is touched, if the address can't be
 * listened on: a bad host, or a port another process holds. Server threads
 * bind with SO_REUSEPORT, which would let a second ftpx server share the port
 * and split clients between two servers; this probe binds without it, so it
 * is refused while anyone listens.
 */
function assertCanListen(host: string, listener: Listener): void {
  try {
    Deno.listen({ hostname: host, port: listener.port }).close();
  } catch (error) {
    throw new Error(
      `Cannot listen${listener.what} on ${hostPort(host, listener.port)}: ${
        listenFailure(error, listener.setting)
      }`,
    );
  }
}

/** A port the server will listen on: what it serves, and the setting a user changes it with. */
interface Listener {
  port: number;
  what: string;
  setting: string;
}

function listenersOf(config: ServerConfig): Listener[] {
  const listeners: Listener[] = [{ port: config.port, what: "", setting: "--port" }];
  if (config.plainPort !== null) {
    listeners.push({ port: config.plainPort, what: " without TLS", setting: "plain_port" });
  }
  if (config.ftpPort !== null) {
    listeners.push({ port: config.ftpPort, what: " for FTP", setting: "--ftp-port" });
  }
  if (config.httpPort !== null) {
    listeners.push({ port: config.httpPort, what: " for HTTP", setting: "--http-port" });
  }
  if (config.sftpPort !== null) {
    listeners.push({ port: config.sftpPort, what: " for SFTP", setting: "--sftp-port" });
  }
  return listeners;
}

function listenFailure(error: unknown, setting: string): string {
  if (error instanceof Deno.errors.AddrInUse) {
    return `address in use (another server running? try ${setting})`;
  }
  if (error instanceof Deno.errors.AddrNotAvailable) return "address not available on this machine";
  if (error instanceof Deno.errors.PermissionDenied) {
    return "permission denied (ports below 1024 need privileges)";
  }
  const text = error instanceof Error ? error.message : String(error);
  if (/failed to lookup address/i.test(text)) return "unknown host (check --host)";
  return text;
}

/** Warnings a careful operator wants at startup: secrets in the clear, a key others can read. */
async function warnAboutTls(
  config: ServerConfig,
  tls: TlsMaterial | null,
  log: Logger,
): Promise<void> {
  if (tls === null && !isLoopback(config.host)) {
    log.warn("no TLS", {
      detail: "passwords and files cross the network in plaintext; see ftpx cert and --tls-cert",
    });
  }
  if (tls !== null && !config.requireTls && config.plainPort !== null) {
    log.warn("plaintext logins allowed", { port: config.plainPort, detail: "require_tls = false" });
  }
  if (tls !== null && !config.requireTls && config.ftpPort !== null) {
    // FTP clients may then send USER and PASS before AUTH TLS, or never send it.
    log.warn("plaintext logins allowed", {
      port: config.ftpPort,
      detail: "require_tls = false",
      protocol: "ftp",
    });
  }
  if (tls !== null && config.proxyProtocol) {
    // A PROXY header comes before the TLS handshake, which Deno's TLS listener does itself.
    log.warn("no PROXY protocol on the TLS port", {
      port: config.port,
      detail: "proxy_protocol applies to plain_port and FTP; the TLS port takes direct clients",
    });
  }
  if (tls === null && config.httpPort !== null && !isLoopback(config.host)) {
    // Only reached with http_insecure = true: loadConfig refuses it otherwise.
    log.warn("http without TLS", {
      port: config.httpPort,
      detail: "http_insecure = true: passwords and session cookies cross the network in clear",
      protocol: "http",
    });
  }
  if (config.tlsKey !== null && await keyIsExposed(config.tlsKey)) {
    log.warn("TLS key readable by others", { file: config.tlsKey, detail: "chmod 600 it" });
  }
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

function workerCount(config: ServerConfig): number {
  return config.workers > 0 ? config.workers : Math.max(1, navigator.hardwareConcurrency);
}

async function startWorkers(
  config: ServerConfig,
  tls: TlsMaterial | null,
  log: Logger,
  hostKey: LoadedHostKey | null,
): Promise<RunningServer> {
  const count = workerCount(config);
  const workers: Worker[] = [];
  let rejectFailed: (error: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => rejectFailed = reject);
  const hashing: MessagePort[] = [];
  const stop = () => {
    workers.forEach((worker) => worker.terminate());
    hashing.forEach((port) => port.close());
  };
  let port = config.port;
  let plainPort = tls === null ? null : config.plainPort;
  let ftpPort = config.ftpPort;
  let httpPort = config.httpPort;
  const metrics = metricsBuffer();
  let sftpPort = config.sftpPort;
  // One table of passive ports for all threads, so the caps hold across them.
  const passiveLeases = PassiveLeases.createBuffer();
  try {
    for (let index = 0; index < count; index++) {
      const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
      workers.push(worker);
      const channel = new MessageChannel();
      answerScryptRequests(channel.port1);
      hashing.push(channel.port1);
      ({ port, plainPort, ftpPort, httpPort, sftpPort } = await startWorker(worker, {
        type: "start",
        config,
        port,
        plainPort,
        ftpPort,
        httpPort,
        thread: index,
        metrics,
        sftp: hostKey && sftpPort !== null ? { port: sftpPort, hostKey: hostKey.privateKey } : null,
        reusePort: count > 1,
        tls: tls && { cert: tls.cert, key: tls.key },
        hashing: channel.port2,
        passiveLeases,
        // One table of home locks for every thread (and this one): see home_lock.ts.
        homeLocks: homeLockBuffer(),
      }));
      // Once listening, a thread that stops (a crash, or its accept loop failing) stops the
      // server: better a clean exit a supervisor restarts than a port that silently stalls.
      const fail = (detail: string) => {
        log.error("server thread failed", { thread: index, detail });
        rejectFailed(new Error(`Server thread ${index} failed: ${detail}`));
      };
      worker.onmessage = (event: MessageEvent<WorkerReport>) => {
        if (event.data.type === "failed") fail(event.data.message);
      };
      worker.onerror = (event) => {
        event.preventDefault();
        fail(event.message);
      };
    }
  } catch (error) {
    stop();
    throw error;
  }
  log.debug("threads started", { count, port, ftpPort, sftpPort });
  return {
    port,
    plainPort,
    ftpPort,
    httpPort,
    sftp: hostKey && sftpPort !== null
      ? {
        port: sftpPort,
        fingerprint: hostKey.fingerprint,
        kind: hostKey.kind,
        keyFile: hostKey.path,
        created: hostKey.created,
      }
      : null,
    tlsFingerprint: tls?.fingerprint ?? null,
    dataDir: config.dataDir,
    failed,
    stop,
  };
}

function startWorker(
  worker: Worker,
  start: WorkerStart,
): Promise<
  {
    port: number;
    plainPort: number | null;
    ftpPort: number | null;
    httpPort: number | null;
    sftpPort: number | null;
  }
> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<WorkerReport>) => {
      const report = event.data;
      if (report.type === "listening") {
        const { port, plainPort, ftpPort, httpPort, sftpPort } = report;
        resolve({ port, plainPort, ftpPort, httpPort, sftpPort });
      } else reject(new Error(report.message));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message));
    };
    worker.postMessage(start, [start.hashing]);
  });
}
