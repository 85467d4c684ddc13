/**
 * `connect --tls --ca` with certificates made by openssl the common ways:
 * what works, and, for each certificate TLS refuses, one line saying what
 * is wrong and what to do (not rustls's `Other(OtherError(...))`).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { runFtpx, runProgram, tempDir, TestServer } from "./_spawn.ts";

const PASSWORD = "alice-tls-secret";
const SUBJECT = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"];
const LEAF_EXTENSIONS = "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n";

async function openssl(cwd: string, args: string[]): Promise<void> {
  const result = await runProgram("openssl", args, { cwd });
  assert.equal(result.code, 0, `openssl ${args.join(" ")}: ${result.stderr}`);
}

/** `openssl req -x509` as its manual shows it (CA:TRUE by default), plus `extra`. */
async function selfSigned(
  dir: string,
  name: string,
  extra: string[] = [],
  subject = SUBJECT,
): Promise<string> {
  await openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
    "-days",
    "30",
    ...subject,
    ...extra,
  ]);
  return name;
}

/** A small CA (`ca.pem`) that signs leaf certificates of `leaf.key`, with given dates or usage. */
async function makeCa(dir: string): Promise<void> {
  await selfSigned(dir, "ca", [], ["-subj", "/CN=ftpx test CA"]);
  await openssl(dir, [
    "req",
    "-new",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    "leaf.key",
    "-out",
    "leaf.csr",
    "-subj",
    "/CN=127.0.0.1",
  ]);
  await Deno.mkdir(join(dir, "newcerts"));
  await Deno.writeTextFile(join(dir, "index.txt"), "");
  await Deno.writeTextFile(join(dir, "serial"), "01\n");
  await Deno.writeTextFile(
    join(dir, "ca.cnf"),
    `[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\nnew_certs_dir = newcerts\n` +
      `serial = serial\ndefault_md = sha256\npolicy = p\nunique_subject = no\n` +
      `[p]\ncommonName = supplied\n[leaf]\n${LEAF_EXTENSIONS}` +
      `[client]\n${LEAF_EXTENSIONS}extendedKeyUsage=clientAuth\n`,
  );
}

/** A leaf signed by the CA of {@linkcode makeCa}; `dates` as openssl ca's YYYYMMDDHHMMSSZ. */
async function signLeaf(
  dir: string,
  name: string,
  options: { start?: string; end?: string; section?: string } = {},
): Promise<string> {
  await openssl(dir, [
    "ca",
    "-batch",
    "-notext",
    "-config",
    "ca.cnf",
    "-cert",
    "ca.pem",
    "-keyfile",
    "ca.key",
    "-in",
    "leaf.csr",
    "-out",
    `${name}.pem`,
    "-extensions",
    options.section ?? "leaf",
    ...options.start ? ["-startdate", options.start] : [],
    ...options.end ? ["-enddate", options.end] : ["-days", "30"],
  ]);
  return name;
}

/** Serves with `cert`/`key` and connects with `--ca ca`; returns the client's result. */
async function connectThrough(dir: string, cert: string, key: string, ca: string) {
  await using server = await TestServer.start({
    args: ["--tls-cert", join(dir, `${cert}.pem`), "--tls-key", join(dir, `${key}.key`)],
  });
  await server.addUser("alice", PASSWORD);
  return await runFtpx(
    [
      "connect",
      "-P",
      String(server.port),
      "-u",
      "alice",
      "--ca",
      join(dir, `${ca}.pem`),
      "-c",
      "pwd",
    ],
    { env: { FTPX_PASSWORD: PASSWORD } },
  );
}

/** The client failed with exactly one line on stderr matching `pattern`. */
function assertOneLine(result: { code: number; stdout: string; stderr: string }, pattern: RegExp) {
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, "");
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /^error: TLS with 127\.0\.0\.1:\d+ failed: /);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(lines[0]!, /OtherError|invalid peer certificate/);
}

Deno.test("openssl req -x509's CA:TRUE certificate is refused with what to do instead", async () => {
  await using dir = await tempDir("ftpx-openssl-");
  await selfSigned(dir.path, "common");
  assertOneLine(
    await connectThrough(dir.path, "common", "common", "common"),
    /is a CA certificate .*"ftpx cert", or add -addext basicConstraints=critical,CA:FALSE/,
  );
  // The advice works.
  await selfSigned(dir.path, "fixed", ["-addext", "basicConstraints=critical,CA:FALSE"]);
  const fixed = await connectThrough(dir.path, "fixed", "fixed", "fixed");
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.equal(fixed.stdout, "/\n");
});

Deno.test("a certificate signed by a CA given with --ca works; its faults are each worded", async () => {
  await using dir = await tempDir("ftpx-openssl-");
  await makeCa(dir.path);
  const good = await connectThrough(dir.path, await signLeaf(dir.path, "good"), "leaf", "ca");
  assert.equal(good.code, 0, good.stderr);

  const expired = await signLeaf(dir.path, "expired", {
    start: "20200101000000Z",
    end: "20200201000000Z",
  });
  assertOneLine(
    await connectThrough(dir.path, expired, "leaf", "ca"),
    /certificate expired on 2020-02-01 \(the server needs a new one/,
  );

  const future = await signLeaf(dir.path, "future", {
    start: "20400101000000Z",
    end: "20410101000000Z",
  });
  assertOneLine(
    await connectThrough(dir.path, future, "leaf", "ca"),
    /not valid yet \(not before 2040-01-01\): check the clock/,
  );

  const client = await signLeaf(dir.path, "client", { section: "client" });
  assertOneLine(
    await connectThrough(dir.path, client, "leaf", "ca"),
    /does not allow server authentication \(its extendedKeyUsage lacks serverAuth\)/,
  );

  // The leaf given as --ca instead of the CA that signed it.
  assertOneLine(
    await connectThrough(dir.path, "good", "leaf", "good"),
    /not signed by the --ca certificate or a trusted root \(pass the server's own certificate, or the CA/,
  );
});

Deno.test("a --ca certificate of the same name that doesn't verify the server's is worded", async () => {
  await using dir = await tempDir("ftpx-openssl-");
  const ca = ["-addext", "basicConstraints=critical,CA:FALSE"];
  await selfSigned(dir.path, "old", ca);
  await selfSigned(dir.path, "new", ca);
  assertOneLine(
    await connectThrough(dir.path, "new", "new", "old"),
    /one of the same name does not verify it \(was one of them made again\?/,
  );
});
