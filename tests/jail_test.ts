/** The jail over the wire: the real client against a home with hostile symlinks planted in it. */

import assert from "node:assert/strict";
import { join } from "node:path";
import type { FrameHeader } from "../protocol/frame.ts";
import { RawClient } from "./_raw.ts";
import { TestServer } from "./_spawn.ts";

const PASSWORD = "alice-secret";

/** A server where alice's home holds symlinks leading out (as a careless host admin might leave). */
async function plantedServer(): Promise<{ server: TestServer; outside: string }> {
  const server = await TestServer.start();
  await server.addUser("alice", PASSWORD);
  await server.addUser("alicia", "alicia-secret");
  const outside = await Deno.makeTempDir({ prefix: "ftpx-outside-" });
  await Deno.writeTextFile(join(outside, "secret.txt"), "secret");
  const home = server.home("alice");
  await Deno.mkdir(join(home, "docs"));
  await Deno.symlink(outside, join(home, "escape"));
  await Deno.symlink("/", join(home, "root"));
  await Deno.symlink("../alicia", join(home, "neighbour"));
  await Deno.symlink(join(outside, "not-yet"), join(home, "dangling"));
  await Deno.symlink("docs", join(home, "shortcut"));
  return { server, outside };
}

Deno.test("cd and ls with .. chains stay at the home", async () => {
  const { server, outside } = await plantedServer();
  await using _ = server;
  try {
    const result = await server.client("alice", PASSWORD, {
      command: "cd ../../..; pwd; cd /../../../..; pwd; cd docs/../../..; pwd; ls /../..",
    });
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.split("\n");
    assert.deepEqual(lines.slice(0, 3), ["/", "/", "/"]);
    const listed = lines.slice(3).filter(Boolean).map((line) => {
      const [type, size] = line.split(/\s+/);
      return `${type} ${size} ${line.slice(line.lastIndexOf(" ") + 1)}`;
    });
    assert.deepEqual(listed, [
      "l 0 dangling",
      "d 0 docs/",
      "l 0 escape",
      "l 0 neighbour",
      "l 0 root",
      "d 0 shortcut/",
    ]);
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("symlinks leading out of the home are refused over the wire, naming only virtual paths", async () => {
  const { server, outside } = await plantedServer();
  await using _ = server;
  try {
    // Every refusal, on one raw connection (fast), then two through the real client.
    const refusals: [FrameHeader, string][] = [
      [{ op: "cd", path: "escape" }, 'Cannot access "/escape": outside your home'],
      [{ op: "ls", path: "escape" }, 'Cannot access "/escape": outside your home'],
      [{ op: "stat", path: "/escape/secret.txt" }, 'Cannot access "/escape": outside your home'],
      [{ op: "stat", path: "escape/no-such" }, 'Cannot access "/escape": outside your home'],
      [{ op: "cd", path: "root/etc" }, 'Cannot access "/root": outside your home'],
      [{ op: "ls", path: "root/etc/passwd" }, 'Cannot access "/root": outside your home'],
      [{ op: "cd", path: "neighbour" }, 'Cannot access "/neighbour": outside your home'],
      [{ op: "mkdir", path: "escape/planted" }, 'Cannot access "/escape": outside your home'],
      [
        { op: "mkdir", path: "root/tmp/ftpx-planted/x", parents: true },
        'Cannot access "/root": outside your home',
      ],
      [{ op: "mkdir", path: "dangling" }, 'Cannot access "/dangling": broken symlink'],
      [
        { op: "mkdir", path: "dangling/x", parents: true },
        'Cannot access "/dangling": broken symlink',
      ],
      [{ op: "cd", path: "../alicia" }, 'Cannot enter "/alicia": not found'],
    ];
    using raw = await RawClient.login(server.port, "alice", PASSWORD);
    for (const [request, message] of refusals) {
      const response = await raw.request(request);
      assert.equal(response.message, message, JSON.stringify(request));
      assert.ok(response.status === 403 || response.status === 404, response.message);
    }
    const [cd, mkdir] = await Promise.all([
      server.client("alice", PASSWORD, { command: "cd escape" }),
      server.client("alice", PASSWORD, { command: "mkdir -p root/tmp/ftpx-planted/x" }),
    ]);
    assert.equal(cd.code, 1);
    assert.equal(cd.stderr, 'error: Cannot access "/escape": outside your home\n');
    assert.equal(mkdir.code, 1);
    assert.equal(mkdir.stderr, 'error: Cannot access "/root": outside your home\n');
    // Nothing was created outside, nor the dangling link's target.
    const outsideNames = [];
    for await (const entry of Deno.readDir(outside)) outsideNames.push(entry.name);
    assert.deepEqual(outsideNames, ["secret.txt"]);
    await assert.rejects(Deno.lstat("/tmp/ftpx-planted"), Deno.errors.NotFound);

    // A symlink that stays inside the home works.
    const inside = await server.client("alice", PASSWORD, { command: "cd shortcut; pwd; mkdir x" });
    assert.equal(inside.code, 0, inside.stderr);
    assert.equal(inside.stdout, "/shortcut\n");
    assert.ok((await Deno.stat(join(server.home("alice"), "docs", "x"))).isDirectory);
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("hostile path text is refused by the server with a clear message", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", PASSWORD);
  const cases: [string, string][] = [
    ['mkdir "a\\\\b"', 'Path contains a backslash: separate names with "/"'],
    ["mkdir .ftpx-upload", 'Names starting with ".ftpx-" are reserved'],
    [`mkdir ${"n".repeat(256)}`, "Name too long: at most 255 bytes"],
    [
      "cd ~; pwd; mkdir ~/made; cd ~/made; pwd; cd ~alice",
      'Cannot enter "/made/~alice": not found',
    ],
  ];
  const results = await Promise.all(
    cases.map(([command]) => server.client("alice", PASSWORD, { command })),
  );
  results.forEach((result, i) => {
    assert.equal(result.code, 1, cases[i]![0]);
    assert.equal(result.stderr, `error: ${cases[i]![1]}\n`);
  });
  assert.equal(results[3]!.stdout, "/\n/made\n");
});
