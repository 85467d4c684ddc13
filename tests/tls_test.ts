/**
 * TLS end to end: `ftpx cert`, `serve --tls-cert/--tls-key`, `connect --tls
 * --ca`, verification failures, `require_tls` on a plaintext port, and what
 * actually crosses the wire (through a recording proxy).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { runFtpx, tempDir, TestServer } from "./_spawn.ts";

const PASSWORD = "alice-tls-secret";

interface CertFiles {
  cert: string;
  key: string;
}

async function makeCert(dir: string, extra: string[] = []): Promise<CertFiles> {
  const result = await runFtpx(["cert", "--out", dir, ...extra]);
  assert.equal(result.code, 0, result.stderr);
  return { cert: join(dir, "ftpx-cert.pem"), key: join(dir, "ftpx-key.pem") };
}

async function tlsServer(files: CertFiles, ini = ""): Promise<TestServer> {
  const server = await TestServer.start({
    args: ["--tls-cert", files.cert, "--tls-key", files.key],
    ini,
  });
  await server.addUser("alice", PASSWORD);
  return server;
}

function connect(port: number, args: string[], command = "pwd") {
  return runFtpx(["connect", "-P", String(port), "-u", "alice", ...args, "-c", command], {
    env: { FTPX_PASSWORD: PASSWORD },
  });
}

/** A loopback TCP proxy that records every byte the client sends. */
class RecordingProxy implements AsyncDisposable {
  readonly port: number;
  #listener: Deno.TcpListener;
  #recorded: Uint8Array[] = [];
  #pumps: Promise<void>[] = [];
  #accepting: Promise<void>;

  constructor(targetPort: number) {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.port = this.#listener.addr.port;
    this.#accepting = this.#accept(targetPort);
  }

  /** Everything clients sent, as Latin-1 text (so any byte sequence can be searched). */
  get clientBytes(): string {
    return this.#recorded.map((chunk) => String.fromCharCode(...chunk)).join("");
  }

  async #accept(targetPort: number): Promise<void> {
    for await (const client of this.#listener) {
      const server = await Deno.connect({ hostname: "127.0.0.1", port: targetPort });
      this.#pumps.push(this.#pump(client, server, true), this.#pump(server, client, false));
    }
  }

  async #pump(from: Deno.Conn, to: Deno.Conn, record: boolean): Promise<void> {
    const buffer = new Uint8Array(16 * 1024);
    try {
      while (true) {
        const n = await from.read(buffer);
        if (n === null) break;
        if (record) this.#recorded.push(buffer.slice(0, n));
        await to.write(buffer.subarray(0, n));
      }
    } catch {
      // One side went away.
    }
    for (const conn of [from, to]) {
      try {
        conn.close();
      } catch {
        // Already closed by the other pump.
      }
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#listener.close();
    await this.#accepting.catch(() => {});
    await Promise.all(this.#pumps);
  }
}

Deno.test("ftpx cert writes a certificate and an owner-only key, and never overwrites", async () => {
  await using dir = await tempDir();
  const result = await runFtpx(["cert", "--out", join(dir.path, "tls"), "--name", "files.test"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /self-signed certificate for files\.test/);
  assert.match(result.stdout, /SHA-256 fingerprint: ([0-9A-F]{2}:){31}[0-9A-F]{2}\n/);
  assert.match(result.stdout, /ftpx serve --tls-cert \S+ftpx-cert\.pem --tls-key \S+ftpx-key\.pem/);
  const key = await Deno.stat(join(dir.path, "tls", "ftpx-key.pem"));
  assert.equal(key.mode! & 0o777, 0o600);
  assert.match(
    await Deno.readTextFile(join(dir.path, "tls", "ftpx-cert.pem")),
    /^-----BEGIN CERTIFICATE-----\n/,
  );

  const again = await runFtpx(["cert", "--out", join(dir.path, "tls")]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists: use --force/);
  const forced = await runFtpx(["cert", "--out", join(dir.path, "tls"), "--force"]);
  assert.equal(forced.code, 0, forced.stderr);

  const badName = await runFtpx(["cert", "--out", dir.path, "--name", "bad name!"]);
  assert.equal(badName.code, 2);
  assert.match(badName.stderr, /Invalid name "bad name!"/);
});

Deno.test("ftpx cert --out naming a file says so in one line, without the system's error text", async () => {
  await using dir = await tempDir();
  const file = join(dir.path, "not-a-dir");
  await Deno.writeTextFile(file, "x");
  const result = await runFtpx(["cert", "--out", file]);
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `error: Cannot write the certificate in "${file}": a file is in the way (give --out a directory)\n`,
  );
});

Deno.test("connect --tls --ca logs in over TLS and the password never crosses in clear", async () => {
  await using dir = await tempDir();
  const files = await makeCert(dir.path);
  await using server = await tlsServer(files);
  await using proxy = new RecordingProxy(server.port);
  const result = await connect(proxy.port, ["--tls", "--ca", files.cert], "mkdir secret-dir; ls");
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /secret-dir\//);
  assert.ok(proxy.clientBytes.length > 0, "the proxy saw the session");
  assert.ok(!proxy.clientBytes.includes(PASSWORD), "password visible on the wire");
  assert.ok(!proxy.clientBytes.includes("secret-dir"), "command visible on the wire");
});

Deno.test("a server the client cannot verify is refused, never used in plaintext", async () => {
  await using dir = await tempDir();
  const files = await makeCert(join(dir.path, "a"));
  const other = await makeCert(join(dir.path, "b"));
  const named = await makeCert(join(dir.path, "c"), ["--name", "localhost"]);
  await using server = await tlsServer(files);

  const noCa = await connect(server.port, ["--tls"]);
  assert.equal(noCa.code, 1);
  assert.match(
    noCa.stderr,
    /TLS with 127\.0\.0\.1:\d+ failed: .*not signed by a trusted root.*--ca/,
  );
  assert.equal(noCa.stdout, "");

  const wrongCa = await connect(server.port, ["--ca", other.cert]);
  assert.equal(wrongCa.code, 1);
  assert.match(wrongCa.stderr, /not signed by the --ca certificate/);

  await using namedServer = await tlsServer(named);
  const wrongName = await connect(namedServer.port, ["--tls", "--ca", named.cert]);
  assert.equal(wrongName.code, 1);
  assert.match(wrongName.stderr, /not valid for "127\.0\.0\.1"/);
  const rightName = await runFtpx(
    [
      "connect",
      "-H",
      "localhost",
      "-P",
      String(namedServer.port),
      "-u",
      "alice",
      "--ca",
      named.cert,
      "-c",
      "pwd",
    ],
    { env: { FTPX_PASSWORD: PASSWORD } },
  );
  assert.equal(rightName.code, 0, rightName.stderr);

  await server.stop();
  await namedServer.stop();
  assert.doesNotMatch(server.log, /login/);
  assert.match(server.log, /tls handshake failed/);
});

Deno.test("plaintext and TLS mismatches between client and port get clear errors", async () => {
  await using dir = await tempDir();
  const files = await makeCert(dir.path);
  await using server = await tlsServer(files);
  const plainToTls = await connect(server.port, []);
  assert.equal(plainToTls.code, 1);
  assert.match(plainToTls.stderr, /speaks TLS: connect with --tls/);

  await using plainServer = await TestServer.start();
  await plainServer.addUser("alice", PASSWORD);
  const tlsToPlain = await connect(plainServer.port, ["--tls", "--ca", files.cert]);
  assert.equal(tlsToPlain.code, 1);
  assert.match(tlsToPlain.stderr, /did not answer with TLS/);
});

Deno.test("require_tls: the plaintext port refuses before any password is sent", async () => {
  await using dir = await tempDir();
  const files = await makeCert(dir.path);
  await using server = await tlsServer(files, "plain_port = 0\n");
  assert.ok(server.plainPort !== null, "the server printed its plaintext port");
  await using proxy = new RecordingProxy(server.plainPort!);
  const result = await connect(proxy.port, []);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    new RegExp(`requires TLS: reconnect with "ftpx connect --tls -P ${server.port}"`),
  );
  assert.match(proxy.clientBytes, /"op":"hello"/);
  assert.ok(!proxy.clientBytes.includes(PASSWORD), "password sent in plaintext");
  assert.ok(!proxy.clientBytes.includes('"op":"login"'), "login sent in plaintext");

  const overTls = await connect(server.port, ["--ca", files.cert]);
  assert.equal(overTls.code, 0, overTls.stderr);
});

Deno.test("require_tls = false lets the plaintext port serve logins", async () => {
  await using dir = await tempDir();
  const files = await makeCert(dir.path);
  await using server = await tlsServer(files, "plain_port = 0\nrequire_tls = false\n");
  const result = await connect(server.plainPort!, []);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "/\n");
});

Deno.test("serve refuses bad TLS settings with a message naming the file", async () => {
  await using dir = await tempDir();
  const files = await makeCert(join(dir.path, "a"));
  const other = await makeCert(join(dir.path, "b"));
  const data = join(dir.path, "data");
  const serve = (args: string[]) => runFtpx(["serve", "--port", "0", "--data", data, ...args]);

  const missing = await serve(["--tls-cert", files.cert, "--tls-key", join(dir.path, "nope.pem")]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Cannot read TLS key ".*nope\.pem": not found/);

  const half = await serve(["--tls-cert", files.cert]);
  assert.equal(half.code, 1);
  assert.match(half.stderr, /TLS needs both "tls_cert" and "tls_key"/);

  const swapped = await serve(["--tls-cert", files.key, "--tls-key", files.cert]);
  assert.equal(swapped.code, 1);
  assert.match(swapped.stderr, /No PEM certificate in/);

  const mismatched = await serve(["--tls-cert", files.cert, "--tls-key", other.key]);
  assert.equal(mismatched.code, 1);
  assert.match(mismatched.stderr, /TLS certificate ".*" and key ".*" do not match/);
});
