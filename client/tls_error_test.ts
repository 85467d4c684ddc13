import assert from "node:assert/strict";
import { describeTlsFailure } from "./tls_error.ts";

const AT = { host: "127.0.0.1", hadCa: true };

// The texts Deno 2.9's rustls gives, as seen with openssl-made certificates (tests/tls_openssl_test.ts).
const CASES: [text: string, context: typeof AT, expected: RegExp][] = [
  [
    "invalid peer certificate: Other(OtherError(CaUsedAsEndEntity))",
    AT,
    /is a CA certificate .*ftpx cert.*-addext basicConstraints=critical,CA:FALSE/,
  ],
  [
    "invalid peer certificate: UnknownIssuer",
    { host: "127.0.0.1", hadCa: false },
    /not signed by a trusted root \(self-signed\? pass it with --ca FILE\)/,
  ],
  ["invalid peer certificate: UnknownIssuer", AT, /not signed by the --ca certificate or a/],
  ["invalid peer certificate: BadSignature", AT, /one of the same name does not verify it/],
  [
    'invalid peer certificate: certificate not valid for name "localhost"; certificate is only ' +
    "valid for IpAddress(127.0.0.1)",
    { host: "localhost", hadCa: true },
    /not valid for "localhost" \(it is for 127\.0\.0\.1: connect with -H 127\.0\.0\.1,/,
  ],
  [
    'invalid peer certificate: certificate not valid for name "127.0.0.1"; certificate is only ' +
    'valid for DnsName("localhost") or DnsName("files.example.com")',
    AT,
    /it is for localhost, files\.example\.com: .*ftpx cert --name 127\.0\.0\.1\)/,
  ],
  [
    "invalid peer certificate: certificate expired: verification time 1796348047 (UNIX), but " +
    "certificate is not valid after 1580515200 (215832847 seconds ago)",
    AT,
    /expired on 2020-02-01 \(the server needs a new one/,
  ],
  [
    "invalid peer certificate: certificate not valid yet: verification time 1796348047 (UNIX), " +
    "but certificate is not valid before 2208988800 (412640753 seconds in future)",
    AT,
    /not valid yet \(not before 2040-01-01\): check the clock/,
  ],
  [
    "invalid peer certificate: certificate does not allow extended key usage for server " +
    "authentication, allows client authentication",
    AT,
    /does not allow server authentication .*serverAuth/,
  ],
  ["invalid peer certificate: Other(OtherError(UnsupportedCertVersion))", AT, /version 1/],
  ["invalid peer certificate: UnhandledCriticalExtension", AT, /critical extension/],
  ["invalid peer certificate: Revoked", AT, /revoked/],
  ["invalid peer certificate: BadEncoding", AT, /malformed/],
  ["invalid peer certificate: Other(OtherError(EndEntityUsedAsCa))", AT, /is not a CA/],
  ["received corrupt message of type InvalidContentType", AT, /did not answer with TLS/],
];

for (const [text, context, expected] of CASES) {
  Deno.test(`describeTlsFailure() words "${text.slice(26, 70)}"`, () => {
    const described = describeTlsFailure(text, context);
    assert.match(described, expected);
    assert.ok(!described.includes("\n"));
    assert.doesNotMatch(described, /OtherError|invalid peer certificate/);
  });
}

Deno.test("describeTlsFailure() passes an unknown text through", () => {
  assert.equal(describeTlsFailure("something new", AT), "something new");
});
