/**
 * One SSH connection: admitted under the shared session limits, logged in
 * by password or public key through the core (same guard, delays and bans
 * as every front), then one or more `sftp` subsystems. Nothing else SSH
 * offers is served: shell, exec, pty, env, X11 and agent forwarding, and
 * every kind of port forwarding are refused (ssh2 rejects what has no
 * listener here).
 */

import { Buffer } from "node:buffer";
import type { Socket } from "node:net";
import type { Account } from "../../core/accounts.ts";
import {
  authenticate,
  authenticateKey,
  hasKey,
  LoginRefusedError,
  openUserSession,
} from "../../core/auth/login.ts";
import { fingerprintOf } from "../../core/auth/public_keys.ts";
import {
  MAX_FAILURES_PER_CONNECTION,
  SFTP_MAX_CHANNELS,
  SSH_MAX_AUTH_ATTEMPTS,
  SSH_MAX_SESSION_CHANNELS,
} from "../../core/limits.ts";
import { StallGuard } from "../../core/net/stall_guard.ts";
import type { LogFields } from "../../core/log.ts";
import type { Services } from "../../core/services.ts";
import type { UserSession } from "../../core/session.ts";
import type { AuthContext, SshChannel, SshClient } from "./_ssh2.ts";
import { parseKey } from "./_ssh2.ts";
import { serveSftp } from "./session.ts";

/** The methods offered after a refusal. */
const METHODS = ["publickey", "password"];

/** The session state of one SSH connection (the unit `who` shows and the limits count). */
class SshUserSession implements UserSession {
  readonly id: number;
  readonly peer: string;
  readonly address: string;
  readonly protocol = "sftp";
  account: Account | undefined;
  home: UserSession["home"];
  loginKey: string | undefined;
  cwd = "/";
  loginFailures = 0;
  closeAfterReply = false;

  constructor(id: number, address: string, port: number) {
    this.id = id;
    this.address = address;
    this.peer = `${address}:${port}`;
  }
}

/** One admitted SSH connection, from its socket to its close. */
export class SshConnection {
  readonly session: SshUserSession;
  readonly #services: Services;
  readonly #socket: Socket;
  #client: SshClient | undefined;
  #loginTimer: ReturnType<typeof setTimeout> | undefined;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #authAttempts = 0;
  /** Session channels open now, and since the connection began. */
  #channels = 0;
  #channelsEver = 0;
  #closed = false;
  readonly #sessions = new Set<Promise<void>>();
  /** Every reply is written through this: a client that stops reading them is cut off. */
  readonly #writeGuard: StallGuard;

  /** Starts the login deadline; {@linkcode SshConnection.attach} follows once SSH starts. */
  constructor(services: Services, socket: Socket, id: number, address: string) {
    this.#services = services;
    this.#socket = socket;
    this.session = new SshUserSession(id, address, socket.remotePort ?? 0);
    this.#writeGuard = new StallGuard({
      timeoutMs: services.config.transferTimeout * 1000,
      onStall: () => {
        this.#log("info", "transfer stalled", { seconds: services.config.transferTimeout });
        this.close();
      },
    });
    this.#loginTimer = setTimeout(() => {
      this.#log("info", "login timeout", { seconds: services.config.loginTimeout });
      this.close();
    }, services.config.loginTimeout * 1000);
    socket.once("close", () => this.#cleanUp());
    this.#log("info", "connect", {});
  }

  /** Takes over the SSH client ssh2 made for our socket. */
  attach(client: SshClient): void {
    this.#client = client;
    client.on("error", (error) => this.#log("debug", "ssh error", { detail: error.message }));
    client.on("authentication", (ctx) => {
      this.#authenticate(ctx).catch((error) => {
        this.#log("error", "internal error", { detail: String(error) });
        ctx.reject();
        this.close();
      });
    });
    client.on("ready", () => {
      clearTimeout(this.#loginTimer);
      this.#armIdleTimer();
    });
    client.on("session", (accept, reject) => {
      if (
        this.#channels >= SFTP_MAX_CHANNELS || this.#channelsEver >= SSH_MAX_SESSION_CHANNELS ||
        this.session.account === undefined
      ) {
        reject();
        return;
      }
      this.#channels++;
      this.#channelsEver++;
      const channel = accept();
      // ssh2 emits "close" for each CHANNEL_CLOSE the client sends, even a repeated one.
      channel.once("close", () => this.#channels--);
      channel.on("subsystem", (acceptSubsystem, rejectSubsystem, info) => {
        if (info.name !== "sftp" || this.#closed) {
          this.#log("info", "subsystem refused", { name: info.name.slice(0, 32) });
          rejectSubsystem();
          return;
        }
        this.#startSftp(acceptSubsystem());
      });
    });
  }

  /** Ends the connection; safe to call twice. */
  close(): void {
    if (this.#closed) return;
    try {
      this.#client?.end();
    } catch {
      // Already closed.
    }
    this.#socket.destroySoon?.();
    // A peer that never finishes the close must not hold the socket.
    setTimeout(() => this.#socket.destroy(), 1000).unref?.();
  }

  #startSftp(channel: SshChannel): void {
    channel.on("error", () => {});
    const running = serveSftp(channel, {
      services: this.#services,
      session: this.session,
      onRequest: () => this.#armIdleTimer(),
      send: (packet) => this.#send(channel, packet),
      endConnection: (reason) => {
        this.#log("info", "session closed", { reason });
        this.close();
      },
    });
    this.#sessions.add(running);
    running.finally(() => this.#sessions.delete(running));
  }

  /** Writes to `channel`; when its buffer is full, waits for it to drain (or the connection to end). */
  #send(channel: SshChannel, packet: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new Deno.errors.BrokenPipe("connection closed"));
    // ssh2 cuts a reply into SSH packets and writes each to the socket at once: corked, they
    // leave in one write.
    this.#socket.cork();
    const taken = channel.write(packet);
    this.#socket.uncork();
    if (taken) return Promise.resolve();
    return this.#writeGuard.watch(
      new Promise<void>((resolve, reject) => {
        const done = () => {
          channel.off("drain", done);
          this.#socket.off("close", lost);
          resolve();
        };
        const lost = () => {
          channel.off("drain", done);
          reject(new Deno.errors.BrokenPipe("connection closed"));
        };
        channel.on("drain", done);
        this.#socket.once("close", lost);
      }),
    );
  }

  async #authenticate(ctx: AuthContext): Promise<void> {
    if (this.#closed || this.session.account !== undefined) return ctx.reject();
    if (++this.#authAttempts > SSH_MAX_AUTH_ATTEMPTS) {
      this.#log("info", "too many authentication attempts", { limit: SSH_MAX_AUTH_ATTEMPTS });
      ctx.reject();
      this.close();
      return;
    }
    if (ctx.method === "password" && ctx.password !== undefined) {
      await this.#logIn(
        ctx,
        () => authenticate(this.#services, this.session, ctx.username, ctx.password!),
      );
      return;
    }
    const key = ctx.key;
    if (ctx.method !== "publickey" || key === undefined) return ctx.reject(METHODS);
    // Plain "ssh-rsa" signs with SHA-1: only rsa-sha2-256/512 are taken.
    if (key.algo === "ssh-rsa" && !ctx.hashAlgo) return ctx.reject(METHODS);
    if (ctx.signature === undefined) {
      // The query phase: "would you take this key?" Nothing is proven yet.
      if (await hasKey(this.#services, ctx.username, key.data)) ctx.accept();
      else ctx.reject(METHODS);
      return;
    }
    const { signature, blob } = ctx;
    const verify = () => {
      const parsed = parseKey(`${key.algo} ${Buffer.from(key.data).toString("base64")}`);
      if (parsed instanceof Error || blob === undefined) return false;
      return parsed.verify(blob, signature, ctx.hashAlgo) === true;
    };
    await this.#logIn(
      ctx,
      () => authenticateKey(this.#services, this.session, ctx.username, { blob: key.data, verify }),
      fingerprintOf(key.data),
    );
  }

  async #logIn(ctx: AuthContext, check: () => Promise<Account>, key?: string): Promise<void> {
    let account: Account;
    try {
      account = await check();
    } catch (error) {
      if (!(error instanceof LoginRefusedError)) throw error;
      if (error.kind === "unauthenticated") this.session.loginFailures++;
      ctx.reject(METHODS);
      if (error.closeConnection || this.session.loginFailures >= MAX_FAILURES_PER_CONNECTION) {
        this.close();
      }
      return;
    }
    if (this.#closed) return ctx.reject();
    await openUserSession(this.#services, this.session, account, key === undefined ? {} : { key });
    ctx.accept();
  }

  /** Closes the connection after `idle_timeout` seconds without an SFTP request. */
  #armIdleTimer(): void {
    clearTimeout(this.#idleTimer);
    const seconds = this.#services.config.idleTimeout;
    this.#idleTimer = setTimeout(() => {
      this.#log("info", "idle timeout", { seconds });
      this.close();
    }, seconds * 1000);
  }

  async #cleanUp(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#loginTimer);
    clearTimeout(this.#idleTimer);
    this.#writeGuard[Symbol.dispose]();
    // Sessions end their handles (uploads are discarded) once their channel stops.
    await Promise.all(this.#sessions);
    await this.#services.sessions.close(this.session.id).catch((error) => {
      this.#log("error", "session release failed", { detail: String(error) });
    });
    this.#log("info", "disconnect", {});
  }

  #log(level: "debug" | "info" | "warn" | "error", message: string, fields: LogFields): void {
    this.#services.log[level](message, {
      peer: this.session.peer,
      user: this.session.account?.name,
      ...fields,
      protocol: "sftp",
    });
  }
}
