/**
 * FTP data connections. Passive: a listener on a port from the configured
 * range, bound to the address the client reached, that hands exactly one
 * connection to the transfer, and only one from the control connection's
 * client address (anyone else is turned away: data-connection theft). It
 * keeps listening until the transfer starts, so that a second connection
 * from that address is seen: it is closed and logged, and the transfer is
 * refused, since the first one may be a thief's (someone else on the same
 * host, or behind the same NAT). It stops listening when the transfer
 * starts, when `pasv_accept_timeout` passes, or when the session drops it.
 * Active (PORT/EPRT, off by default): the server connects, only to the
 * client's own address. Under PROT P the data connection is TLS:
 * `Deno.listenTls` for passive ones, `node:tls` for active ones. Plain
 * passive connections are bare `Deno.Conn`s, the fastest path Deno has.
 *
 * Not done, because Deno cannot: checking that a TLS data connection
 * resumes the control connection's TLS session (vsftpd's
 * `require_ssl_reuse`). `Deno.listenTls` reports nothing about resumption,
 * and `node:tls` only says whether *some* session of this process was
 * resumed, never which one, so a thief resuming their own session would
 * pass (see docs/ftp.md).
 */

import { DATA_CONNECT_TIMEOUT_MS } from "../../core/limits.ts";
import { closeQuietly } from "../../core/net/disconnect.ts";
import { connect as netConnect } from "node:net";
import type { SecureContext } from "node:tls";
import type { PortRange } from "../../core/config.ts";
import { plainAddress } from "../../core/net/address.ts";
import { inNetworks } from "../../core/net/ip.ts";
import { type ProxyTrust, readProxyHeader } from "../../core/net/proxy_protocol.ts";
import { type ByteConn, SocketConn } from "./socket_conn.ts";

/** A data connection: `Deno.Conn`, `Deno.TlsConn` or a {@linkcode SocketConn}. */
export type DataConn = ByteConn;

/** Certificate and key, as PEM for `Deno.listenTls` and as a `node:tls` context. */
export interface TlsMaterial {
  cert: string;
  key: string;
  context: SecureContext;
}

/** Why no data connection could be had; the message is safe to send. */
export class DataChannelError extends Error {
  /** Creates a data channel error. */
  constructor(message: string) {
    super(message);
    this.name = "DataChannelError";
  }
}

/** Options for {@linkcode PassiveListener.open}. */
export interface PassiveOptions {
  /** Local address to bind: the one the client reached on the control connection. */
  hostname: string;
  ports: PortRange;
  /** The control connection's client address; the only one accepted. */
  peerAddress: string;
  /** Set under PROT P. */
  tls?: TlsMaterial | undefined;
  /** Told about each refused connection from another address. */
  onForeign?: (address: string) => void;
  /** Told about each refused connection from the client's address after the first one. */
  onSecond?: (address: string) => void;
  /** Called once when the port is no longer listened on (taken, timed out or closed). */
  onStopped?: () => void;
  /** Called when `timeoutMs` passed before the transfer started, once the port is free again. */
  onExpired?: () => void;
  /** How long the port stays open without its transfer starting (`pasv_accept_timeout`). */
  timeoutMs: number;
  /**
   * With `proxy_protocol`: a plaintext data connection from a balancer
   * (`proxy_from`) must open with a PROXY header, whose client is then the
   * one checked against `peerAddress`.
   */
  proxy?: ProxyTrust | undefined;
  /** Told about each data connection refused for a missing or bad PROXY header. */
  onBadProxy?: (address: string, reason: string) => void;
}

type Listener = Deno.Listener<Deno.Conn, Deno.NetAddr> | Deno.TlsListener;

/** A passive data listener waiting for its one connection. */
export class PassiveListener {
  readonly port: number;
  readonly tls: boolean;
  readonly #listener: Listener;
  readonly #options: PassiveOptions;
  /** The first connection from the client's address. */
  readonly #connection: Promise<Deno.Conn>;
  #resolveConnection: (conn: Deno.Conn) => void = () => {};
  #rejectConnection: (error: Error) => void = () => {};
  /** Settles once the listening socket is released (its pending accept has ended). */
  readonly #released: Promise<unknown>;
  readonly #timer: ReturnType<typeof setTimeout>;
  #first: Deno.Conn | undefined;
  /** A second connection came from the client's address before the transfer started. */
  #contested = false;
  #listening = true;
  #closed = false;
  #taken = false;

  private constructor(listener: Listener, options: PassiveOptions) {
    this.#listener = listener;
    this.#options = options;
    this.port = (listener.addr as Deno.NetAddr).port;
    this.tls = options.tls !== undefined;
    this.#connection = new Promise((resolve, reject) => {
      this.#resolveConnection = resolve;
      this.#rejectConnection = reject;
    });
    // A connection nobody asks for is closed by close(); its rejection is not an error.
    this.#connection.catch(() => {});
    this.#timer = setTimeout(() => {
      this.#stopListening();
      this.#released.then(() => options.onExpired?.());
    }, options.timeoutMs);
    this.#released = this.#acceptLoop();
  }

  /**
   * Binds a port from the range (starting at a random one, so threads and
   * sessions rarely contend; one in use is skipped).
   *
   * @throws {DataChannelError} when every port of the range is busy
   */
  static open(options: PassiveOptions): PassiveListener {
    for (const port of candidatePorts(options.ports)) {
      try {
        return new PassiveListener(bind(options, port), options);
      } catch (error) {
        if (!(error instanceof Deno.errors.AddrInUse)) throw error;
      }
    }
    throw new DataChannelError("No free passive port; try again later");
  }

  /**
   * The accepted connection (TLS handshake done under PROT P). Can be taken
   * once; the port is no longer listened on afterwards.
   *
   * @throws {DataChannelError} when no connection came in time, a second one
   * came from the client's address, or the handshake failed
   */
  async take(): Promise<DataConn> {
    if (this.#taken) throw new DataChannelError("Data connection already used; send PASV again");
    this.#taken = true;
    let conn: Deno.Conn;
    try {
      conn = await this.#connection;
    } catch {
      const seconds = Math.round(this.#options.timeoutMs / 1000);
      throw new DataChannelError(`No data connection came within ${seconds}s; send PASV again`);
    }
    this.#stopListening();
    if (this.#contested) {
      closeQuietly(conn);
      throw new DataChannelError(
        "Two data connections came from your address (another program may be trying to take " +
          "your data): none is used; send PASV again",
      );
    }
    if ("handshake" in conn) await handshake(conn as Deno.TlsConn);
    return conn;
  }

  /**
   * Stops listening and closes a connection not yet taken. The returned
   * promise settles once the port is free again (Deno releases a listening
   * socket only when its pending accept has ended).
   */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#stopListening();
      if (!this.#taken && this.#first) closeQuietly(this.#first);
    }
    return this.#released.then(() => {});
  }

  async #acceptLoop(): Promise<void> {
    const peer = plainAddress(this.#options.peerAddress);
    try {
      while (true) {
        const conn = await this.#listener.accept();
        const address = plainAddress((conn.remoteAddr as Deno.NetAddr).hostname);
        const proxy = this.#options.proxy;
        if (proxy && !this.tls && inNetworks(address, proxy.from)) {
          // Through the balancer: its header names the client (read without holding up accept).
          this.#throughProxy(conn, address, proxy, peer);
        } else this.#admit(conn, address, peer);
      }
    } catch {
      // The listener was closed.
    } finally {
      this.#stopListening();
    }
  }

  /** Takes the client's first connection; refuses another address's, and a second one. */
  #admit(conn: Deno.Conn, address: string, peer: string): void {
    if (address !== peer) {
      closeQuietly(conn);
      this.#options.onForeign?.(address);
    } else if (this.#first === undefined && this.#listening) {
      if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
      this.#first = conn;
      this.#resolveConnection(conn);
    } else {
      closeQuietly(conn);
      this.#contested = true;
      this.#options.onSecond?.(address);
    }
  }

  async #throughProxy(conn: Deno.Conn, from: string, proxy: ProxyTrust, peer: string) {
    let client: string;
    try {
      const header = await readProxyHeader(conn, proxy.timeoutMs);
      client = header.proxied ? header.source.address : from;
    } catch (error) {
      closeQuietly(conn);
      this.#options.onBadProxy?.(from, error instanceof Error ? error.message : String(error));
      return;
    }
    this.#admit(conn, client, peer);
  }

  #stopListening(): void {
    if (!this.#listening) return;
    this.#listening = false;
    clearTimeout(this.#timer);
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    if (this.#first === undefined) this.#rejectConnection(new DataChannelError("No connection"));
    this.#options.onStopped?.();
  }
}

/** Options for {@linkcode connectActive}. */
export interface ActiveOptions {
  hostname: string;
  port: number;
  tls?: TlsMaterial | undefined;
  timeoutMs?: number;
}

/**
 * Connects to the client for an active-mode transfer.
 *
 * @throws {DataChannelError} when the client cannot be reached in time
 */
export async function connectActive(options: ActiveOptions): Promise<DataConn> {
  const timeoutMs = options.timeoutMs ?? DATA_CONNECT_TIMEOUT_MS;
  const target = `${options.hostname} port ${options.port}`;
  try {
    if (!options.tls) {
      return await Deno.connect({
        hostname: options.hostname,
        port: options.port,
        signal: AbortSignal.timeout(timeoutMs),
      });
    }
    const socket = netConnect({ host: options.hostname, port: options.port });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timeout")), timeoutMs);
      socket.once("connect", () => (clearTimeout(timer), resolve()));
      socket.once("error", (error) => (clearTimeout(timer), reject(error)));
    }).catch((error) => {
      socket.destroy();
      throw error;
    });
    const conn = new SocketConn(socket);
    await conn.startTls(options.tls.context, timeoutMs);
    return conn;
  } catch {
    throw new DataChannelError(`Cannot connect to ${target}`);
  }
}

function bind(options: PassiveOptions, port: number): Listener {
  const { hostname, tls } = options;
  if (tls) return Deno.listenTls({ hostname, port, cert: tls.cert, key: tls.key });
  return Deno.listen({ hostname, port });
}

/** Every port of the range once, from a random starting point; `[0]` for "any". */
export function candidatePorts({ first, last }: PortRange): number[] {
  if (first === 0) return [0];
  const count = last - first + 1;
  const start = Math.floor(Math.random() * count);
  return Array.from({ length: count }, (_, index) => first + (start + index) % count);
}

async function handshake(conn: Deno.TlsConn): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      conn.handshake(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("timeout")), DATA_CONNECT_TIMEOUT_MS);
      }),
    ]);
  } catch {
    closeQuietly(conn);
    throw new DataChannelError("TLS handshake on the data connection failed");
  } finally {
    clearTimeout(timer);
  }
}
