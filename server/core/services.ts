/**
 * What every front's sessions share on a server thread: configuration,
 * accounts and their stores, the login guard, the live-session registry and
 * the log. Built once per thread by `boot/worker.ts`.
 */

import type { Accounts } from "./accounts.ts";
import type { FileService } from "./files.ts";
import type { LoginGuard } from "./auth/login_guard.ts";
import type { ServerConfig } from "./config.ts";
import type { Logger } from "./log.ts";
import type { SessionRegistry } from "../store/mod.ts";
import type { TransferStores } from "./transfer/stores.ts";

/** Shared, long-lived services of a server thread. */
export interface Services {
  config: ServerConfig;
  accounts: Accounts;
  log: Logger;
  /** Live sessions of all threads. */
  sessions: SessionRegistry;
  /** Per-address login limits and bans, shared by all threads. */
  loginGuard: LoginGuard;
  /** Why a plaintext session is refused (TLS required), or null when plaintext is allowed. */
  plaintextRefusal: string | null;
  /** Quota ledger, partial uploads and the sha256 cache. */
  transfers: TransferStores;
  /** Every file operation of every front. */
  files: FileService;
}
