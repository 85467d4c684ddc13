import assert from "node:assert/strict";
import { join } from "node:path";
import { curl, epsvPort, ftpUrl, lftp, python, RawFtpClient, startFtpServer } from "./_ftp.ts";
import { runFtpx, tempDir } from "./_spawn.ts";

Deno.test("ftplib: navigation, listings, facts, rename and delete in one session", async () => {
  await using server = await startFtpServer();
  await server.addUser("alice", "alice-secret");
  const home = server.home("alice");
  await Deno.mkdir(join(home, "docs/deep"), { recursive: true });
  await Deno.writeTextFile(join(home, "docs/a.txt"), "hello\n");
  await Deno.writeTextFile(join(home, "docs/\u00fcml\u00e4ut.txt"), "utf-8 name");
  await Deno.writeTextFile(join(home, "old.txt"), "to rename");

  const result = await python(
    server,
    `
f = ftplib.FTP(encoding="utf-8")
f.connect("127.0.0.1", PORT)
out = {"welcome": f.getwelcome()}
f.login("alice", "alice-secret")
out["feat"] = f.sendcmd("FEAT").splitlines()
out["opts"] = f.sendcmd("OPTS UTF8 ON")
out["pwd0"] = f.pwd()
f.cwd("docs")
out["pwd1"] = f.pwd()
f.cwd("/..")
out["pwd2"] = f.pwd()
f.cwd("docs/deep")
f.cwd("../../../..")
out["pwd3"] = f.pwd()
out["nlst"] = sorted(f.nlst("docs"))
lines = []
f.retrlines("LIST docs", lines.append)
out["list"] = lines
out["mlsd"] = sorted([name, facts] for name, facts in f.mlsd("docs"))
out["mlst"] = f.sendcmd("MLST docs/a.txt").splitlines()
out["size"] = f.size("docs/a.txt")
out["mdtm"] = f.sendcmd("MDTM docs/a.txt")
out["mkd"] = f.mkd("new dir")
out["rename"] = f.rename("old.txt", "new dir/renamed.txt")
out["after_rename"] = sorted(f.nlst("new dir"))
out["delete"] = f.delete("new dir/renamed.txt")
out["rmd"] = f.rmd("new dir")
out["root"] = sorted(f.nlst())
out["quit"] = f.quit()
print(json.dumps(out))
`,
  );
  assert.equal(result.code, 0, result.stderr);
  const out = JSON.parse(result.stdout);
  assert.match(out.welcome, /^220 /);
  assert.equal(out.feat[0], "211-Features:");
  assert.equal(out.feat.at(-1), "211 End");
  for (const feature of ["UTF8", "SIZE", "MDTM", "REST STREAM", "EPSV", "TVFS"]) {
    assert.ok(out.feat.includes(` ${feature}`), `FEAT lacks ${feature}: ${out.feat}`);
  }
  assert.ok(out.feat.includes(" MLST type*;size*;modify*;perm*;"));
  assert.match(out.opts, /^200 /);
  assert.equal(out.pwd0, "/");
  assert.equal(out.pwd1, "/docs");
  assert.equal(out.pwd2, "/", "cwd('/..') must stay at /");
  assert.equal(out.pwd3, "/", "climbing past the home must stop at /");
  assert.deepEqual(out.nlst, ["a.txt", "deep", "\u00fcml\u00e4ut.txt"]);
  assert.equal(out.list.length, 3);
  assert.match(
    out.list.find((line: string) => line.endsWith(" a.txt")),
    /^-rw-r--r-- +1 alice +alice +6 [A-Z][a-z]{2} [ \d]\d (\d\d:\d\d| \d{4}) a\.txt$/,
  );
  assert.match(out.list.find((line: string) => line.endsWith(" deep")), /^drwxr-xr-x /);
  const mlsd = Object.fromEntries(out.mlsd);
  assert.equal(mlsd["a.txt"].type, "file");
  assert.equal(mlsd["a.txt"].size, "6");
  assert.equal(mlsd["a.txt"].perm, "adfrw");
  assert.match(mlsd["a.txt"].modify, /^\d{14}$/);
  assert.equal(mlsd.deep.type, "dir");
  assert.equal(mlsd["\u00fcml\u00e4ut.txt"].size, "10");
  assert.deepEqual(out.mlst[0], "250-Listing /docs/a.txt");
  assert.match(out.mlst[1], /^ type=file;size=6;modify=\d{14};perm=adfrw; \/docs\/a\.txt$/);
  assert.equal(out.mlst[2], "250 End");
  assert.equal(out.size, 6);
  const mtime = (await Deno.stat(join(home, "docs/a.txt"))).mtime!;
  assert.equal(out.mdtm, `213 ${mtime.toISOString().replace(/[-T:]/g, "").slice(0, 14)}`);
  assert.equal(out.mkd, "/new dir");
  assert.match(out.rename, /^250 /);
  assert.deepEqual(out.after_rename, ["renamed.txt"]);
  assert.match(out.delete, /^250 /);
  assert.match(out.rmd, /^250 /);
  assert.deepEqual(out.root, ["docs"]);
  assert.match(out.quit, /^221 /);
  await assert.rejects(Deno.stat(join(home, "old.txt")), Deno.errors.NotFound);
});

Deno.test("ftplib: refusals are FTP errors and the session goes on", async () => {
  await using server = await startFtpServer();
  await server.addUser("alice", "alice-secret");
  const home = server.home("alice");
  await Deno.mkdir(join(home, "full"));
  await Deno.writeTextFile(join(home, "full/x"), "x");
  await Deno.symlink("/etc", join(home, "escape"));

  const result = await python(
    server,
    `
f = ftplib.FTP()
f.connect("127.0.0.1", PORT)
f.login("alice", "alice-secret")
out = {}
for name, command in [
    ("missing", "CWD /nope"), ("escape", "CWD escape"), ("rmd_full", "RMD full"),
    ("dele_dir", "DELE full"), ("mkd_exists", "MKD full"), ("rnto_first", "RNTO x"),
    ("reserved", "MKD .ftpx-mine"), ("unknown", "XYZZY"), ("site", "SITE CHMOD 777 x"),
    ("no_arg", "CWD"), ("extra_arg", "PWD now"), ("type_e", "TYPE E"), ("mode_b", "MODE B"),
    ("list_no_pasv", "LIST"), ("size_dir", "SIZE full"), ("rest_bad", "REST -1"),
]:
    try:
        out[name] = f.sendcmd(command)
    except ftplib.Error as error:
        out[name] = str(error)
out["still_alive"] = f.pwd()
f.quit()
print(json.dumps(out))
`,
  );
  assert.equal(result.code, 0, result.stderr);
  const out = JSON.parse(result.stdout);
  assert.equal(out.missing, '550 Cannot enter "/nope": not found');
  assert.match(out.escape, /^550 .*outside your home/);
  assert.match(out.rmd_full, /^550 .*not empty/);
  assert.match(out.dele_dir, /^550 .*is a directory/);
  assert.match(out.mkd_exists, /^550 .*already exists/);
  assert.equal(out.rnto_first, "503 Send RNFR first");
  assert.match(out.reserved, /^550 .*reserved/);
  assert.equal(out.unknown, '500 Unknown command "XYZZY"');
  assert.match(
    out.site,
    /^200 SITE CHMOD ignored/,
    "accepted as a no-op (lftp mirror -R sends it)",
  );
  assert.equal(out.no_arg, "501 Syntax: CWD <path>");
  assert.equal(out.extra_arg, "501 PWD takes no argument");
  assert.match(out.type_e, /^504 /);
  assert.match(out.mode_b, /^504 /);
  assert.match(out.list_no_pasv, /^425 /);
  assert.match(out.size_dir, /^550 /);
  assert.match(out.rest_bad, /^501 /);
  assert.equal(out.still_alive, "/");
});

Deno.test("before login only the minimal surface exists", async () => {
  await using server = await startFtpServer();
  await server.addUser("alice", "alice-secret");
  await using raw = await RawFtpClient.connect(server.ftpPort).then((r) => r.client);
  for (const command of ["PWD", "CWD /", "LIST", "PASV", "EPSV", "MKD x", "STAT", "SIZE x"]) {
    assert.equal(await raw.command(command), "530 Log in with USER and PASS first", command);
  }
  assert.equal(await raw.command("SYST"), "215 UNIX Type: L8");
  assert.equal(await raw.command("NOOP"), "200 OK");
  assert.match(await raw.command("FEAT"), /^211-Features:\n[\s\S]*\n211 End$/);
  assert.match(await raw.command("HELP"), /^214-[\s\S]* RETR|^214-[\s\S]*\n214 Help OK$/);
  assert.equal(await raw.command("PASS secret"), "503 Send USER first");
  assert.equal(await raw.command("PBSZ 0"), "503 PBSZ needs AUTH TLS first");
  assert.equal(await raw.command("AUTH TLS"), "502 TLS is not configured on this server");
  assert.equal(await raw.command("USER alice"), "331 Password required");
  assert.equal(await raw.command("PASS alice-secret"), "230 Logged in as alice");
  assert.equal(await raw.command("USER bob"), "530 Already logged in; cannot change user");
  assert.equal(await raw.command("PWD"), '257 "/" is the current directory');
});

Deno.test("a wrong password is refused, with the same reply for unknown users", async () => {
  await using server = await startFtpServer();
  await server.addUser("alice", "alice-secret");
  const wrong = await curl([ftpUrl(server, "alice", "not-the-password")]);
  assert.equal(wrong.code, 67, wrong.stderr); // curl: login denied
  assert.match(wrong.stderr, /530/);
  const unknown = await curl([ftpUrl(server, "nobody", "whatever-pw")]);
  assert.equal(unknown.code, 67, unknown.stderr);

  await using raw = await RawFtpClient.connect(server.ftpPort).then((r) => r.client);
  assert.equal(await raw.command("USER nobody"), "331 Password required");
  assert.equal(await raw.command("PASS x"), "530 Login incorrect");
  assert.equal(await raw.command("USER alice"), "331 Password required");
  assert.equal(await raw.command("PASS y"), "530 Login incorrect");
  assert.equal(await raw.command("USER alice"), "331 Password required");
  assert.equal(await raw.command("PASS z"), "530 Login incorrect");
  assert.ok(await raw.closedByServer(), "the third failure closes the connection");
  await server.stop();
  assert.match(server.log, /login failed peer=127\.0\.0\.1:\d+ user=nobody protocol=ftp/);
  assert.doesNotMatch(server.log, /not-the-password|alice-secret/);
});

Deno.test("curl lists a directory in a form it parses; lftp lists it too", async () => {
  await using server = await startFtpServer();
  await server.addUser("alice", "alice-secret");
  const home = server.home("alice");
  await Deno.mkdir(join(home, "docs/sub"), { recursive: true });
  await Deno.writeTextFile(join(home, "docs/a.txt"), "hello\n");

  const names = await curl(["--list-only", ftpUrl(server, "alice", "alice-secret", "/docs/")]);
  assert.equal(names.code, 0, names.stderr);
  assert.deepEqual(names.stdout.trimEnd().split(/\r?\n/).sort(), ["a.txt", "sub"]);
  const long = await curl([ftpUrl(server, "alice", "alice-secret", "/docs/")]);
  assert.equal(long.code, 0, long.stderr);
  assert.match(long.stdout, /^-rw-r--r-- .* 6 .* a\.txt\r?\ndrwxr-xr-x .* sub\r?\n$/);

  await using work = await tempDir();
  const listing = await lftp(server, "alice", "alice-secret", "cls -1 docs/", { cwd: work.path });
  assert.equal(listing.code, 0, listing.stderr);
  assert.deepEqual(listing.stdout.trimEnd().split("\n").sort(), ["docs/a.txt", "docs/sub/"]);
});

Deno.test("disabling an account ends its FTP session at the next command and refuses login", async () => {
  await using server = await startFtpServer();
  await server.addUser("alice", "alice-secret");
  await using raw = await RawFtpClient.connect(server.ftpPort).then((r) => r.client);
  assert.equal(await raw.command("USER alice"), "331 Password required");
  assert.equal(await raw.command("PASS alice-secret"), "230 Logged in as alice");
  const disabled = await runFtpx(["disable", "alice", "--data", server.dataDir]);
  assert.equal(disabled.code, 0, disabled.stderr);
  assert.equal(
    await raw.command("PWD"),
    '421 Session ended: account "alice" was disabled',
  );
  assert.ok(await raw.closedByServer());

  await using again = await RawFtpClient.connect(server.ftpPort).then((r) => r.client);
  assert.equal(await again.command("USER alice"), "331 Password required");
  assert.equal(
    await again.command("PASS alice-secret"),
    '530 Account "alice" is disabled: ask an administrator',
  );
  assert.equal(await again.command("USER alice"), "331 Password required");
  assert.equal(await again.command("PASS wrong-password"), "530 Login incorrect");
});

Deno.test("FTP sessions and their transfers show in the admin's who", async () => {
  await using server = await startFtpServer();
  await server.addUser("alice", "alice-secret");
  const huge = await Deno.open(join(server.home("alice"), "huge.bin"), {
    write: true,
    create: true,
  });
  await huge.truncate(2 * 1024 ** 3);
  huge.close();
  await using raw = await RawFtpClient.connect(server.ftpPort).then((r) => r.client);
  await raw.command("USER alice");
  await raw.command("PASS alice-secret");
  const data = await Deno.connect({
    hostname: "127.0.0.1",
    port: epsvPort(await raw.command("EPSV")),
  });
  try {
    assert.match(await raw.command("RETR huge.bin"), /^150 /);
    const who = await server.client("admin", server.adminPassword, { command: "who" });
    assert.equal(who.code, 0, who.stderr);
    assert.match(who.stdout, /alice +127\.0\.0\.1:\d+ +ftp +.* RETR \/huge\.bin \d+%/);
  } finally {
    data.close();
  }
});

Deno.test("no password reaches the debug log, however the PASS line is mangled", async () => {
  await using server = await startFtpServer({ args: ["--log-level", "debug"] });
  await server.addUser("alice", "alice-secret");
  await using raw = await RawFtpClient.connect(server.ftpPort).then((r) => r.client);
  assert.equal(await raw.command("USER alice"), "331 Password required");
  assert.equal(await raw.command(" PASS leaked-one"), "500 Empty command");
  assert.match(await raw.command("PASS\tleaked-two"), /^500 Unknown command/);
  assert.equal(await raw.command("USER alice"), "331 Password required");
  assert.equal(await raw.command("pass leaked-three"), "530 Login incorrect");
  assert.equal(await raw.command("USER alice"), "331 Password required");
  assert.equal(await raw.command("PASS alice-secret"), "230 Logged in as alice");
  assert.equal(await raw.command("XYZZ plugh"), '500 Unknown command "XYZZ"');
  await server.stop();
  assert.doesNotMatch(server.log, /leaked|LEAKED|alice-secret|plugh/);
  assert.match(server.log, /ftp command .*command="PASS \*\*\*\*"/);
  assert.match(server.log, /ftp command .*command=XYZZ$/m, "unknown verbs are still logged");
});

Deno.test("a name that is not UTF-8 is refused with 553 and creates nothing; a UTF-8 one works", async () => {
  await using server = await startFtpServer();
  await server.addUser("alice", "alice-secret");
  await using raw = await RawFtpClient.connect(server.ftpPort).then((r) => r.client);
  await raw.command("USER alice");
  await raw.command("PASS alice-secret");
  await raw.sendRaw(new Uint8Array([...new TextEncoder().encode("MKD caf"), 0xe9, 0x0d, 0x0a]));
  assert.match(await raw.readReply(), /^553 Command not in UTF-8/);
  assert.match(await raw.command("MKD caf\u00e9"), /^257 "\/caf\u00e9" created/);
  assert.deepEqual(
    (await Array.fromAsync(Deno.readDir(server.home("alice")))).map((e) => e.name),
    ["caf\u00e9"],
  );
});

Deno.test("MFMT sets a file's time (MDTM shows it); SITE CHMOD is accepted and changes nothing", async () => {
  await using server = await startFtpServer();
  await server.addUser("alice", "alice-secret");
  await Deno.writeTextFile(join(server.home("alice"), "a.txt"), "a");
  const modeBefore = (await Deno.stat(join(server.home("alice"), "a.txt"))).mode;
  await using raw = await RawFtpClient.connect(server.ftpPort).then((r) => r.client);
  await raw.command("USER alice");
  await raw.command("PASS alice-secret");
  assert.match(await raw.command("FEAT"), /\n MFMT\n/);
  assert.equal(await raw.command("MFMT 20200131120000 a.txt"), "213 Modify=20200131120000; /a.txt");
  assert.equal(await raw.command("MDTM a.txt"), "213 20200131120000");
  assert.equal(
    (await Deno.stat(join(server.home("alice"), "a.txt"))).mtime?.getTime(),
    Date.UTC(2020, 0, 31, 12),
  );
  assert.match(await raw.command("MFMT 20200231120000 a.txt"), /^501 /);
  assert.match(await raw.command("MFMT 20200131120000 missing.txt"), /^550 /);
  assert.match(await raw.command("SITE CHMOD 777 a.txt"), /^200 SITE CHMOD ignored/);
  assert.equal((await Deno.stat(join(server.home("alice"), "a.txt"))).mode, modeBefore);
  assert.match(await raw.command("SITE EXEC rm -rf /"), /^504 /);
});
