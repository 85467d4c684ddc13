/**
 * TLS material for FTPS, loaded once per server thread from `tls_cert` and
 * `tls_key`: PEM text for `Deno.listenTls` (passive data connections) and a
 * `node:tls` context for AUTH TLS on the control connection.
 */

import { createSecureContext } from "node:tls";
import type { ServerConfig } from "../../core/config.ts";
import type { TlsMaterial } from "./data_channel.ts";

/** The TLS configuration is incomplete or unreadable; the message names the key. */
export class TlsConfigError extends Error {
  /** Creates a TLS configuration error. */
  constructor(message: string) {
    super(message);
    this.name = "TlsConfigError";
  }
}

/**
 * Loads certificate and key when both are configured; undefined when neither is.
 *
 * @throws {TlsConfigError} when only one is set, a file cannot be read, or the pair is invalid
 */
export async function loadTlsMaterial(config: ServerConfig): Promise<TlsMaterial | undefined> {
  const { tlsCert, tlsKey } = config;
  if (tlsCert === null && tlsKey === null) return undefined;
  if (tlsCert === null || tlsKey === null) {
    throw new TlsConfigError('TLS needs both "tls_cert" and "tls_key"');
  }
  const cert = await readPem(tlsCert, "tls_cert");
  const key = await readPem(tlsKey, "tls_key");
  try {
    return { cert, key, context: createSecureContext({ cert, key }) };
  } catch {
    throw new TlsConfigError(
      `Cannot use tls_cert "${tlsCert}" with tls_key "${tlsKey}": not a matching PEM certificate and key`,
    );
  }
}

async function readPem(path: string, key: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "not found" : "cannot be read";
    throw new TlsConfigError(`Cannot read ${key} "${path}": ${reason}`);
  }
}
