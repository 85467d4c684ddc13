/**
 * Words a failed TLS handshake for a person: what is wrong with the server's
 * certificate (as rustls, Deno's TLS, reports it) and what to do about it,
 * in one line. rustls's texts look like `invalid peer certificate:
 * UnknownIssuer`, `... Other(OtherError(CaUsedAsEndEntity))`, or carry
 * details: `certificate expired: verification time 1796348047 (UNIX), but
 * certificate is not valid after 1580515200 (...)`.
 */

/** What the handshake was trying to do. */
export interface TlsFailureContext {
  /** The name the client connected to (checked against the certificate). */
  host: string;
  /** Whether `--ca` was given. */
  hadCa: boolean;
}

const MAKE_ONE = 'make one with "ftpx cert"';

/** One clause saying why the handshake failed and what to do; the raw text when unrecognised. */
export function describeTlsFailure(text: string, { host, hadCa }: TlsFailureContext): string {
  const has = (pattern: RegExp) => pattern.test(text);
  if (has(/CaUsedAsEndEntity/)) {
    return "the server's certificate is a CA certificate (basicConstraints CA:TRUE, the default " +
      "of openssl req -x509), which TLS refuses as a server's own: " +
      `${MAKE_ONE}, or add -addext basicConstraints=critical,CA:FALSE to openssl req -x509`;
  }
  if (has(/EndEntityUsedAsCa/)) {
    return "the certificate that signed the server's is not a CA (CA:FALSE): sign it with a CA " +
      `certificate, or ${MAKE_ONE} (self-signed) and pass it with --ca`;
  }
  if (has(/UnknownIssuer|UnknownCA/i)) {
    return hadCa
      ? "the server's certificate is not signed by the --ca certificate or a trusted root " +
        "(pass the server's own certificate, or the CA that signed it, with --ca)"
      : "the server's certificate is not signed by a trusted root " +
        "(self-signed? pass it with --ca FILE)";
  }
  if (has(/BadSignature/)) {
    return hadCa
      ? "the server's certificate is not signed by the --ca certificate: one of the same name " +
        "does not verify it (was one of them made again? pass the server's current certificate)"
      : "the signature on the server's certificate does not verify (corrupt or forged)";
  }
  if (has(/not valid for name|NotValidForName/i)) {
    const names = certificateNames(text);
    const valid = names.length
      ? ` (it is for ${names.join(", ")}: connect with -H ${names[0]},` +
        ` or make one for this name with ftpx cert --name ${host})`
      : " (connect with a name it " +
        "was made for, or make one for this name with ftpx cert --name)";
    return `the server's certificate is not valid for "${host}"${valid}`;
  }
  if (has(/certificate expired|\bExpired/)) {
    const when = unixDate(/not valid after (\d+)/.exec(text)?.[1]);
    return `the server's certificate expired${when ? ` on ${when}` : ""} ` +
      "(the server needs a new one, e.g. ftpx cert --force; or check this machine's clock)";
  }
  if (has(/not valid yet|NotValidYet/)) {
    const when = unixDate(/not valid before (\d+)/.exec(text)?.[1]);
    return `the server's certificate is not valid yet${when ? ` (not before ${when})` : ""}: ` +
      "check the clock of this machine and of the one that made it";
  }
  if (has(/extended key usage|InvalidPurpose/i)) {
    return "the server's certificate does not allow server authentication (its extendedKeyUsage " +
      `lacks serverAuth): add serverAuth, or ${MAKE_ONE}`;
  }
  if (has(/UnsupportedCertVersion/)) {
    return `the server's certificate is X.509 version 1; TLS needs version 3: ${MAKE_ONE}`;
  }
  if (has(/UnhandledCriticalExtension/)) {
    return "the server's certificate has a critical extension this client does not know: " +
      MAKE_ONE;
  }
  if (has(/UnsupportedSignatureAlgorithm/)) {
    return "the server's certificate is signed with an algorithm this client does not support " +
      `(use RSA, ECDSA P-256/P-384 or Ed25519): ${MAKE_ONE}`;
  }
  if (has(/PathLenConstraintViolated|NameConstraintViolation|MaximumPathDepthExceeded/)) {
    return "the server's certificate chain breaks its CA's constraints (path length or names): " +
      "ask whoever runs the CA, or pass the server's own certificate with --ca";
  }
  if (has(/\bRevoked\b/)) {
    return "the server's certificate has been revoked: the server needs a new one";
  }
  if (has(/BadEncoding|MissingOrMalformedExtensions|InvalidCertValidity|BadDer/)) {
    return `the server's certificate is malformed: ${MAKE_ONE}`;
  }
  if (has(/corrupt message|InvalidContentType|unexpected eof|closed|reset/i)) {
    return "the server did not answer with TLS (is TLS on at that port? without it, drop --tls)";
  }
  if (has(/received fatal alert/i)) {
    return `the server ended the handshake (${
      text.replace(/^.*received fatal alert:\s*/i, "alert ")
    })`;
  }
  return text;
}

/** The names a NotValidForName error says the certificate is for: `DnsName("a")`, `IpAddress(1.2.3.4)`. */
function certificateNames(text: string): string[] {
  const rest = /only valid for (.*)$/.exec(text)?.[1] ?? "";
  const names: string[] = [];
  for (const match of rest.matchAll(/DnsName\("([^"]*)"\)|IpAddress\(([^)]*)\)/g)) {
    names.push(match[1] ?? match[2]!);
  }
  return names;
}

/** `YYYY-MM-DD` (UTC) of a UNIX time in seconds, or undefined. */
function unixDate(seconds: string | undefined): string | undefined {
  if (seconds === undefined) return undefined;
  return new Date(Number(seconds) * 1000).toISOString().slice(0, 10);
}
