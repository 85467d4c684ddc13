/**
 * Transfer edge cases a demanding user hits: reget beside an existing file,
 * trees with empty directories and empty files, one-line errors for single
 * names in mget/mput, and a failed replacement that keeps the old file.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { Connection } from "../client/connection.ts";
import { ResumeStore } from "../client/resume_store.ts";
import { writeAll, writeFrame } from "../protocol/frame_writer.ts";
import { bytes, fileSha256, sha256 } from "./_data.ts";
import { fileSize, tempDir, TestServer } from "./_spawn.ts";
import { runInTerminal } from "./_terminal.ts";

const MIB = 1024 * 1024;
const PASSWORD = "alice-secret";

async function setup() {
  const server = await TestServer.start({ args: ["--log-level", "warn"] });
  await server.addUser("alice", PASSWORD);
  await Deno.mkdir(server.home("alice"), { recursive: true });
  return server;
}

/** The identity the server reports for a file (an empty range: no body to read). */
async function remoteIdentity(server: TestServer, path: string) {
  const connection = await Connection.open({ host: "127.0.0.1", port: server.port });
  try {
    await connection.call("login", { user: "alice", password: PASSWORD });
    const { entry } = await connection.call("stat", { path });
    const size = (entry as { size: number }).size;
    const reply = await connection.call("get", { path, offset: size });
    return { size, mtime: Number(reply.mtime), tag: String(reply.tag) };
  } finally {
    connection.close();
  }
}

Deno.test("reget never overwrites an existing local file silently: batch mode needs -f", async () => {
  await using server = await setup();
  await using local = await tempDir("ftpx-local-");
  await using config = await tempDir("ftpx-config-");
  const content = bytes(2 * MIB, 4);
  await Deno.writeFile(join(server.home("alice"), "a.bin"), content);
  const identity = await remoteIdentity(server, "/a.bin");
  const target = join(local.path, "a.bin");
  await new ResumeStore(join(config.path, "resume.ini")).save({
    server: `127.0.0.1:${server.port}`,
    user: "alice",
    remote: "/a.bin",
    local: target,
    ...identity,
    started: 1,
  });
  await Deno.writeFile(target + ".ftpx-part", content.subarray(0, MIB));
  await Deno.writeTextFile(target, "precious");
  const env = { FTPX_HOME: config.path };

  const refused = await server.client("alice", PASSWORD, {
    command: "reget a.bin",
    cwd: local.path,
    env,
  });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^error: Local file ".*a\.bin" exists: use -f to overwrite$/m);
  assert.equal(await Deno.readTextFile(target), "precious");
  assert.equal(await fileSize(target + ".ftpx-part"), MIB, "the partial is kept");

  const forced = await server.client("alice", PASSWORD, {
    command: "reget -f a.bin",
    cwd: local.path,
    env,
  });
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /get a\.bin: 2M in \S+ \(\S+\), resumed at 1M/);
  assert.equal(await fileSha256(target), sha256(content));
});

Deno.test("get -r and put -r keep empty directories and empty files, at any depth", async () => {
  await using server = await setup();
  await using local = await tempDir("ftpx-local-");
  const src = join(local.path, "src");
  await Deno.mkdir(join(src, "a/b/c"), { recursive: true });
  await Deno.mkdir(join(src, "empty/deeper"), { recursive: true });
  await Deno.writeFile(join(src, "zero"), new Uint8Array());
  await Deno.writeFile(join(src, "a/b/c/zero"), new Uint8Array());
  await Deno.writeTextFile(join(src, "a/b/note.txt"), "note");
  const up = await server.client("alice", PASSWORD, { command: "put -r src", cwd: local.path });
  assert.equal(up.code, 0, up.stderr);
  const home = server.home("alice");
  assert.ok((await Deno.stat(join(home, "src/empty/deeper"))).isDirectory);
  assert.equal(await fileSize(join(home, "src/zero")), 0);
  assert.equal(await fileSize(join(home, "src/a/b/c/zero")), 0);
  assert.equal(await Deno.readTextFile(join(home, "src/a/b/note.txt")), "note");

  const down = await server.client("alice", PASSWORD, {
    command: "get -r src copy",
    cwd: local.path,
  });
  assert.equal(down.code, 0, down.stderr);
  const copy = join(local.path, "copy");
  assert.ok((await Deno.stat(join(copy, "empty/deeper"))).isDirectory);
  assert.equal(await fileSize(join(copy, "zero")), 0);
  assert.equal(await fileSize(join(copy, "a/b/c/zero")), 0);
  assert.equal(await Deno.readTextFile(join(copy, "a/b/note.txt")), "note");
  const leftovers = [];
  for await (const entry of Deno.readDir(join(copy, "a/b/c"))) leftovers.push(entry.name);
  assert.deepEqual(leftovers, ["zero"], "no partial files left beside the copies");
});

Deno.test("errors of reget, mget, mput and put on one name are one clear line, with the real reason", async () => {
  await using server = await setup();
  await using local = await tempDir("ftpx-local-");
  await using links = await tempDir("ftpx-links-");
  const loop = join(links.path, "loop");
  await Deno.symlink(loop, loop);
  await Deno.mkdir(join(server.home("alice"), "dir"));
  await Deno.writeFile(join(server.home("alice"), "a.bin"), bytes(1000));
  const cases: [string, RegExp][] = [
    [`put ${loop}`, /^error: Cannot read ".*loop": too many levels of symbolic links$/m],
    [`mput ${loop}`, /^error: Cannot read ".*loop": too many levels of symbolic links$/m],
    ["reget dir", /^error: Cannot get "\/dir": is a directory$/m],
    ["mget nope.bin", /^error: Cannot get "nope\.bin": not found$/m],
    ["mget dir", /^error: Cannot get "\/dir": is a directory \(use get -r\)$/m],
    ["mput nope.bin", /^error: Cannot read "nope\.bin": not found$/m],
    [
      "get a.bin no/such/a.bin",
      /^error: Cannot write ".*no\/such\/a\.bin": no local directory ".*no\/such"$/m,
    ],
    ["mkdir -p q/r; mv q q/r", /^error: Cannot move "\/q" into itself$/m],
  ];
  for (const [command, expected] of cases) {
    const result = await server.client("alice", PASSWORD, { command, cwd: local.path });
    assert.equal(result.code, 1, command);
    assert.match(result.stderr, expected, command);
    assert.equal(result.stderr.trim().split("\n").length, 1, `one line for "${command}"`);
  }
  assert.deepEqual(await Array.fromAsync(Deno.readDir(local.path)), [], "nothing left locally");
});

Deno.test("a replacement that fails verification leaves the old file whole", async () => {
  await using server = await setup();
  const connection = await Connection.open({ host: "127.0.0.1", port: server.port });
  /** Sends a put with its body; returns the reply. */
  const put = async (id: number, content: Uint8Array, fields: Record<string, unknown> = {}) => {
    const size = content.length;
    await writeFrame(connection.sink, {
      op: "put",
      id,
      path: "doc.bin",
      size,
      body: size,
      ...fields,
    });
    await writeAll(connection.sink, content);
    return await connection.readResponse(id);
  };
  try {
    await connection.call("login", { user: "alice", password: PASSWORD });
    const old = bytes(50_000, 8);
    assert.equal((await put(1, old, { sha256: sha256(old) })).status, 201);
    assert.equal((await put(2, bytes(70_000, 9))).status, 200);
    const bad = await connection.request("put_commit", { path: "doc.bin", sha256: "0".repeat(64) });
    assert.equal(bad.status, 412);
    assert.deepEqual(await Deno.readFile(join(server.home("alice"), "doc.bin")), old);
    const df = await connection.call("df");
    assert.equal(df.used, old.length, "the refused upload's bytes are not counted");
  } finally {
    connection.close();
  }
});

Deno.test("with NO_COLOR on a terminal, or without a terminal, each file gets one summary line and no bar", async () => {
  await using server = await setup();
  await using local = await tempDir("ftpx-local-");
  await using config = await tempDir("ftpx-config-");
  await Deno.writeFile(join(server.home("alice"), "a.bin"), bytes(2 * MIB));
  await Deno.writeFile(join(server.home("alice"), "b.bin"), bytes(3 * MIB));
  const onTerminal = await runInTerminal(["connect", "-P", String(server.port), "-u", "alice"], {
    env: { FTPX_PASSWORD: PASSWORD, FTPX_HOME: config.path, NO_COLOR: "1" },
    steps: [
      { expect: "ftpx alice:/> ", send: `lcd ${local.path}\r` },
      { expect: "ftpx alice:/> ", send: "mget *.bin\r" },
      { expect: /get b\.bin: 3M in \S+ \(\S+\)\r\n/ },
      { expect: "ftpx alice:/> ", send: "exit\r" },
    ],
  });
  assert.equal(onTerminal.code, 0, onTerminal.output);
  assert.match(onTerminal.output, /\nget a\.bin: 2M in \S+ \(\S+\)\r\nget b\.bin: 3M in/);
  assert.ok(!onTerminal.output.includes("\x1b"), "no terminal control sequences");
  assert.doesNotMatch(onTerminal.output, /%/, "no bar drawn");

  const piped = await server.client("alice", PASSWORD, {
    command: "mget -f *.bin; put a.bin c.bin",
    cwd: local.path,
    env: { FTPX_HOME: config.path, NO_COLOR: "" },
  });
  assert.equal(piped.code, 0, piped.stderr);
  assert.match(
    piped.stderr,
    /^get a\.bin: 2M in \S+ \(\S+\)\nget b\.bin: 3M in \S+ \(\S+\)\nmget: 2 files, 5M in \S+s\nput a\.bin: 2M in \S+ \(\S+\)\n$/,
  );
});

Deno.test("at start the server deletes partial uploads idle for partial_max_age, freeing their space", async () => {
  await using data = await tempDir("ftpx-data-");
  const first = await TestServer.start({ dataDir: data.path, args: ["--log-level", "warn"] });
  await first.addUser("alice", PASSWORD);
  const partials = join(first.home("alice"), ".ftpx-partial");
  const connection = await Connection.open({ host: "127.0.0.1", port: first.port });
  try {
    await connection.call("login", { user: "alice", password: PASSWORD });
    for (const name of ["old.bin", "young.bin"]) {
      // An upload never committed: its partial stays for a resume.
      await writeFrame(connection.sink, { op: "put", id: 1, path: name, size: 1000, body: 1000 });
      await writeAll(connection.sink, bytes(1000));
      assert.equal((await connection.readResponse(1)).status, 200);
    }
  } finally {
    connection.close();
  }
  await first.stop();
  assert.equal((await Array.fromAsync(Deno.readDir(partials))).length, 2);
  const db = new DatabaseSync(join(data.path, "ftpx.db"));
  try {
    db.prepare("UPDATE partial_uploads SET updated_at = 0 WHERE path = '/old.bin'").run();
  } finally {
    db.close();
  }

  await using second = await TestServer.start({
    dataDir: data.path,
    args: ["--log-level", "warn"],
  });
  assert.equal((await Array.fromAsync(Deno.readDir(partials))).length, 1, "the old one is gone");
  const after = await Connection.open({ host: "127.0.0.1", port: second.port });
  try {
    await after.call("login", { user: "alice", password: PASSWORD });
    assert.equal((await after.call("df")).used, 1000, "only the young partial is counted");
    const old = await after.call("put_offset", { path: "old.bin", size: 1000 });
    assert.equal(old.offset, 0);
    const young = await after.call("put_offset", { path: "young.bin", size: 1000 });
    assert.equal(young.offset, 1000, "the young partial still resumes");
  } finally {
    after.close();
  }
});

Deno.test("a target ending in / must be an existing directory: get and put never create a file by that name", async () => {
  await using server = await setup();
  await using local = await tempDir("ftpx-local-");
  await Deno.writeTextFile(join(server.home("alice"), "a.txt"), "remote");
  await Deno.writeTextFile(join(local.path, "b.txt"), "local");
  const cases: [string, RegExp][] = [
    ["get a.txt newdir/", /^error: Cannot download to "newdir\/": not a local directory$/m],
    ["get a.txt b.txt/", /^error: Cannot download to "b\.txt\/": not a local directory$/m],
    ["reget a.txt newdir/", /^error: Cannot download to "newdir\/": not a local directory$/m],
    ["put b.txt newremote/", /^error: Cannot upload to "newremote\/": not a remote directory$/m],
    ["put b.txt a.txt/", /^error: Cannot upload to "a\.txt\/": not a remote directory$/m],
  ];
  for (const [command, expected] of cases) {
    const result = await server.client("alice", PASSWORD, { command, cwd: local.path });
    assert.equal(result.code, 1, command);
    assert.match(result.stderr, expected, command);
    assert.equal(result.stderr.trim().split("\n").length, 1, `one line for "${command}"`);
  }
  assert.deepEqual((await Array.fromAsync(Deno.readDir(local.path))).map((e) => e.name), [
    "b.txt",
  ]);
  assert.deepEqual((await Array.fromAsync(Deno.readDir(server.home("alice")))).map((e) => e.name), [
    "a.txt",
  ]);
  assert.equal(await Deno.readTextFile(join(server.home("alice"), "a.txt")), "remote");

  await Deno.mkdir(join(local.path, "in"));
  const into = await server.client("alice", PASSWORD, {
    command: "get a.txt in/; mkdir up; put b.txt up/",
    cwd: local.path,
  });
  assert.equal(into.code, 0, into.stderr);
  assert.equal(await Deno.readTextFile(join(local.path, "in/a.txt")), "remote");
  assert.equal(await Deno.readTextFile(join(server.home("alice"), "up/b.txt")), "local");
});
