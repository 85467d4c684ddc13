/**
 * The PROXY protocol end to end, through a real HAProxy: native sessions
 * (send-proxy-v2) and FTP control and passive data connections (send-proxy,
 * v1) reach a server with `proxy_protocol = true` and `proxy_from =
 * 127.0.0.1` (HAProxy's address towards it). Clients connect from
 * 127.0.0.2 or 127.0.0.3: the server's log, `who`, and the login bans know
 * them by those addresses, not by the balancer's. Peers outside proxy_from,
 * and trusted peers without a header, are closed and logged.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { encodeFrame } from "../protocol/frame.ts";
import { PROTOCOL_VERSION } from "../protocol/limits.ts";
import { bytes, sha256 } from "./_data.ts";
import { freePort, freePortRange, startHaproxy } from "./_haproxy.ts";
import { runProgram, tempDir, TestServer } from "./_spawn.ts";
import { WireClient } from "./_wire.ts";

const PASSWORD = "alice-proxy-1";

Deno.test("PROXY protocol through HAProxy: the real client address in logs, who, bans and FTP", async () => {
  await using work = await tempDir("ftpx-proxy-");
  const pasv = freePortRange(6, ["127.0.0.1", "127.0.0.3"]);
  await using server = await TestServer.start({
    args: ["--ftp-port", "0"],
    ini: [
      "proxy_protocol = true",
      "proxy_from = 127.0.0.1",
      `pasv_ports = ${pasv}-${pasv + 5}`,
      "login_ban_failures = 2",
      "header_timeout = 2",
      "workers = 1",
      "",
    ].join("\n"),
  });
  await server.addUser("alice", PASSWORD);
  const content = bytes(3 * 1024 * 1024, 5);
  await Deno.mkdir(server.home("alice"), { recursive: true });
  await Deno.writeFile(join(server.home("alice"), "data.bin"), content);

  const nativePort = freePort();
  const ftpPort = freePort("127.0.0.3");
  await using haproxy = await startHaproxy(`
listen native
  bind 127.0.0.1:${nativePort}
  server node 127.0.0.1:${server.port} send-proxy-v2

listen ftp
  bind 127.0.0.3:${ftpPort}
  server node 127.0.0.1:${server.ftpPort} send-proxy

# The node's passive range, forwarded port for port (no port: the one the client used).
listen ftp_passive
  bind 127.0.0.3:${pasv}-${pasv + 5}
  server node 127.0.0.1 send-proxy
`);

  // A native session from 127.0.0.2 through the balancer is 127.0.0.2's.
  const alice = await WireClient.connect(nativePort, { from: "127.0.0.2" });
  await alice.logIn("alice", PASSWORD);
  const admin = await WireClient.connect(nativePort, { from: "127.0.0.3" });
  await admin.logIn("admin", server.adminPassword);
  const who = await admin.request("who");
  const sessions = (who.sessions as { user: string; address: string }[])
    .map(({ user, address }) => ({ user, address }));
  assert.deepEqual(sessions, [
    { user: "alice", address: "127.0.0.2" },
    { user: "admin", address: "127.0.0.3" },
  ]);
  await server.waitForLog(/info {2}connect peer=127\.0\.0\.2:\d+ via=127\.0\.0\.1\n/);
  await server.waitForLog(/login ok peer=127\.0\.0\.2:\d+ user=alice/);
  alice.close();

  // Bans count the real client: 127.0.0.2 is banned after two failures, 127.0.0.3 is not.
  for (let attempt = 0; attempt < 2; attempt++) {
    const guess = await WireClient.connect(nativePort, { from: "127.0.0.2" });
    await guess.request("hello", { version: PROTOCOL_VERSION });
    const failed = await guess.request("login", { user: "alice", password: "wrong" });
    assert.equal(failed.status, 401, JSON.stringify(failed));
    guess.close();
  }
  const banned = await WireClient.connect(nativePort, { from: "127.0.0.2" });
  await banned.request("hello", { version: PROTOCOL_VERSION });
  const refused = await banned.request("login", { user: "alice", password: PASSWORD });
  assert.equal(refused.status, 429, JSON.stringify(refused));
  assert.match(String(refused.message), /127\.0\.0\.2/);
  banned.close();
  const other = await WireClient.connect(nativePort, { from: "127.0.0.3" });
  await other.logIn("alice", PASSWORD);
  other.close();

  // FTP through the balancer, passive data included (EPSV, then PASV announcing the balancer).
  for (const mode of [[], ["--disable-epsv"]]) {
    const out = join(work.path, `down${mode.length}.bin`);
    const curl = await runProgram("curl", [
      "--silent",
      "--show-error",
      "--interface",
      "127.0.0.2",
      ...mode,
      "-o",
      out,
      `ftp://alice:${PASSWORD}@127.0.0.3:${ftpPort}/data.bin`,
    ]);
    // 127.0.0.2 is banned for the native protocol and FTP alike: the same guard.
    assert.notEqual(curl.code, 0, "a banned client address");
    const ok = await runProgram("curl", [
      "--silent",
      "--show-error",
      "--interface",
      "127.0.0.3",
      ...mode,
      ...(mode.length > 0 ? ["--verbose"] : []),
      "-o",
      out,
      `ftp://alice:${PASSWORD}@127.0.0.3:${ftpPort}/data.bin`,
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(sha256(await Deno.readFile(out)), sha256(content));
    if (mode.length > 0) {
      // PASV names the balancer's address, the one the PROXY header said the client reached.
      assert.match(ok.stderr, /227 Entering Passive Mode \(127,0,0,3,\d+,\d+\)/);
    }
  }
  await server.waitForLog(/login refused peer=127\.0\.0\.2:\d+ reason=banned protocol=ftp/);
  await server.waitForLog(/connect peer=127\.0\.0\.3:\d+ via=127\.0\.0\.1 protocol=ftp/);
  assert.doesNotMatch(server.log, /foreign address refused/);

  // Straight to the server: a peer outside proxy_from is closed before anything is read...
  const direct = await WireClient.connect(server.port, { from: "127.0.0.2" });
  await direct.send(encodeFrame({ op: "hello", id: 1, version: PROTOCOL_VERSION }));
  assert.deepEqual(await direct.untilClosed(), []);
  await server.waitForLog(
    /warn {2}proxy header refused peer=127\.0\.0\.2:\d+ reason="connection from 127\.0\.0\.2, not a proxy_from address/,
  );
  // ...and a trusted peer must open with a header.
  const bare = await WireClient.connect(server.port);
  await bare.send(encodeFrame({ op: "hello", id: 1, version: PROTOCOL_VERSION }));
  assert.deepEqual(await bare.untilClosed(), []);
  await server.waitForLog(/proxy header refused peer=127\.0\.0\.1:\d+ reason="no PROXY header/);
  const garbage = await WireClient.connect(server.port);
  await garbage.send(new TextEncoder().encode(`PROXY TCP4 1.2.3.4 ${"9".repeat(200)}\r\n`));
  assert.deepEqual(await garbage.untilClosed(), []);
  await server.waitForLog(
    /proxy header refused peer=127\.0\.0\.1:\d+ reason="PROXY v1 header longer/,
  );
  const ftpDirect = await runProgram("curl", [
    "--silent",
    "--show-error",
    "--max-time",
    "20",
    `ftp://alice:${PASSWORD}@127.0.0.1:${server.ftpPort}/data.bin`,
    "-o",
    "/dev/null",
  ]);
  assert.notEqual(ftpDirect.code, 0);
  await server.waitForLog(
    /proxy header refused peer=127\.0\.0\.1:\d+ reason="no PROXY header within 2s" protocol=ftp/,
  );
  admin.close();
  assert.doesNotMatch(haproxy.log, /ALERT/);
});
