/**
 * What an FTP verb is: its names, its rules (allowed before login? argument
 * required? needs a data connection?) and a handler. `dispatchVerb()` in
 * `mod.ts` applies the rules once, before any handler runs, so handlers
 * never repeat checks (pyftpdlib's `proto_cmds`); HELP and FEAT are
 * generated from the same records (ftp-srv's registry).
 */

import type { Account } from "../../../core/accounts.ts";
import type { Services } from "../../../core/services.ts";
import type { TransferSubject } from "../../../core/transfer/mod.ts";
import { signedIn, type UserSession } from "../../../core/session.ts";
import type { PassiveLeases } from "../../../core/net/passive_leases.ts";
import type { DataConn, TlsMaterial } from "../data_channel.ts";
import type { FtpReply } from "../replies.ts";

/** Whether a verb works before login. */
export type VerbAuth = "none" | "user";

/** Whether a verb takes an argument. */
export type VerbArgument = "none" | "optional" | "required";

/** Server-wide services an FTP session uses: the native ones plus TLS material. */
export interface FtpServices extends Services {
  /** Set when `tls_cert` and `tls_key` are configured. */
  tls: TlsMaterial | undefined;
  /** Passive ports held by every session of every thread, for the per-user and per-address caps. */
  passiveLeases: PassiveLeases;
}

/** A transfer a verb hands to the session, which runs it over the data connection. */
export interface TransferJob {
  /** What runs, for logs and `who`, e.g. `RETR /docs/a.txt`. */
  description: string;
  /** Text of the 150 reply. */
  opening: string;
  /** What moves, for `who` and the transfer's log line. */
  subject: TransferSubject;
  /**
   * Moves the data, calling `report` with the bytes moved so far (for STAT,
   * `who` and stall detection); returns the final reply (226 when undefined).
   */
  run(data: DataConn, report: (bytes: number) => void): Promise<FtpReply | undefined>;
  /** Runs once the transfer is over, whether `run` ran or not: close files, end uploads. */
  end?(): Promise<void> | void;
}

/** The part of an FTP session verbs see and change: the front-neutral session, plus these. */
export interface FtpSessionState extends UserSession {
  /** Local address the connection reached (passive ports are bound there). */
  readonly localAddress: string;
  /**
   * The address the client connected to: `localAddress`, or the balancer's
   * when a PROXY header said so. PASV announces it unless `pasv_address` is set.
   */
  readonly publicAddress: string;
  /** User named by USER, waiting for PASS. */
  pendingUser: string | undefined;
  /** Source of a rename, set by RNFR for the next command. */
  renameFrom: string | undefined;
  /** Offset set by REST for the next transfer. */
  restartOffset: number;
  /** TYPE: ASCII or image; both are transferred byte for byte. */
  type: "A" | "I";
  /** PROT P: data connections use TLS. */
  protectData: boolean;
  /** PBSZ was sent (after AUTH TLS). */
  bufferSizeSet: boolean;
  /** After `EPSV ALL` only EPSV may set up data connections. */
  epsvAll: boolean;
  /** MLST/MLSD facts selected with `OPTS MLST`. */
  mlstFacts: ReadonlySet<string>;
  /** True once the control connection uses TLS. */
  readonly tls: boolean;
  /** True while a transfer runs. */
  readonly transferring: boolean;
  /** True when PASV/EPSV/PORT/EPRT has prepared a data connection. */
  readonly dataReady: boolean;
  /** True once the client has closed the control connection (it may still be sending data). */
  readonly controlLost: boolean;

  /** Sends `reply`, then performs the server side of a TLS handshake. */
  startTls(reply: FtpReply): Promise<void>;
  /** Opens a passive listener (closing any previous one first); returns its port. */
  openPassive(): Promise<number>;
  /** Remembers where an active-mode transfer connects. */
  setActiveTarget(hostname: string, port: number): Promise<void>;
  /** Runs a transfer in the background (150, data, then 226 or an error reply). */
  startTransfer(job: TransferJob): void;
  /** Aborts the running transfer (its 426 is sent) and waits for it to end. */
  abortTransfer(): Promise<void>;
  /** Closes a prepared data connection that is not used. */
  dropDataChannel(): Promise<void>;
  /** The running transfer's description and progress. */
  transferStatus(): { description: string; bytes: number } | undefined;
}

/** Everything a handler may use. */
export interface VerbContext {
  session: FtpSessionState;
  services: FtpServices;
  /** Every verb by each of its names (for HELP and FEAT). */
  verbs: ReadonlyMap<string, Verb>;
}

/** A registered verb. */
export interface Verb {
  /** Canonical name, upper case. */
  name: string;
  /** Other names for the same verb (e.g. XPWD for PWD). */
  aliases?: readonly string[];
  /** Usage for `HELP VERB`, e.g. `RETR <path>`. */
  syntax: string;
  auth: VerbAuth;
  arg: VerbArgument;
  /** Needs a data connection prepared by PASV, EPSV, PORT or EPRT. */
  data?: boolean;
  /** May run while a transfer is in progress; other verbs wait for it to end. */
  duringTransfer?: boolean;
  /** Lines this verb adds to FEAT, if any (may depend on the configuration and session). */
  feat?: (ctx: VerbContext) => string[];
  /** Runs the verb; returns its reply, or undefined when it replied itself. */
  handler(ctx: VerbContext, arg: string): Promise<FtpReply | undefined>;
}

/** Declares a verb (an identity function that checks the record's shape). */
export function defineVerb(verb: Verb): Verb {
  return verb;
}

/** The session's account; dispatch guarantees it for `auth: "user"` verbs. */
export function loggedIn(ctx: VerbContext): { account: Account } {
  return { account: signedIn(ctx.session).account };
}
