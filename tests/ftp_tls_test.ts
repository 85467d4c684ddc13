import assert from "node:assert/strict";
import { join } from "node:path";
import {
  curl,
  ftpUrl,
  lftp,
  python,
  RawFtpClient,
  startFtpServer,
  TEST_CERT,
  TLS_INI,
} from "./_ftp.ts";
import { runFtpx, tempDir } from "./_spawn.ts";

Deno.test("FTPS: curl, ftplib and lftp log in and list over TLS, data included", async () => {
  await using server = await startFtpServer({ ini: TLS_INI });
  await server.addUser("alice", "alice-secret");
  await Deno.writeTextFile(join(server.home("alice"), "a.txt"), "hello");

  const viaCurl = await curl([
    "--ssl-reqd",
    "--cacert",
    TEST_CERT,
    "--list-only",
    ftpUrl(server, "alice", "alice-secret"),
  ]);
  assert.equal(viaCurl.code, 0, viaCurl.stderr);
  assert.equal(viaCurl.stdout.trim(), "a.txt");

  const viaFtplib = await python(
    server,
    `
f = ftplib.FTP_TLS(context=ssl.create_default_context(cafile=ARGS["ca"]))
f.connect("127.0.0.1", PORT)
out = {"feat": f.sendcmd("FEAT").splitlines()}
out["auth"] = f.auth()
f.login("alice", "alice-secret")
out["prot"] = f.prot_p()
out["mlsd"] = [name for name, facts in f.mlsd()]
out["stat"] = f.sendcmd("STAT").splitlines()
f.quit()
print(json.dumps(out))
`,
    { ca: TEST_CERT },
  );
  assert.equal(viaFtplib.code, 0, viaFtplib.stderr);
  const out = JSON.parse(viaFtplib.stdout);
  for (const feature of [" AUTH TLS", " PBSZ", " PROT"]) assert.ok(out.feat.includes(feature));
  assert.match(out.auth, /^234 /);
  assert.equal(out.prot, "200 Data connections will use TLS");
  assert.deepEqual(out.mlsd, ["a.txt"]);
  assert.ok(out.stat.includes(" Control connection: TLS; data connections: TLS"), out.stat);

  await using work = await tempDir();
  const viaLftp = await lftp(
    server,
    "alice",
    "alice-secret",
    `set ftp:ssl-allow true; set ftp:ssl-force true; set ftp:ssl-protect-data true; ` +
      `set ssl:ca-file ${TEST_CERT}; cls -1`,
    { cwd: work.path },
  );
  assert.equal(viaLftp.code, 0, viaLftp.stderr);
  assert.equal(viaLftp.stdout.trim(), "a.txt");
});

Deno.test("require_tls refuses USER before AUTH TLS, saying how to connect", async () => {
  await using server = await startFtpServer({ ini: TLS_INI + "require_tls = true\n" });
  await server.addUser("alice", "alice-secret");
  await using raw = await RawFtpClient.connect(server.ftpPort).then((r) => r.client);
  assert.match(await raw.command("USER alice"), /^530 This server requires TLS: send AUTH TLS/);
  assert.equal(await raw.command("PASS alice-secret"), "503 Send USER first");

  const plain = await curl(["--list-only", ftpUrl(server, "alice", "alice-secret")]);
  assert.equal(plain.code, 67, plain.stderr);
  const secure = await curl([
    "--ssl-reqd",
    "--cacert",
    TEST_CERT,
    "--list-only",
    ftpUrl(server, "alice", "alice-secret"),
  ]);
  assert.equal(secure.code, 0, secure.stderr);
});

Deno.test("require_tls = false lets FTP log in without TLS, and the server warns at start", async () => {
  await using server = await startFtpServer({ ini: TLS_INI + "require_tls = false\n" });
  await server.addUser("alice", "alice-secret");
  await using raw = await RawFtpClient.connect(server.ftpPort).then((r) => r.client);
  assert.equal(await raw.command("USER alice"), "331 Password required");
  assert.equal(await raw.command("PASS alice-secret"), "230 Logged in as alice");
  await server.stop();
  assert.match(
    server.log,
    /warn +plaintext logins allowed port=\d+ detail="require_tls = false" protocol=ftp/,
  );
});

Deno.test("commands sent in plaintext right behind AUTH TLS are never run", async () => {
  await using server = await startFtpServer({ ini: TLS_INI });
  await server.addUser("alice", "alice-secret");
  const result = await python(
    server,
    `
plain = socket.create_connection(("127.0.0.1", PORT))
replies = plain.makefile("rb")
replies.readline()
plain.sendall(b"AUTH TLS\\r\\nUSER alice\\r\\n")
out = {"auth": replies.readline().decode().strip()}
secure = ssl.create_default_context(cafile=ARGS["ca"]).wrap_socket(plain, server_hostname="localhost")
lines = secure.makefile("rb")
secure.sendall(b"PASS alice-secret\\r\\n")
out["pass"] = lines.readline().decode().strip()
secure.sendall(b"PWD\\r\\n")
out["pwd"] = lines.readline().decode().strip()
print(json.dumps(out))
`,
    { ca: TEST_CERT },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), {
    auth: "234 Proceed with TLS negotiation",
    pass: "503 Send USER first",
    pwd: "530 Log in with USER and PASS first",
  });
});

Deno.test("PBSZ and PROT need TLS; unsupported levels are refused", async () => {
  await using server = await startFtpServer({ ini: TLS_INI });
  await server.addUser("alice", "alice-secret");
  await using raw = await RawFtpClient.connect(server.ftpPort).then((r) => r.client);
  assert.equal(await raw.command("PROT P"), "503 PROT needs AUTH TLS first");
  assert.equal(
    await raw.command("AUTH KERBEROS"),
    "504 Unsupported security mechanism: use AUTH TLS",
  );
});

Deno.test("a half-configured TLS stops startup with a message naming the keys", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(join(dir.path, "s.ini"), `tls_cert = ${TEST_CERT}\n`);
  const half = await runFtpx([
    "serve",
    "--port",
    "0",
    "--ftp-port",
    "0",
    "--data",
    join(dir.path, "data"),
    "--config",
    join(dir.path, "s.ini"),
  ]);
  assert.equal(half.code, 1);
  assert.match(half.stderr, /^error: .*TLS needs both "tls_cert" and "tls_key"/m);
});

Deno.test("without TLS configured, require_tls (on by default) does not block plain logins", async () => {
  await using server = await startFtpServer({ ini: "require_tls = true\n" });
  await server.addUser("alice", "alice-secret");
  const listing = await curl(["--list-only", ftpUrl(server, "alice", "alice-secret")]);
  assert.equal(listing.code, 0, listing.stderr);
});
