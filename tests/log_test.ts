/** The server's log: one line per session event, never a password, filtered by level. */

import assert from "node:assert/strict";
import { RawClient } from "./_raw.ts";
import { TestServer } from "./_spawn.ts";

const PASSWORD = "alice-secret";
const LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (debug|info |warn |error) [a-z]/;

/** Log lines of one event, as `key=value` records (values unquoted). */
function events(log: string, event: string): Record<string, string>[] {
  const prefix = new RegExp(`^\\S+ \\S+ +${event}(?= |$)`);
  return log.split("\n").filter((line) => prefix.test(line)).map((line) => {
    const fields: Record<string, string> = {};
    for (const [, key, raw] of line.matchAll(/ ([a-z]+)=("(?:[^"\\]|\\.)*"|\S+)/g)) {
      fields[key!] = raw!.startsWith('"') ? JSON.parse(raw!) : raw!;
    }
    return fields;
  });
}

Deno.test("each session event is one log line with timestamp, peer and user", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", PASSWORD);
  const ok = await server.client("alice", PASSWORD, { command: "mkdir a; cd missing" });
  assert.equal(ok.code, 1);
  const failed = await server.client("alice", "wrong-password", { command: "pwd" });
  assert.equal(failed.code, 1);
  await server.waitForLog(/^(?:[^]*?\bdisconnect\b){2}/);
  const log = server.log;

  for (const line of log.trimEnd().split("\n")) assert.match(line, LINE);
  const connects = events(log, "connect");
  assert.equal(connects.length, 2);
  const [first, second] = connects.map((fields) => fields.peer!);
  assert.match(first!, /^127\.0\.0\.1:\d+$/);
  assert.deepEqual(events(log, "login ok"), [{ peer: first!, user: "alice" }]);
  assert.deepEqual(events(log, "command error"), [
    { peer: first!, user: "alice", op: "cd", status: "404" },
  ]);
  assert.deepEqual(events(log, "login failed"), [{ peer: second!, user: "alice" }]);
  assert.deepEqual(
    events(log, "disconnect").sort((a, b) => a.peer!.localeCompare(b.peer!)),
    [
      { peer: first!, user: "alice" },
      { peer: second! },
    ].sort((a, b) => a.peer.localeCompare(b.peer)),
  );
  assert.ok(!log.includes(PASSWORD), "a password was logged");
  assert.ok(!log.includes("wrong-password"), "a password was logged");
});

Deno.test("a hostile user name cannot forge a log line, and no password is logged", async () => {
  await using server = await TestServer.start();
  const forged = "x\n2030-01-01T00:00:00.000Z info  login ok user=admin";
  using client = await RawClient.connect(server.port);
  await client.expectOk({ op: "hello", version: 1 });
  const password = "p4ss\nword-in-log?";
  const response = await client.request({ op: "login", user: forged, password });
  assert.equal(response.status, 401);
  const [failure] = events((await server.waitForLog(/login failed.*\n/)).input, "login failed");
  assert.equal(failure!.user, forged);
  assert.ok(!server.log.includes("p4ss"), "a password was logged");
  assert.deepEqual(events(server.log, "login ok"), []);
  for (const line of server.log.trimEnd().split("\n")) assert.match(line, LINE);
});

Deno.test("--log-level filters: warn drops session info, debug adds the hello", async () => {
  await using quiet = await TestServer.start({ args: ["--log-level", "warn"] });
  await quiet.addUser("alice", PASSWORD);
  assert.equal((await quiet.client("alice", PASSWORD, { command: "pwd" })).code, 0);
  assert.equal((await quiet.client("alice", "wrong-password", { command: "pwd" })).code, 1);
  // Each session logs "connect" before anything else, and "login ok" before answering:
  // once the failure is in the log, the filtered lines would be there too.
  await quiet.waitForLog(/ warn {2}login failed /);
  assert.deepEqual(events(quiet.log, "connect"), []);
  assert.deepEqual(events(quiet.log, "login ok"), []);

  await using verbose = await TestServer.start({ args: ["--log-level", "debug"] });
  using client = await RawClient.connect(verbose.port);
  await client.expectOk({ op: "hello", version: 1, client: "log-test/1" });
  const [hello] = events((await verbose.waitForLog(/ debug hello .*\n/)).input, "hello");
  assert.equal(hello!.client, "log-test/1");
  assert.equal(events(verbose.log, "connect").length, 1);
});

Deno.test("log_level from the INI file applies, and the flag overrides it", async () => {
  await using fromIni = await TestServer.start({ ini: "log_level = warn\n" });
  await fromIni.addUser("alice", PASSWORD);
  assert.equal((await fromIni.client("alice", "wrong-password", { command: "pwd" })).code, 1);
  await fromIni.waitForLog(/ login failed /);
  assert.deepEqual(events(fromIni.log, "connect"), []);

  await using flagWins = await TestServer.start({
    ini: "log_level = error\n",
    args: ["--log-level", "info"],
  });
  using client = await RawClient.connect(flagWins.port);
  await client.expectOk({ op: "hello", version: 1 });
  await flagWins.waitForLog(/ info {2}connect peer=/);
});
