/**
 * One FTP control connection: greets, reads command lines, dispatches them
 * through the verb registry and answers, until QUIT, too many failed
 * logins, an idle timeout or a dead socket. Transfers run in the background
 * so ABOR, STAT and NOOP still work while data flows; any other command
 * waits for the transfer to end. Errors are caught here, once: domain errors
 * are mapped through `ERROR_TABLE`'s FTP codes, anything else becomes a
 * generic 451 and is logged, never shown.
 */

import { Code } from "./codes.ts";
import {
  MAX_LINGER_MS,
  MAX_LOGGED_COMMAND_CHARS,
  TLS_HANDSHAKE_TIMEOUT_MS,
} from "../../core/limits.ts";
import { closeQuietly, isDisconnect } from "../../core/net/disconnect.ts";
import type { Socket } from "node:net";
import type { Account } from "../../core/accounts.ts";
import { ERROR_TABLE, OperationError, toErrorReply } from "../../core/errors.ts";
import { admitConnection } from "../../core/net/admission.ts";
import {
  type ClientOrigin,
  originThroughProxy,
  ProxyHeaderError,
} from "../../core/net/proxy_protocol.ts";
import type { HomeStorage } from "../../storage/mod.ts";
import { protRequired } from "../../core/config.ts";
import {
  isLeaseRefusal,
  type LeaseRefusal,
  type PassiveLease,
} from "../../core/net/passive_leases.ts";
import { connectActive, DataChannelError, type DataConn, PassiveListener } from "./data_channel.ts";
import { FtpLineReader } from "./line_reader.ts";
import { MLST_FACTS } from "./listing.ts";
import { formatReply, type FtpReply, reply } from "./replies.ts";
import { type ByteConn, SocketConn } from "./socket_conn.ts";
import { StallGuard } from "../../core/net/stall_guard.ts";
import { RateGuard, readCount } from "../../core/net/rate_guard.ts";
import { TransferRecord } from "../../core/transfer/mod.ts";
import { dispatchVerb, type FtpCommand, parseCommand, VERBS } from "./verbs/mod.ts";
import type { FtpServices, FtpSessionState, TransferJob, VerbContext } from "./verbs/verb.ts";

/** The 521 reply to a data command without PROT P when `require_prot_p` applies. */
export const PROT_P_REQUIRED =
  "Data connections must be encrypted on this server: send PBSZ 0 and PROT P first";

const encoder = new TextEncoder();

/** Serves one FTP control connection until it ends; never throws. */
export async function runFtpSession(socket: Socket, services: FtpServices): Promise<void> {
  // An "error" event nobody listens to (a reset while a refusal is sent) would kill the thread.
  socket.on("error", () => {});
  if (socket.remoteAddress === undefined) {
    socket.destroy(); // Reset before we got to it: nobody to serve or to count.
    return;
  }
  let session: FtpSession;
  const conn = new SocketConn(socket);
  const origin = await ftpClientOrigin(conn, services);
  if (origin === null) return;
  try {
    // The same session limits as the native protocol, counted together (server/core/net/admission.ts).
    const admission = await admitConnection(services.sessions, {
      address: origin.client.address,
      port: origin.client.port,
      protocol: "ftp",
    }, services.config);
    if (!admission.admitted) {
      services.log.warn("session refused", {
        peer: `${origin.client.address}:${origin.client.port}`,
        reason: admission.message,
        protocol: "ftp",
      });
      const code = ERROR_TABLE[admission.kind].ftp;
      socket.end(encoder.encode(`${code} ${admission.message}\r\n`));
      setTimeout(() => socket.destroy(), MAX_LINGER_MS);
      conn.drain(); // Read and drop what the client sends, so closing does not reset.
      return;
    }
    session = new FtpSession(conn, services, admission.id, origin);
  } catch (error) {
    services.log.error("ftp session setup failed", { detail: String(error) });
    socket.destroy();
    return;
  }
  session.run().catch((error) => {
    services.log.error("ftp session failed", { detail: String(error) });
  });
}

/**
 * The client of a control connection: the socket's peer, or with
 * `proxy_protocol` the one the balancer's PROXY header names (read before
 * the greeting: the balancer sends it first). Null, the connection closed
 * and the reason logged, for a peer outside `proxy_from` or no valid header.
 */
async function ftpClientOrigin(
  conn: SocketConn,
  services: FtpServices,
): Promise<ClientOrigin | null> {
  const peer = { address: conn.remoteAddress, port: conn.remotePort };
  const local = { address: conn.localAddress, port: conn.localPort };
  const { config } = services;
  if (!config.proxyProtocol) return { client: peer, reached: local, via: null };
  try {
    return await originThroughProxy(conn, { peer, local }, {
      from: config.proxyFrom,
      timeoutMs: config.headerTimeout * 1000,
    });
  } catch (error) {
    const fields = { peer: `${peer.address}:${peer.port}`, reason: String(error), protocol: "ftp" };
    if (error instanceof ProxyHeaderError) {
      services.log.warn("proxy header refused", { ...fields, reason: error.message });
    } else services.log.info("connection lost", fields);
    conn.close();
    return null;
  }
}

/** A transfer in progress. */
interface RunningTransfer {
  description: string;
  /** Bytes moved so far. */
  bytes: number;
  aborted: boolean;
  /** Set when the data connection made no progress for `transfer_timeout`. */
  stalled: boolean;
  /** Set when the data connection moved slower than `min_rate` over `min_rate_window`. */
  slow: boolean;
  data: DataConn | undefined;
  cancelConnect: () => void;
  done: Promise<void>;
}

/** How the next transfer gets its data connection. */
interface DataChannelSource {
  connect(): Promise<DataConn>;
  cancel(): void;
}

class FtpSession implements FtpSessionState {
  readonly id: number;
  readonly peer: string;
  readonly address: string;
  readonly protocol = "ftp";
  readonly localAddress: string;
  readonly publicAddress: string;
  pendingUser: string | undefined;
  account: Account | undefined;
  home: HomeStorage | undefined;
  cwd = "/";
  loginFailures = 0;
  renameFrom: string | undefined;
  restartOffset = 0;
  type: "A" | "I" = "A";
  protectData = false;
  bufferSizeSet = false;
  epsvAll = false;
  mlstFacts: ReadonlySet<string> = new Set(MLST_FACTS);
  closeAfterReply = false;

  readonly #conn: SocketConn;
  readonly #services: FtpServices;
  /** The balancer the connection came through (PROXY protocol), if any. */
  readonly #via: string | null;
  readonly #reader: FtpLineReader;
  /** Every reply is written through this: a client that stops reading them is cut off. */
  readonly #replyGuard: StallGuard;
  #passive: PassiveListener | undefined;
  #activeTarget: { hostname: string; port: number } | undefined;
  #transfer: RunningTransfer | undefined;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the session began waiting for a command (or for a transfer to end); 0 when not. */
  #waitingSince = 0;
  /** A transfer's byte count at the last idle check of this wait; -1 before it. */
  #idleTransferBytes = -1;
  /** Ends a session not logged in within `login_timeout`. */
  #loginTimer: ReturnType<typeof setTimeout> | undefined;
  /** The login deadline passed while a command ran: decide once it is answered. */
  #loginOverdue = false;
  #executing = false;
  #closed = false;

  constructor(conn: SocketConn, services: FtpServices, id: number, origin: ClientOrigin) {
    this.#conn = conn;
    this.#services = services;
    this.#reader = new FtpLineReader(conn);
    this.address = origin.client.address;
    this.localAddress = conn.localAddress;
    this.publicAddress = origin.reached.address;
    this.peer = `${origin.client.address}:${origin.client.port}`;
    this.#via = origin.via;
    this.id = id;
    this.#replyGuard = new StallGuard({
      timeoutMs: services.config.transferTimeout * 1000,
      onStall: () => {
        this.#logStall();
        this.#close();
      },
    });
    this.#loginTimer = setTimeout(
      () => this.#onLoginDeadline(),
      services.config.loginTimeout * 1000,
    );
  }

  /** `login_timeout` passed: a session still not logged in is closed (after a PASS being checked). */
  #onLoginDeadline(): void {
    this.#loginTimer = undefined;
    if (this.account || this.#closed) return;
    if (this.#executing) {
      this.#loginOverdue = true;
      return;
    }
    this.#loginOverdue = false;
    const seconds = this.#services.config.loginTimeout;
    this.#services.log.info("login timeout", { peer: this.peer, seconds, protocol: "ftp" });
    this.#send(reply(Code.SERVICE_CLOSING, `Not logged in within ${seconds}s: closing connection`))
      .catch(() => {})
      .finally(() => this.#close());
  }

  get tls(): boolean {
    return this.#conn.encrypted;
  }

  get transferring(): boolean {
    return this.#transfer !== undefined;
  }

  get dataReady(): boolean {
    return this.#passive !== undefined || this.#activeTarget !== undefined;
  }

  get controlLost(): boolean {
    return this.#closed || this.#conn.ended;
  }

  async run(): Promise<void> {
    const { log } = this.#services;
    log.info("connect", { peer: this.peer, via: this.#via, protocol: "ftp" });
    try {
      await this.#send(reply(Code.READY, "ftpx FTP server ready"));
      while (!this.closeAfterReply && !this.#closed) {
        const line = await this.#nextLine();
        if (line === null) break;
        if (line.kind === "too_long") {
          await this.#send(reply(Code.SYNTAX_ERROR, "Command line too long"));
          continue;
        }
        if (line.kind === "not_utf8") {
          log.info("ftp command refused", {
            peer: this.peer,
            reason: "not UTF-8",
            protocol: "ftp",
          });
          await this.#send(reply(
            Code.NAME_NOT_ALLOWED,
            "Command not in UTF-8: names must be UTF-8 here (OPTS UTF8 is always on); nothing was done",
          ));
          continue;
        }
        this.#executing = true;
        try {
          await this.#execute(parseCommand(line.text));
        } finally {
          this.#executing = false;
        }
        if (this.#loginOverdue) this.#onLoginDeadline();
      }
    } catch (error) {
      if (!isDisconnect(error) && !this.#closed) {
        log.error("ftp session failed", { peer: this.peer, detail: String(error) });
      }
    } finally {
      await this.#close();
      log.info("disconnect", { peer: this.peer, user: this.account?.name, protocol: "ftp" });
    }
  }

  async #nextLine() {
    this.#beginIdleWait();
    try {
      return await this.#reader.readLine();
    } finally {
      this.#waitingSince = 0;
    }
  }

  async #execute(command: FtpCommand): Promise<void> {
    const verb = VERBS.get(command.name);
    if (this.#transfer && !verb?.duringTransfer) {
      // The next command waits for the transfer; a transfer that stalls meanwhile still times out.
      this.#beginIdleWait();
      try {
        await this.#transfer.done;
      } finally {
        this.#waitingSince = 0;
      }
    }
    this.#services.log.debug("ftp command", {
      peer: this.peer,
      user: this.account?.name,
      command: describeCommand(command),
    });
    const ctx: VerbContext = { session: this, services: this.#services, verbs: VERBS };
    let answer: FtpReply | undefined;
    if (verb?.data && this.account && !this.protectData && this.#dataMustBeProtected()) {
      // require_prot_p: nothing goes over a data connection in clear, however it was prepared.
      await this.dropDataChannel();
      await this.#send(reply(Code.PROTECTION_REQUIRED, PROT_P_REQUIRED));
      return;
    }
    try {
      answer = await dispatchVerb(ctx, command);
    } catch (error) {
      answer = this.#errorReply(error, command.name);
      // A refused RETR/LIST... must not leave its data connection waiting for the next one.
      if (verb?.data) await this.dropDataChannel();
    }
    if (answer) await this.#send(answer);
  }

  /** True when `require_prot_p` (resolved: "auto" follows `require_tls`) applies. */
  #dataMustBeProtected(): boolean {
    return this.#services.tls !== undefined && protRequired(this.#services.config);
  }

  #errorReply(error: unknown, verb: string): FtpReply {
    if (error instanceof DataChannelError) return reply(Code.CANNOT_OPEN_DATA, error.message);
    const mapped = toErrorReply(error);
    const fields = { peer: this.peer, user: this.account?.name, verb: verb.slice(0, 16) };
    if (mapped.internal) {
      this.#services.log.error("internal error", { ...fields, detail: String(error) });
    } else {
      this.#services.log.info("command error", { ...fields, code: mapped.ftp });
    }
    return reply(mapped.ftp, mapped.message);
  }

  async #send(answer: FtpReply): Promise<void> {
    if (this.#closed) return;
    await this.#replyGuard.watch(this.#conn.write(encoder.encode(formatReply(answer))));
  }

  /** A write to the client, or a read of an upload, pending for `transfer_timeout`. */
  #logStall(direction: "sending" | "receiving" = "sending"): void {
    this.#services.log.info("transfer stalled", {
      peer: this.peer,
      user: this.account?.name,
      direction,
      seconds: this.#services.config.transferTimeout,
      protocol: "ftp",
    });
  }

  /** A data connection moving slower than `min_rate` over `min_rate_window`. */
  #logSlow(direction: "sending" | "receiving"): void {
    this.#services.log.info("transfer too slow", {
      peer: this.peer,
      user: this.account?.name,
      direction,
      min_rate: this.#services.config.minRate,
      seconds: this.#services.config.minRateWindow,
      protocol: "ftp",
    });
  }

  async startTls(answer: FtpReply): Promise<void> {
    const tls = this.#services.tls;
    if (!tls) throw new Error("startTls called without TLS material");
    // Nothing may be read in plaintext once 234 is on its way: it would be
    // run as a command after the handshake (STARTTLS command injection).
    this.#conn.pause();
    await this.#send(answer);
    this.#reader.discardBuffered();
    try {
      await this.#conn.startTls(tls.context, TLS_HANDSHAKE_TIMEOUT_MS);
      this.#services.log.debug("tls on", { peer: this.peer, protocol: "ftp" });
    } catch (error) {
      this.#services.log.warn("tls handshake failed", {
        peer: this.peer,
        protocol: "ftp",
        detail: error instanceof Error ? error.message : String(error),
      });
      await this.#close();
    }
  }

  async openPassive(): Promise<number> {
    await this.dropDataChannel();
    const { config, log } = this.#services;
    const lease = this.#services.passiveLeases.acquire(
      { userId: this.account?.id ?? 0, address: this.address },
      { perUser: config.pasvPortsPerUser, perAddress: config.pasvPortsPerAddress },
    );
    if (isLeaseRefusal(lease)) {
      log.warn("passive port refused", {
        peer: this.peer,
        user: this.account?.name,
        reason: lease.full,
        held: lease.count,
      });
      throw new DataChannelError(leaseRefusalMessage(lease, this.account?.name, this.address));
    }
    try {
      this.#passive = this.#openListener(lease);
    } catch (error) {
      lease.release();
      throw error;
    }
    return this.#passive.port;
  }

  #openListener(lease: PassiveLease): PassiveListener {
    const { config, log } = this.#services;
    return PassiveListener.open({
      hostname: this.localAddress,
      ports: config.pasvPorts,
      peerAddress: this.address,
      tls: this.protectData ? this.#services.tls : undefined,
      onForeign: (address) =>
        log.warn("data connection from a foreign address refused", {
          peer: this.peer,
          from: address,
        }),
      onSecond: (address) =>
        log.warn("second data connection refused", {
          peer: this.peer,
          user: this.account?.name,
          from: address,
          port: this.#passive?.port,
        }),
      proxy: config.proxyProtocol
        ? { from: config.proxyFrom, timeoutMs: config.headerTimeout * 1000 }
        : undefined,
      onBadProxy: (from, reason) =>
        log.warn("proxy header refused", { peer: this.peer, from, reason, protocol: "ftp" }),
      onStopped: () => lease.release(),
      onExpired: () =>
        log.info("passive port expired", {
          peer: this.peer,
          user: this.account?.name,
          seconds: config.pasvAcceptTimeout,
        }),
      timeoutMs: config.pasvAcceptTimeout * 1000,
    });
  }

  async setActiveTarget(hostname: string, port: number): Promise<void> {
    await this.dropDataChannel();
    this.#activeTarget = { hostname, port };
  }

  async dropDataChannel(): Promise<void> {
    const passive = this.#passive;
    this.#passive = undefined;
    this.#activeTarget = undefined;
    await passive?.close();
  }

  startTransfer(job: TransferJob): void {
    const source = this.#takeDataChannel();
    const transfer: RunningTransfer = {
      description: job.description,
      bytes: 0,
      aborted: false,
      stalled: false,
      slow: false,
      data: undefined,
      cancelConnect: source.cancel,
      done: Promise.resolve(),
    };
    this.#transfer = transfer;
    transfer.done = this.#runTransfer(transfer, source, job);
  }

  async abortTransfer(): Promise<void> {
    const transfer = this.#transfer;
    if (!transfer) return;
    transfer.aborted = true;
    transfer.cancelConnect();
    if (transfer.data) closeQuietly(transfer.data);
    await transfer.done;
  }

  transferStatus(): { description: string; bytes: number } | undefined {
    const transfer = this.#transfer;
    return transfer && { description: transfer.description, bytes: transfer.bytes };
  }

  /** Hands the prepared data connection to one transfer (PASV/PORT serve one transfer each). */
  #takeDataChannel(): DataChannelSource {
    const passive = this.#passive;
    const active = this.#activeTarget;
    this.#passive = undefined;
    this.#activeTarget = undefined;
    if (passive) {
      if (passive.tls !== this.protectData) {
        passive.close();
        throw new DataChannelError("PROT changed after PASV/EPSV: send PASV or EPSV again");
      }
      return { connect: () => passive.take(), cancel: () => passive.close() };
    }
    if (active) {
      const tls = this.protectData ? this.#services.tls : undefined;
      return { connect: () => connectActive({ ...active, tls }), cancel: () => {} };
    }
    throw new DataChannelError("No data connection: send PASV or EPSV first");
  }

  async #runTransfer(
    transfer: RunningTransfer,
    source: DataChannelSource,
    job: TransferJob,
  ): Promise<void> {
    const record = new TransferRecord(this.#services, this, {
      ...job.subject,
      label: job.description,
    });
    const report = (bytes: number) => {
      transfer.bytes = bytes;
      record.progress(bytes);
    };
    let final: FtpReply;
    let direction: "sending" | "receiving" = "sending";
    // Each read or write of the data connection must complete within transfer_timeout.
    using guard = new StallGuard({
      timeoutMs: this.#services.config.transferTimeout * 1000,
      onStall: () => {
        transfer.stalled = true;
        this.#logStall(direction);
        if (transfer.data) closeQuietly(transfer.data);
      },
    });
    // ... and all of them together must average min_rate over min_rate_window.
    const rate = new RateGuard({
      minRate: this.#services.config.minRate,
      windowMs: this.#services.config.minRateWindow * 1000,
      onSlow: () => {
        transfer.slow = true;
        this.#logSlow(direction);
        if (transfer.data) closeQuietly(transfer.data);
      },
    });
    try {
      await this.#send(reply(Code.OPENING_DATA, job.opening));
      transfer.data = await source.connect();
      if (transfer.aborted) throw new DataChannelError("Transfer aborted");
      const data = transfer.data;
      const watched: ByteConn = {
        read: (buffer) => {
          direction = "receiving";
          return guard.watch(rate.measure(data.read(buffer), readCount));
        },
        write: (bytes) => guard.watch(rate.measure(data.write(bytes), Number)),
        closeWrite: () => guard.watch(data.closeWrite()),
        close: () => data.close(),
      };
      const answer = await job.run(watched, report);
      await watched.closeWrite().catch(() => {});
      final = answer ?? reply(Code.TRANSFER_COMPLETE, "Transfer complete");
      record.end("complete");
    } catch (error) {
      final = this.#transferErrorReply(error, transfer);
      record.end(
        transfer.aborted || transfer.stalled || isDisconnect(error) ? "aborted" : "failed",
      );
    } finally {
      if (transfer.data) closeQuietly(transfer.data);
      source.cancel();
      await this.#endJob(job);
      this.#transfer = undefined;
    }
    await this.#send(final).catch(() => {});
  }

  async #endJob(job: TransferJob): Promise<void> {
    try {
      await job.end?.();
    } catch (error) {
      this.#services.log.error("ending a transfer failed", {
        peer: this.peer,
        what: job.description,
        detail: String(error),
      });
    }
  }

  #transferErrorReply(error: unknown, transfer: RunningTransfer): FtpReply {
    if (transfer.aborted) return reply(Code.TRANSFER_ABORTED, "Transfer aborted");
    if (transfer.slow) {
      const { minRate, minRateWindow } = this.#services.config;
      return reply(
        426,
        `Transfer slower than ${minRate} bytes/s over ${minRateWindow}s: transfer aborted`,
      );
    }
    if (transfer.stalled) {
      return reply(
        426,
        `No data moved for ${this.#services.config.transferTimeout}s: transfer aborted`,
      );
    }
    if (error instanceof DataChannelError) return reply(Code.CANNOT_OPEN_DATA, error.message);
    if (error instanceof OperationError) return this.#errorReply(error, "transfer");
    if (isDisconnect(error)) {
      return reply(Code.TRANSFER_ABORTED, "Data connection closed; transfer aborted");
    }
    return this.#errorReply(error, "transfer");
  }

  /**
   * Starts a wait that ends the session after `idle_timeout` seconds without
   * a command, unless a transfer is moving. One timer per session, left
   * running between waits and re-armed only when it fires: setting and
   * clearing a timer for every command line cost more than the clock read.
   */
  #beginIdleWait(): void {
    this.#waitingSince = performance.now();
    this.#idleTransferBytes = -1;
    this.#idleTimer ??= setTimeout(() => this.#checkIdle(), this.#idleTimeoutMs());
  }

  #checkIdle(): void {
    this.#idleTimer = undefined;
    // Not waiting (a command is running): the next wait arms the timer again.
    if (this.#waitingSince === 0 || this.#closed) return;
    const left = this.#waitingSince + this.#idleTimeoutMs() - performance.now();
    const transfer = this.#transfer;
    if (left > 0 || (transfer && transfer.bytes !== this.#idleTransferBytes)) {
      if (left <= 0) this.#idleTransferBytes = transfer!.bytes;
      this.#idleTimer = setTimeout(
        () => this.#checkIdle(),
        left > 0 ? left : this.#idleTimeoutMs(),
      );
      return;
    }
    const seconds = this.#services.config.idleTimeout;
    this.#services.log.info("idle timeout", { peer: this.peer, user: this.account?.name });
    this.#send(reply(Code.SERVICE_CLOSING, `Idle for ${seconds}s: closing connection`))
      .catch(() => {})
      .finally(() => this.#close());
  }

  #idleTimeoutMs(): number {
    return this.#services.config.idleTimeout * 1000;
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#loginTimer);
    this.#replyGuard[Symbol.dispose]();
    const dropped = this.dropDataChannel();
    const transfer = this.#transfer;
    if (transfer) {
      transfer.aborted = true;
      transfer.cancelConnect();
      if (transfer.data) closeQuietly(transfer.data);
    }
    this.#conn.close();
    await this.#services.sessions.close(this.id).catch((error) => {
      this.#services.log.error("session release failed", {
        peer: this.peer,
        detail: String(error),
      });
    });
    await Promise.all([dropped, transfer?.done]);
  }
}

/** Why PASV/EPSV got no port: which cap, and how many ports are held. */
function leaseRefusalMessage(refusal: LeaseRefusal, user: string | undefined, address: string) {
  switch (refusal.full) {
    case "user":
      return `Too many passive ports open for ${user}: ${refusal.count}, the limit; ` +
        "finish or abort a transfer first";
    case "address":
      return `Too many passive ports open from ${address}: ${refusal.count}, the limit; ` +
        "finish or abort a transfer first";
    case "table":
      return "No free passive port; try again later";
  }
}

/**
 * The command for a log line: a known verb with a bounded argument, PASS
 * without its password, and of anything else only a verb-like name. A
 * mangled PASS line (" PASS secret", "PASS\tsecret") is not a known verb
 * and must not leak its password into the log either.
 */
function describeCommand({ name, arg }: FtpCommand): string {
  if (name === "PASS") return "PASS ****";
  if (!VERBS.has(name)) return /^[A-Z]{3,4}$/.test(name) ? name : "(malformed)";
  const text = arg === "" ? name : `${name} ${arg}`;
  return text.slice(0, MAX_LOGGED_COMMAND_CHARS);
}
