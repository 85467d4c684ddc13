/**
 * Self-signed certificates for a quick TLS start (`ftpx cert`): an ECDSA
 * P-256 key made with WebCrypto and an X.509 certificate built by
 * `@peculiar/x509`, valid for the names and addresses given, usable by
 * `Deno.listenTls` and trusted by a client given it with `--ca`.
 */

// @peculiar/x509 resolves its ASN.1 schemas through tsyringe, which needs the
// Reflect metadata polyfill loaded first. Only `ftpx cert` imports this module.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { isIP } from "node:net";
import { certificateDer, fingerprint } from "./tls.ts";

/** Names a certificate is made for when none are given. */
export const DEFAULT_CERTIFICATE_NAMES: readonly string[] = ["localhost", "127.0.0.1", "::1"];

/** Options for {@linkcode createSelfSignedCertificate}. */
export interface SelfSignedOptions {
  /** Host names and IP addresses the certificate is valid for; the first is its common name. */
  names: readonly string[];
  /** Validity in days from now. */
  days: number;
}

/** A new certificate and key in PEM, with what a user should see about it. */
export interface SelfSignedCertificate {
  cert: string;
  key: string;
  /** SHA-256 fingerprint, `AB:CD:...`. */
  fingerprint: string;
  notAfter: Date;
}

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const HOST_NAME =
  /^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const DAY_MS = 86_400_000;

/** Throws a `RangeError` unless `name` is a host name or an IP address. */
export function checkCertificateName(name: string): void {
  if (isIP(name) === 0 && !HOST_NAME.test(name)) {
    throw new RangeError(`Invalid name "${name}": expected a host name or an IP address`);
  }
}

/** Makes a key pair and a self-signed server certificate for `names`. */
export async function createSelfSignedCertificate(
  options: SelfSignedOptions,
): Promise<SelfSignedCertificate> {
  if (options.names.length === 0) throw new RangeError("A certificate needs at least one name");
  options.names.forEach(checkCertificateName);
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
  const notBefore = new Date(Date.now() - 5 * 60_000); // Tolerate clocks a little behind.
  const notAfter = new Date(Date.now() + options.days * DAY_MS);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${options.names[0]}`,
    notBefore,
    notAfter,
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        options.names.map((name) => ({
          type: isIP(name) ? "ip" as const : "dns" as const,
          value: name,
        })),
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const cert = certificate.toString("pem") + "\n";
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
  const key = x509.PemConverter.encode(pkcs8, "PRIVATE KEY") + "\n";
  return { cert, key, fingerprint: await fingerprint(certificateDer(cert)!), notAfter };
}

/** A positive 128-bit serial number, as hex (RFC 5280 wants unpredictable, at most 20 bytes). */
function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
