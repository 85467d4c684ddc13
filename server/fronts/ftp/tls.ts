/**
 * TLS for FTPS: the server's certificate and key (read and checked once, by
 * `boot/serve.ts` through `core/tls/tls.ts`, and handed to every thread) as
 * PEM text for `Deno.listenTls` (passive data connections), plus a
 * `node:tls` context for AUTH TLS on the control connection.
 */

import { createSecureContext } from "node:tls";
import type { TlsMaterial } from "./data_channel.ts";

/** The FTP front's TLS material for a certificate and key; undefined without TLS. */
export function ftpTlsMaterial(pem: { cert: string; key: string } | null): TlsMaterial | undefined {
  if (pem === null) return undefined;
  return { ...pem, context: createSecureContext(pem) };
}
