/**
 * FTP data connections. Passive: a listener on a port from the configured
 * range, bound to the address the client reached, accepting one connection
 * and only from the control connection's client address (anyone else is
 * turned away: data-connection theft); it closes as soon as it has its
 * connection or its time is up. Active (PORT/EPRT, off by default): the
 * server connects, only to the client's own address. Under PROT P the data
 * connection is TLS: `Deno.listenTls` for passive ones, `node:tls` for
 * active ones. Plain passive connections are bare `Deno.Conn`s, the
 * fastest path Deno has.
 */

import { connect as netConnect } from "node:net";
import type { SecureContext } from "node:tls";
import type { PortRange } from "../../core/config.ts";
import { plainAddress } from "../../core/net/address.ts";
import { type ByteConn, SocketConn } from "./socket_conn.ts";

/** A data connection: `Deno.Conn`, `Deno.TlsConn` or a {@linkcode SocketConn}. */
export type DataConn = ByteConn;

/** Certificate and key, as PEM for `Deno.listenTls` and as a `node:tls` context. */
export interface TlsMaterial {
  cert: string;
  key: string;
  context: SecureContext;
}

/** How long a passive listener waits for its connection, and an active connect may take. */
export const DATA_CONNECT_TIMEOUT_MS = 30_000;

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
  /** Overrides {@linkcode DATA_CONNECT_TIMEOUT_MS}. */
  timeoutMs?: number;
}

type Listener = Deno.Listener<Deno.Conn, Deno.NetAddr> | Deno.TlsListener;

/** A passive data listener waiting for its one connection. */
export class PassiveListener {
  readonly port: number;
  readonly tls: boolean;
  readonly #listener: Listener;
  readonly #connection: Promise<Deno.Conn>;
  /** Settles once the listening socket is released (its pending accept has ended). */
  readonly #released: Promise<unknown>;
  readonly #timer: ReturnType<typeof setTimeout>;
  #closed = false;
  #taken = false;

  private constructor(listener: Listener, options: PassiveOptions) {
    this.#listener = listener;
    this.port = (listener.addr as Deno.NetAddr).port;
    this.tls = options.tls !== undefined;
    this.#timer = setTimeout(
      () => this.#stopListening(),
      options.timeoutMs ?? DATA_CONNECT_TIMEOUT_MS,
    );
    this.#connection = this.#acceptFrom(options.peerAddress, options.onForeign);
    // A connection nobody asks for is closed by close(); its rejection is not an error.
    this.#released = this.#connection.catch(() => {});
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
   * The accepted connection (TLS handshake done under PROT P). Can be taken once.
   *
   * @throws {DataChannelError} when no connection came in time or the handshake failed
   */
  async take(): Promise<DataConn> {
    if (this.#taken) throw new DataChannelError("Data connection already used; send PASV again");
    this.#taken = true;
    let conn: Deno.Conn;
    try {
      conn = await this.#connection;
    } catch {
      throw new DataChannelError("No data connection came in time; send PASV again");
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
      if (!this.#taken) this.#connection.then((conn) => closeQuietly(conn), () => {});
    }
    return this.#released.then(() => {});
  }

  async #acceptFrom(peer: string, onForeign?: (address: string) => void): Promise<Deno.Conn> {
    try {
      while (true) {
        const conn = await this.#listener.accept();
        const address = plainAddress((conn.remoteAddr as Deno.NetAddr).hostname);
        if (address === plainAddress(peer)) {
          if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
          return conn;
        }
        closeQuietly(conn);
        onForeign?.(address);
      }
    } finally {
      this.#stopListening();
    }
  }

  #stopListening(): void {
    clearTimeout(this.#timer);
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
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

/** Closes a connection that may already be closed. */
export function closeQuietly(conn: { close(): void }): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}
