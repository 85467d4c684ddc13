/**
 * The server's TLS material: loading the certificate and key named in the
 * configuration, a fingerprint users can compare, and the policy for
 * plaintext sessions when TLS is on (`require_tls`). Protocol-neutral, so the
 * FTP front can use the same files and the same rule.
 */

import { type ServerConfig, tlsRequired } from "../config.ts";

/** PEM text of a certificate chain and its private key, as `Deno.listenTls` takes them. */
export interface TlsMaterial {
  cert: string;
  key: string;
  /** SHA-256 fingerprint of the first certificate, `AB:CD:...`. */
  fingerprint: string;
}

/** The TLS files are missing, unreadable or not what they should be. */
export class TlsSetupError extends Error {
  /** Creates an error whose message names the file and what to do. */
  constructor(message: string) {
    super(message);
    this.name = "TlsSetupError";
  }
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/;
const PRIVATE_KEY_BLOCK = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

/** Reads the configured certificate and key; null when TLS is off. */
export async function loadTlsMaterial(
  config: Pick<ServerConfig, "tlsCert" | "tlsKey">,
): Promise<TlsMaterial | null> {
  if (config.tlsCert === null || config.tlsKey === null) return null;
  const cert = await readPem(config.tlsCert, "certificate");
  const key = await readPem(config.tlsKey, "key");
  const der = certificateDer(cert);
  if (der === null) {
    throw new TlsSetupError(`No PEM certificate in "${config.tlsCert}" (make one with ftpx cert)`);
  }
  if (!PRIVATE_KEY_BLOCK.test(key)) {
    throw new TlsSetupError(`No PEM private key in "${config.tlsKey}" (make one with ftpx cert)`);
  }
  if (key.includes("ENCRYPTED PRIVATE KEY")) {
    throw new TlsSetupError(`The key in "${config.tlsKey}" is encrypted: give an unencrypted key`);
  }
  return { cert, key, fingerprint: await fingerprint(der) };
}

/** True when a TLS key file can be read by users other than its owner. */
export async function keyIsExposed(path: string): Promise<boolean> {
  const info = await Deno.stat(path);
  return info.mode !== null && (info.mode & 0o077) !== 0;
}

/** The DER bytes of the first certificate in a PEM text, or null if there is none. */
export function certificateDer(pem: string): Uint8Array | null {
  const match = CERTIFICATE_BLOCK.exec(pem);
  if (!match) return null;
  try {
    return Uint8Array.from(atob(match[1]!.replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** SHA-256 of DER bytes as colon-separated hex, the form browsers and openssl show. */
export async function fingerprint(der: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", der as BufferSource));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0").toUpperCase()).join(":");
}

/**
 * Why a plaintext session may not go on, or null if it may. With TLS on and
 * `require_tls`, a plaintext connection is refused before the client sends a
 * password; the message says how to reconnect.
 */
export function plaintextRefusal(
  config: Pick<ServerConfig, "tlsCert" | "requireTls">,
  tlsPort: number,
): string | null {
  if (!tlsRequired(config)) return null;
  return `This server requires TLS: reconnect with "ftpx connect --tls -P ${tlsPort}" ` +
    `(and --ca FILE if its certificate is self-signed)`;
}

/** Turns the errors `Deno.listenTls` gives for bad material into ones that say what to fix. */
export function describeTlsListenError(
  error: unknown,
  config: Pick<ServerConfig, "tlsCert" | "tlsKey">,
): string | null {
  const text = error instanceof Error ? error.message : String(error);
  if (/KeyMismatch|not be consistent/i.test(text)) {
    return `TLS certificate "${config.tlsCert}" and key "${config.tlsKey}" do not match`;
  }
  if (/private key/i.test(text)) {
    return `Cannot use the TLS key in "${config.tlsKey}": ${text}`;
  }
  if (/certificate/i.test(text)) {
    return `Cannot use the TLS certificate in "${config.tlsCert}": ${text}`;
  }
  return null;
}

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "not found"
      : error instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : "not a readable text file";
    throw new TlsSetupError(`Cannot read TLS ${what} "${path}": ${reason}`);
  }
}
