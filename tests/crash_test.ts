/**
 * Crash safety: the server is killed with SIGKILL in the middle of uploads,
 * a download and a burst of administration requests, then restarted on the
 * same data dir. No file under a final name is partial, interrupted
 * transfers resume and verify, and the database opens, passes SQLite's own
 * checks and agrees with the disk.
 *
 * "In the middle" never depends on timing: uploads are known to be under way
 * because TCP flow control only lets a large write complete once the server
 * has consumed most of it; the download is held by a throttling proxy.
 */

import assert from "node:assert/strict";
import { bytes, sha256 } from "./_data.ts";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { encodeFrame } from "../protocol/frame.ts";
import {
  fileSize,
  runFtpx,
  spawnFtpx,
  tempDir,
  TestServer,
  ThrottleProxy,
  waitFor,
} from "./_spawn.ts";
import { WireClient } from "./_wire.ts";

const MIB = 1024 * 1024;
const PASSWORD = "alice-crash-1";

/** SQLite's own verdict on the database, plus the rows a restart must clean up. */
function checkDatabase(dataDir: string): { reservations: number } {
  const db = new DatabaseSync(join(dataDir, "ftpx.db"));
  try {
    const integrity = db.prepare("PRAGMA integrity_check").all() as { integrity_check: string }[];
    assert.deepEqual(integrity.map((row) => row.integrity_check), ["ok"]);
    assert.deepEqual(db.prepare("PRAGMA foreign_key_check").all(), []);
    const row = db.prepare("SELECT count(*) AS n FROM upload_reservations").get() as { n: number };
    return { reservations: row.n };
  } finally {
    db.close();
  }
}

Deno.test("SIGKILL during uploads: no partial file under its name; the uploads resume", async () => {
  await using data = await tempDir("ftpx-data-");
  await using local = await tempDir("ftpx-local-");
  const size = 40 * MIB;
  const sent = 28 * MIB; // More than loopback socket buffers can hold between the two ends.
  const contents = [bytes(size, 1), bytes(size, 2)];
  const names = ["one.bin", "two.bin"];
  for (const [i, name] of names.entries()) {
    await Deno.writeFile(join(local.path, name), contents[i]!);
  }

  const first = await TestServer.start({ dataDir: data.path, args: ["--log-level", "warn"] });
  await first.addUser("alice", PASSWORD);
  const uploads = await Promise.all(names.map(async (name, i) => {
    const client = await WireClient.connect(first.port);
    await client.logIn("alice", PASSWORD);
    const info = await Deno.stat(join(local.path, name));
    // The same source tag the ftpx client computes, so its later put resumes this partial.
    const source = `${size}:${info.mtime?.getTime() ?? 0}`;
    await client.send(encodeFrame({ op: "put", path: `/${name}`, size, source, body: size }));
    await client.send(contents[i]!.subarray(0, sent));
    return client;
  }));
  await first.stop(true);
  uploads.forEach((client) => client.close());

  for (const name of names) {
    assert.equal(await fileSize(join(first.home("alice"), name)), -1, `${name} under its name`);
  }
  checkDatabase(data.path);

  await using second = await TestServer.start({
    dataDir: data.path,
    args: ["--log-level", "warn"],
  });
  assert.equal(checkDatabase(data.path).reservations, 0, "reservations of dead uploads remain");
  const again = await second.client("alice", PASSWORD, {
    command: names.map((name) => `put ${name}`).join("; "),
    cwd: local.path,
  });
  assert.equal(again.code, 0, again.stderr);
  for (const [i, name] of names.entries()) {
    assert.match(again.stderr, new RegExp(`put ${name}: 40M in \\S+ \\(\\S+\\), resumed at [1-9]`));
    const stored = await Deno.readFile(join(second.home("alice"), name));
    assert.equal(sha256(stored), sha256(contents[i]!), `${name} content`);
  }
  const du = await runFtpx(["du", "--check", "--data", data.path]);
  assert.equal(du.code, 0, du.stdout + du.stderr);
  assert.match(du.stdout, /No drift/);
  checkDatabase(data.path);
});

Deno.test("SIGKILL during a download: the file is intact and the client resumes", async () => {
  await using data = await tempDir("ftpx-data-");
  await using local = await tempDir("ftpx-local-");
  await using config = await tempDir("ftpx-config-");
  const content = bytes(12 * MIB, 7);
  const first = await TestServer.start({ dataDir: data.path, args: ["--log-level", "warn"] });
  await first.addUser("alice", PASSWORD);
  await Deno.mkdir(first.home("alice"), { recursive: true });
  await Deno.writeFile(join(first.home("alice"), "big.bin"), content);
  const partial = join(local.path, "big.bin.ftpx-part");
  let child: Deno.ChildProcess;
  let proxyPort: number;
  {
    // The proxy lets 5 MiB through, then holds the rest of the download.
    await using proxy = ThrottleProxy.start(first.port, { down: 5 * MIB });
    proxyPort = proxy.port;
    child = spawnFtpx(
      ["connect", "-P", String(proxy.port), "-u", "alice", "-c", "get big.bin"],
      { cwd: local.path, env: { FTPX_PASSWORD: PASSWORD, FTPX_HOME: config.path } },
    );
    await waitFor(async () => await fileSize(partial) >= 2 * MIB, "the download to get going");
    await first.stop(true);
  } // Closing the proxy passes the server's death on to the client.
  const result = await child.output();
  assert.equal(result.code, 1);
  assert.match(
    new TextDecoder().decode(result.stderr),
    /^error: Connection lost during the download: what arrived is kept in ".*big\.bin\.ftpx-part", run get again to resume\n$/,
    "one clear line saying what to do",
  );
  assert.equal(await fileSize(join(local.path, "big.bin")), -1, "no local file under its name");
  checkDatabase(data.path);

  await using second = await TestServer.start({
    dataDir: data.path,
    args: ["--log-level", "warn"],
  });
  assert.equal(
    sha256(await Deno.readFile(join(second.home("alice"), "big.bin"))),
    sha256(content),
    "the served file changed",
  );
  // The client remembers the download by server address: it reaches the restarted server at
  // the address it used before, as it would a server restarted on its usual port.
  await using sameAddress = ThrottleProxy.start(second.port, {}, proxyPort);
  const again = await runFtpx(
    ["connect", "-P", String(sameAddress.port), "-u", "alice", "-c", "get big.bin"],
    { cwd: local.path, env: { FTPX_PASSWORD: PASSWORD, FTPX_HOME: config.path } },
  );
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /resumed at [1-9]/);
  assert.equal(sha256(await Deno.readFile(join(local.path, "big.bin"))), sha256(content));
});

Deno.test("SIGKILL during administration: every account is whole or absent", async () => {
  await using data = await tempDir("ftpx-data-");
  const first = await TestServer.start({ dataDir: data.path, args: ["--log-level", "warn"] });
  const doomed = ["old0", "old1", "old2", "old3"];
  for (const name of doomed) await first.addUser(name, `${name}-password`);
  using admin = await WireClient.connect(first.port);
  await admin.logIn("admin", first.adminPassword);
  const fresh = Array.from({ length: 12 }, (_, i) => `new${i}`);
  const requests = [
    ...fresh.map((user) => ({ op: "adduser", user, password: `${user}-password`, quota: 1000 })),
    ...doomed.map((user) => ({ op: "deluser", user })),
    ...doomed.map((user) => ({ op: "setquota", user, quota: 4096 })),
  ];
  // All at once; once the first answer is back the server is working through the rest.
  for (const [id, request] of requests.entries()) await admin.send(encodeFrame({ id, ...request }));
  assert.equal((await admin.response()).status, 201);
  await first.stop(true);
  admin.close();

  checkDatabase(data.path);
  await using second = await TestServer.start({
    dataDir: data.path,
    args: ["--log-level", "warn"],
  });
  const listed = await runFtpx(["users", "--json", "--data", data.path]);
  assert.equal(listed.code, 0, listed.stderr);
  const accounts = JSON.parse(listed.stdout) as { name: string; quota: number }[];
  const names = new Set(accounts.map((account) => account.name));
  assert.ok(names.has("new0"), "the acknowledged account survived");
  for (const name of [...fresh, ...doomed]) {
    if (!names.has(name)) continue;
    using client = await WireClient.connect(second.port);
    await client.logIn(name, `${name}-password`); // Whole: its password works, its home opens.
    assert.equal((await client.request("ls", { path: "/" })).status, 200, name);
  }
  for (const account of accounts.filter((account) => doomed.includes(account.name))) {
    assert.ok([0, 4096].includes(account.quota), `${account.name} quota ${account.quota}`);
  }
});
