/**
 * The part of `npm:ssh2` this front uses, typed: the package ships no types.
 * ssh2 does the SSH transport (key exchange, ciphers, host key, channels);
 * SFTP itself is ftpx's own code (`session.ts`), over a raw channel.
 */

import ssh2 from "ssh2";
import { useFasterChaChaPoly } from "./_ssh2_chacha_poly.ts";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";

/** A parsed SSH key (ssh2's `ParsedKey`). */
export interface ParsedKey {
  type: string;
  comment: string;
  /** The public key in SSH wire format (the blob of `authorized_keys`). */
  getPublicSSH(): Uint8Array;
  /** True when `signature` over `data` was made by this key's private half. */
  verify(data: Uint8Array, signature: Uint8Array, hashAlgo?: string): boolean | Error;
}

/** One authentication request; answer with exactly one of `accept()` or `reject()`. */
export interface AuthContext {
  method: "none" | "password" | "publickey" | "keyboard-interactive" | "hostbased";
  username: string;
  /** For `password`. */
  password?: string;
  /** For `publickey`: the key algorithm and its public blob. */
  key?: { algo: string; data: Uint8Array };
  /** For `publickey`: absent in the query ("would you take this key?") phase. */
  signature?: Uint8Array;
  /** For `publickey`: what the client signed. */
  blob?: Uint8Array;
  /** For RSA keys: `sha256` or `sha512` (rsa-sha2-*); absent for SHA-1 `ssh-rsa`. */
  hashAlgo?: string;
  accept(): void;
  reject(methods?: string[], partial?: boolean): void;
}

/** A session channel before a subsystem is chosen. */
export interface SshSession {
  on(
    event: "subsystem",
    listener: (
      accept: () => SshChannel,
      reject: () => void,
      info: { name: string },
    ) => void,
  ): this;
  once(event: "close", listener: () => void): this;
}

/** A raw channel: a duplex stream with SSH window backpressure. */
export interface SshChannel extends Duplex {
  /** Sends exit-status (the SFTP client's exit code depends on it). */
  exit(status: number): void;
  close(): void;
}

/** One client connection, after its version line arrived. */
export interface SshClient {
  on(event: "authentication", listener: (ctx: AuthContext) => void): this;
  on(event: "ready", listener: () => void): this;
  on(
    event: "session",
    listener: (accept: () => SshSession, reject: () => void) => void,
  ): this;
  on(event: "error", listener: (error: Error) => void): this;
  on(event: "close" | "end", listener: () => void): this;
  end(): void;
  /** The TCP socket (private in ssh2, stable in the pinned 1.17.0): how we find our session. */
  readonly _sock: Socket;
}

/** SSH algorithms: curve25519, AEAD ciphers only (chacha20 first: Deno's AES-GCM is in software). */
export const ALGORITHMS = {
  kex: ["curve25519-sha256", "curve25519-sha256@libssh.org"],
  cipher: [
    "chacha20-poly1305@openssh.com",
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
  ],
  // Only used with a non-AEAD cipher, which the list above never negotiates: still no SHA-1.
  hmac: ["hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com"],
  serverHostKey: ["ssh-ed25519"],
  compress: ["none"],
};

/** An SSH server (ssh2's `Server`); sockets are handed to it with `injectSocket`. */
export interface SshServer {
  on(
    event: "connection",
    listener: (client: SshClient, info: { ip: string; port: number }) => void,
  ): this;
  injectSocket(socket: Socket): void;
}

/** Options for {@linkcode createSshServer}. */
export interface SshServerOptions {
  /** OpenSSH private key text. */
  hostKey: string;
  /** Our version line's software part (`SSH-2.0-<ident>`). */
  ident: string;
}

// deno-lint-ignore no-explicit-any
const lib = ssh2 as any;

/** An SSH server with ftpx's algorithms; it listens on nothing by itself. */
export async function createSshServer(options: SshServerOptions): Promise<SshServer> {
  await useFasterChaChaPoly();
  return new lib.Server({
    hostKeys: [options.hostKey],
    algorithms: ALGORITHMS,
    ident: options.ident,
  }) as SshServer;
}

/** Parses an SSH key (public or private, OpenSSH or PEM); an Error when it isn't one. */
export function parseKey(data: string | Uint8Array): ParsedKey | Error {
  const parsed = lib.utils.parseKey(data);
  if (parsed instanceof Error) return parsed;
  return (Array.isArray(parsed) ? parsed[0] : parsed) as ParsedKey;
}

/** A new ed25519 key pair: the private key in OpenSSH format, the public one as a line. */
export function generateEd25519(comment: string): { private: string; public: string } {
  return lib.utils.generateKeyPairSync("ed25519", { comment });
}
