/** FTP data connections: PROT P required with TLS, passive ports bound to their session and capped. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { failAfter } from "./_wire.ts";
import {
  epsvPort,
  python,
  RawFtpClient,
  readAll,
  startFtpServer,
  TEST_CERT,
  TLS_INI,
} from "./_ftp.ts";

async function loggedIn(port: number, user = "alice"): Promise<RawFtpClient> {
  const { client } = await RawFtpClient.connect(port);
  assert.equal(await client.command(`USER ${user}`), "331 Password required");
  assert.equal(await client.command(`PASS ${user}-secret`), `230 Logged in as ${user}`);
  return client;
}

/** An ftplib FTP_TLS session that tries data commands before and after PROT P. */
const PROT_SCRIPT = `
f = ftplib.FTP_TLS(context=ssl.create_default_context(cafile=ARGS["ca"]))
f.connect("127.0.0.1", PORT)
f.auth()
f.login("alice", "alice-secret")
out = {}
def attempt(key, action):
    try:
        out[key] = action()
    except ftplib.Error as error:
        out[key] = str(error)
attempt("nlst_clear", lambda: f.nlst())
attempt("retr_clear", lambda: f.retrbinary("RETR a.txt", lambda data: None))
attempt("stor_clear", lambda: f.storbinary("STOR b.txt", io.BytesIO(b"leak")))
attempt("prot_c", lambda: f.sendcmd("PROT C"))
f.prot_p()
attempt("nlst_private", lambda: sorted(f.nlst()))
f.quit()
print(json.dumps(out))
`;

Deno.test("with require_tls, data commands without PROT P get 521 and PROT C gets 534", async () => {
  await using server = await startFtpServer({ ini: TLS_INI });
  await server.addUser("alice", "alice-secret");
  await Deno.writeTextFile(join(server.home("alice"), "a.txt"), "hello");
  const result = await python(server, PROT_SCRIPT, { ca: TEST_CERT });
  assert.equal(result.code, 0, result.stderr);
  const refusal =
    "521 Data connections must be encrypted on this server: send PBSZ 0 and PROT P first";
  assert.deepEqual(JSON.parse(result.stdout), {
    nlst_clear: refusal,
    retr_clear: refusal,
    stor_clear: refusal,
    prot_c: "534 Data connections must be encrypted here: use PROT P",
    nlst_private: ["a.txt"],
  });
  // Nothing was stored from the refused clear-text STOR.
  assert.deepEqual(
    (await Array.fromAsync(Deno.readDir(server.home("alice")))).map((entry) => entry.name),
    ["a.txt"],
  );
});

Deno.test("require_prot_p = auto follows require_tls = false: clear data connections still work", async () => {
  await using server = await startFtpServer({ ini: TLS_INI + "require_tls = false\n" });
  await server.addUser("alice", "alice-secret");
  await Deno.writeTextFile(join(server.home("alice"), "a.txt"), "hello");
  const result = await python(server, PROT_SCRIPT, { ca: TEST_CERT });
  assert.equal(result.code, 0, result.stderr);
  const out = JSON.parse(result.stdout);
  assert.deepEqual(out.nlst_clear, ["a.txt"]);
  assert.equal(out.prot_c, "200 Data connections will be in clear text");
});

Deno.test("a second data connection from the client's own address is refused, logged, and the transfer refused", async () => {
  await using server = await startFtpServer();
  await server.addUser("alice", "alice-secret");
  await Deno.writeTextFile(join(server.home("alice"), "a.txt"), "secret contents");
  await using victim = await loggedIn(server.ftpPort);
  const port = epsvPort(await victim.command("EPSV"));
  // Someone else on the same host connects first, then the victim's own client does.
  const thief = await Deno.connect({ hostname: "127.0.0.1", port });
  const own = await Deno.connect({ hostname: "127.0.0.1", port });
  await failAfter(
    30_000,
    "no log of the second connection",
    () => server.waitForLog(/second data connection refused .*from=127\.0\.0\.1/),
  );
  await victim.sendRaw("RETR a.txt\r\n");
  assert.match(await victim.readReply(), /^150 /);
  assert.equal(
    await victim.readReply(),
    "425 Two data connections came from your address (another program may be trying to take " +
      "your data): none is used; send PASV again",
  );
  assert.equal(await readAll(thief), "");
  assert.equal(await readAll(own), "");
  // The session goes on: a fresh passive port works.
  const again = epsvPort(await victim.command("EPSV"));
  const data = await Deno.connect({ hostname: "127.0.0.1", port: again });
  await victim.sendRaw("RETR a.txt\r\n");
  assert.match(await victim.readReply(), /^150 /);
  assert.equal(await readAll(data), "secret contents");
  assert.match(await victim.readReply(), /^226 /);
});

/** A few consecutive free ports for a small pasv_ports range. */
function freeRange(count: number): { first: number; last: number } {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = 20000 + Math.floor(Math.random() * 30000);
    const probes: Deno.Listener[] = [];
    try {
      for (let port = first; port < first + count; port++) {
        probes.push(Deno.listen({ hostname: "127.0.0.1", port }));
      }
      return { first, last: first + count - 1 };
    } catch {
      // One is taken: try elsewhere.
    } finally {
      probes.forEach((probe) => probe.close());
    }
  }
  throw new Error("No free port range found");
}

Deno.test("passive ports are capped per user and per address, so one user cannot take the range", async () => {
  const { first, last } = freeRange(4);
  await using server = await startFtpServer({
    ini: `pasv_ports = ${first}-${last}\npasv_ports_per_user = 2\npasv_ports_per_address = 3\n`,
  });
  await server.addUser("alice", "alice-secret");
  await server.addUser("bob", "bob-secret");
  await using a1 = await loggedIn(server.ftpPort);
  await using a2 = await loggedIn(server.ftpPort);
  await using a3 = await loggedIn(server.ftpPort);
  await using b1 = await loggedIn(server.ftpPort, "bob");
  await using b2 = await loggedIn(server.ftpPort, "bob");
  assert.match(await a1.command("EPSV"), /^229 /);
  assert.match(await a2.command("PASV"), /^227 /);
  assert.equal(
    await a3.command("EPSV"),
    "425 Too many passive ports open for alice: 2, the limit; finish or abort a transfer first",
  );
  // Another user still gets a port, up to the cap of the address they share.
  assert.match(await b1.command("EPSV"), /^229 /);
  assert.equal(
    await b2.command("EPSV"),
    "425 Too many passive ports open from 127.0.0.1: 3, the limit; finish or abort a transfer first",
  );
  // A port given back (a new PASV replaces the old one; a session ends) counts no more.
  assert.match(await a1.command("EPSV"), /^229 /);
  a2.close();
  await server.waitForLog(/disconnect .*user=alice/);
  assert.match(await a3.command("EPSV"), /^229 /);
  await server.stop();
  assert.match(server.log, /passive port refused .*user=alice reason=user held=2/);
});

Deno.test("a passive port not used within pasv_accept_timeout is freed for others", async () => {
  const { first } = freeRange(1);
  await using server = await startFtpServer({
    ini: `pasv_ports = ${first}-${first}\npasv_accept_timeout = 1\n`,
  });
  await server.addUser("alice", "alice-secret");
  await server.addUser("bob", "bob-secret");
  await using alice = await loggedIn(server.ftpPort);
  await using bob = await loggedIn(server.ftpPort, "bob");
  assert.equal(epsvPort(await alice.command("EPSV")), first);
  assert.equal(await bob.command("EPSV"), "425 No free passive port; try again later");
  await failAfter(
    30_000,
    "the passive port never expired",
    () => server.waitForLog(/passive port expired .*user=alice seconds=1/),
  );
  assert.equal(epsvPort(await bob.command("EPSV")), first);
  await alice.sendRaw("NLST\r\n");
  assert.match(await alice.readReply(), /^150 /);
  assert.equal(
    await alice.readReply(),
    "425 No data connection came within 1s; send PASV again",
  );
});
