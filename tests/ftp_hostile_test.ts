import assert from "node:assert/strict";
import { join } from "node:path";
import { limitOpenFiles } from "./_spawn.ts";
import { failAfter, sendUntilHungUp } from "./_wire.ts";
import {
  curl,
  epsvPort,
  ftpUrl,
  pasvPort,
  python,
  RawFtpClient,
  readAll,
  startFtpServer,
} from "./_ftp.ts";

async function loggedIn(port: number): Promise<RawFtpClient> {
  const { client } = await RawFtpClient.connect(port);
  assert.equal(await client.command("USER alice"), "331 Password required");
  assert.equal(await client.command("PASS alice-secret"), "230 Logged in as alice");
  return client;
}

Deno.test("an over-long command line is refused and the session goes on", async () => {
  await using server = await startFtpServer();
  await server.addUser("alice", "alice-secret");
  await using raw = await loggedIn(server.ftpPort);
  assert.equal(await raw.command("CWD " + "x".repeat(100_000)), "500 Command line too long");
  assert.equal(await raw.command("PWD"), '257 "/" is the current directory');
});

Deno.test("commands trickled one byte per write are read whole", async () => {
  await using server = await startFtpServer();
  await server.addUser("alice", "alice-secret");
  const { client: raw } = await RawFtpClient.connect(server.ftpPort);
  await using _ = raw;
  for (const byte of new TextEncoder().encode("USER alice\r\nPASS alice-secret\r\nPWD\r\n")) {
    await raw.sendRaw(new Uint8Array([byte]));
  }
  assert.equal(await raw.readReply(), "331 Password required");
  assert.equal(await raw.readReply(), "230 Logged in as alice");
  assert.equal(await raw.readReply(), '257 "/" is the current directory');
});

Deno.test("a file name with CR/LF cannot forge a reply line", async () => {
  await using server = await startFtpServer();
  await server.addUser("alice", "alice-secret");
  await Deno.writeTextFile(join(server.home("alice"), "evil\r\n230 Logged in\r\n"), "x");
  await using raw = await loggedIn(server.ftpPort);
  const status = await raw.command("STAT /");
  const lines = status.split("\n");
  assert.equal(lines.length, 3, status);
  assert.match(lines[1]!, /^ -rw-r--r-- .* evil\?\?230 Logged in\?\?$/);
  assert.equal(lines[2], "213 End of status");
  const port = epsvPort(await raw.command("EPSV"));
  const data = await Deno.connect({ hostname: "127.0.0.1", port });
  assert.match(await raw.command("MLSD"), /^150 /);
  assert.equal(
    await readAll(data),
    "type=file;size=1;modify=" + (await mlsdTime(server)) +
      ";perm=adfrw; evil??230 Logged in??\r\n",
  );
  assert.equal(await raw.readReply(), "226 Transfer complete");
});

async function mlsdTime(server: { home(user: string): string }): Promise<string> {
  const info = await Deno.stat(join(server.home("alice"), "evil\r\n230 Logged in\r\n"));
  return info.mtime!.toISOString().replace(/[-T:]/g, "").slice(0, 14);
}

Deno.test("a passive data connection from another address is refused", async () => {
  await using server = await startFtpServer();
  await server.addUser("alice", "alice-secret");
  await Deno.writeTextFile(join(server.home("alice"), "a.txt"), "hello");
  const result = await python(
    server,
    `
f = ftplib.FTP()
f.connect("127.0.0.1", PORT)
f.login("alice", "alice-secret")
port = int(f.sendcmd("EPSV").split("|")[3])
thief = socket.socket()
thief.bind(("127.0.0.2", 0))
thief.connect(("127.0.0.1", port))
thief.settimeout(30)
try:
    stolen = thief.recv(100).decode()
except ConnectionResetError:
    stolen = ""
real = socket.create_connection(("127.0.0.1", port))
f.sendcmd("NLST")
names = real.makefile("rb").read().decode()
real.close()
print(json.dumps({"stolen": stolen, "names": names, "end": f.voidresp()}))
f.quit()
`,
  );
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), {
    stolen: "",
    names: "a.txt\r\n",
    end: "226 Transfer complete",
  });
  await server.stop();
  assert.match(server.log, /data connection from a foreign address refused .*from=127\.0\.0\.2/);
});

Deno.test("active mode is off by default", async () => {
  await using server = await startFtpServer();
  await server.addUser("alice", "alice-secret");
  await using raw = await loggedIn(server.ftpPort);
  assert.match(await raw.command("PORT 127,0,0,1,200,10"), /^502 Active mode is off/);
  assert.match(await raw.command("EPRT |1|127.0.0.1|51210|"), /^502 Active mode is off/);
  assert.doesNotMatch(await raw.command("FEAT"), /EPRT/);
});

Deno.test("active mode, when on, connects only to the client itself", async () => {
  await using server = await startFtpServer({ ini: "active_mode = true\n" });
  await server.addUser("alice", "alice-secret");
  await Deno.writeTextFile(join(server.home("alice"), "a.txt"), "hello");
  await using raw = await loggedIn(server.ftpPort);
  assert.match(await raw.command("PORT 127,0,0,2,200,10"), /^501 .*no FXP or bounce/);
  assert.match(await raw.command("PORT 10,1,2,3,0,80"), /^501 .*no FXP or bounce/);
  assert.match(
    await raw.command("PORT 127,0,0,1,0,25"),
    /^501 Refusing data connection to port 25/,
  );
  assert.match(await raw.command("EPRT |1|127.0.0.3|51210|"), /^501 /);
  assert.match(await raw.command("EPRT |1|127.0.0.1|"), /^501 EPRT needs/);

  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  assert.equal(
    await raw.command(`EPRT |1|127.0.0.1|${port}|`),
    "200 Active data connection target set",
  );
  assert.match(await raw.command("NLST"), /^150 /);
  const data = await listener.accept();
  listener.close();
  assert.equal(await readAll(data), "a.txt\r\n");
  assert.equal(await raw.readReply(), "226 Transfer complete");

  const viaCurl = await curl([
    "--ftp-port",
    "127.0.0.1",
    "--list-only",
    ftpUrl(server, "alice", "alice-secret"),
  ]);
  assert.equal(viaCurl.code, 0, viaCurl.stderr);
  assert.equal(viaCurl.stdout.trim(), "a.txt");
});

Deno.test("after EPSV ALL only EPSV sets up data connections", async () => {
  await using server = await startFtpServer({ ini: "active_mode = true\n" });
  await server.addUser("alice", "alice-secret");
  await using raw = await loggedIn(server.ftpPort);
  assert.equal(await raw.command("EPSV ALL"), "200 EPSV ALL accepted");
  assert.match(await raw.command("PASV"), /^503 /);
  assert.match(await raw.command("PORT 127,0,0,1,200,10"), /^503 /);
  assert.match(await raw.command("EPSV 2"), /^522 .*use \(1\)/);
  assert.match(await raw.command("EPSV"), /^229 Entering Extended Passive Mode \(\|\|\|\d+\|\)$/);
});

Deno.test("passive ports come from pasv_ports, and a busy range is a clear 425", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const free = probe.addr.port;
  probe.close();
  await using server = await startFtpServer({ ini: `pasv_ports = ${free}-${free}\n` });
  await server.addUser("alice", "alice-secret");
  await using first = await loggedIn(server.ftpPort);
  await using second = await loggedIn(server.ftpPort);
  assert.equal(pasvPort(await first.command("PASV")), free);
  assert.equal(await second.command("PASV"), "425 No free passive port; try again later");
  // A new PASV on the first session frees its old port before binding again.
  assert.equal(pasvPort(await first.command("PASV")), free);
  assert.equal(await first.command("ABOR"), "225 No transfer to abort");
  assert.equal(pasvPort(await second.command("PASV")), free);
});

Deno.test("PASV announces pasv_address and still accepts on the address the client reached", async () => {
  await using server = await startFtpServer({ ini: "pasv_address = 203.0.113.7\n" });
  await server.addUser("alice", "alice-secret");
  await Deno.writeTextFile(join(server.home("alice"), "a.txt"), "hello");
  await using raw = await loggedIn(server.ftpPort);
  const answer = await raw.command("PASV");
  assert.match(answer, /^227 Entering Passive Mode \(203,0,113,7,\d+,\d+\)$/);
  // Behind NAT the announced address is the router's; here the port is reached directly.
  const data = await Deno.connect({ hostname: "127.0.0.1", port: pasvPort(answer) });
  assert.match(await raw.command("NLST"), /^150 /);
  assert.equal(await readAll(data), "a.txt\r\n");
  assert.equal(await raw.readReply(), "226 Transfer complete");
  // EPSV carries no address, so pasv_address does not change it.
  assert.match(await raw.command("EPSV"), /^229 Entering Extended Passive Mode \(\|\|\|\d+\|\)$/);
});

Deno.test("an idle control connection is closed with 421", async () => {
  await using server = await startFtpServer({ ini: "idle_timeout = 1\n" });
  await server.addUser("alice", "alice-secret");
  await using raw = await loggedIn(server.ftpPort);
  assert.equal(await raw.readReply(), "421 Idle for 1s: closing connection");
  assert.ok(await raw.closedByServer());
});

Deno.test("commands closer together than idle_timeout keep a session open past it", async () => {
  await using server = await startFtpServer({ ini: "idle_timeout = 1\n" });
  await server.addUser("alice", "alice-secret");
  await using raw = await loggedIn(server.ftpPort);
  // One idle timer per session, re-armed when it fires: it must count from the latest command.
  const began = performance.now();
  while (performance.now() - began < 2500) {
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.match(await raw.command("NOOP"), /^200 /);
  }
  const quiet = performance.now();
  assert.equal(await raw.readReply(), "421 Idle for 1s: closing connection");
  assert.ok(performance.now() - quiet >= 900, "closed before a second without a command");
});

Deno.test("a client that stops reading a download is cut off after idle_timeout", async () => {
  await using server = await startFtpServer({ ini: "idle_timeout = 1\n" });
  await server.addUser("alice", "alice-secret");
  const huge = await Deno.open(join(server.home("alice"), "huge.bin"), {
    write: true,
    create: true,
  });
  await huge.truncate(4 * 1024 ** 3);
  huge.close();
  const result = await python(
    server,
    `
f = ftplib.FTP()
f.connect("127.0.0.1", PORT)
f.login("alice", "alice-secret")
conn = f.transfercmd("RETR huge.bin")
replies = []
try:
    while True:
        replies.append(f.getline())
except EOFError:
    pass
print(json.dumps(replies))
`,
  );
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), ["421 Idle for 1s: closing connection"]);
});

Deno.test("clients that reset their connection, refused or not, never take the server down", async () => {
  await using server = await startFtpServer({ ini: "max_sessions_per_address = 1\n" });
  await server.addUser("alice", "alice-secret");
  await using held = await loggedIn(server.ftpPort);
  // Each client sends a command and resets at once (SO_LINGER 0): most are refused at the
  // per-address limit while their reset arrives, some are gone before they are looked at.
  const storm = await python(
    server,
    `
import struct
for _ in range(100):
    try:
        s = socket.create_connection(("127.0.0.1", PORT))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.sendall(b"USER x\\r\\n")
        s.close()
    except OSError:
        pass
`,
  );
  assert.equal(storm.code, 0, storm.stderr);
  // Connections are served in order: once this one is refused, every reset above was seen.
  const { client: refused, greeting } = await RawFtpClient.connect(server.ftpPort);
  await using _ = refused;
  assert.match(greeting, /^421 Too many sessions from 127\.0\.0\.1/);
  assert.equal(await held.command("PWD"), '257 "/" is the current directory');
  await server.stop();
  assert.doesNotMatch(server.log, /Uncaught|thread failed|ftp session failed/);
});

Deno.test("a client that sends commands but never reads the replies is cut off after transfer_timeout", async () => {
  await using server = await startFtpServer({ ini: "transfer_timeout = 1\n" });
  // No login needed: HELP works before it, and each 6-byte command earns a long reply.
  const { client: raw } = await RawFtpClient.connect(server.ftpPort);
  await using _ = raw;
  const burst = new TextEncoder().encode("HELP\r\n".repeat(10_000));
  await sendUntilHungUp((data) => raw.sendRaw(data), burst);
  await server.stop();
  assert.match(server.log, /transfer stalled peer=\S+ direction=sending seconds=1 protocol=ftp/);
});

Deno.test("a data connection that stops moving is aborted with 426 after transfer_timeout", async () => {
  await using server = await startFtpServer({ ini: "transfer_timeout = 1\n" });
  await server.addUser("alice", "alice-secret");
  const huge = await Deno.open(join(server.home("alice"), "huge.bin"), {
    write: true,
    create: true,
  });
  await huge.truncate(4 * 1024 ** 3); // Sparse.
  huge.close();
  await using raw = await loggedIn(server.ftpPort);
  const data = await Deno.connect({
    hostname: "127.0.0.1",
    port: epsvPort(await raw.command("EPSV")),
  });
  try {
    assert.match(await raw.command("RETR huge.bin"), /^150 /);
    // Never read the data connection: the download stalls once the socket buffers are full.
    assert.equal(
      await failAfter(30_000, "the stalled transfer never ended", () => raw.readReply()),
      "426 No data moved for 1s: transfer aborted",
    );
    assert.equal(await raw.command("PWD"), '257 "/" is the current directory');
  } finally {
    data.close();
  }
  await server.stop();
  assert.match(
    server.log,
    /transfer stalled peer=\S+ user=alice direction=sending seconds=1 protocol=ftp/,
  );
});

Deno.test("running out of file descriptors does not switch FTP off for good", async () => {
  // One thread, so the one FTP listener that runs out is the one the last client reaches.
  await using server = await startFtpServer({ ini: "workers = 1\n" });
  await server.addUser("alice", "alice-secret");
  // Room for a few more connections only.
  await limitOpenFiles(server.pid, 8);
  const held: Deno.Conn[] = [];
  try {
    for (let i = 0; i < 24; i++) {
      held.push(await Deno.connect({ hostname: "127.0.0.1", port: server.ftpPort }));
    }
    await failAfter(30_000, "never ran out", () => server.waitForLog(/out of file descriptors/));
  } finally {
    held.forEach((conn) => conn.close());
  }
  await failAfter(
    30_000,
    "FTP never listened again",
    () => server.waitForLog(/ftp listener restarted/),
  );
  await using raw = await failAfter(
    30_000,
    "FTP never answered again",
    () => loggedIn(server.ftpPort),
  );
  assert.equal(await raw.command("PWD"), '257 "/" is the current directory');
});
