/**
 * The wire protocol spoken directly over a socket, as docs/protocol.md
 * describes it: handshake, session states, every current operation, and
 * hostile frames that must get an error and never a crash.
 */

import assert from "node:assert/strict";
import { MAX_HEADER_BYTES } from "../protocol/limits.ts";
import { FTPX_VERSION } from "../protocol/version.ts";
import { encodeFrame } from "../protocol/frame.ts";
import { RawClient, rawFrame } from "./_raw.ts";
import { TestServer } from "./_spawn.ts";
import { CONFIG_TABLE } from "../server/core/config.ts";

const PASSWORD = "alice-secret";

async function serverWithAlice(): Promise<TestServer> {
  const server = await TestServer.start();
  await server.addUser("alice", PASSWORD);
  return server;
}

Deno.test("hello answers with the versions; another version gets 426 and a close", async () => {
  await using server = await TestServer.start();
  using good = await RawClient.connect(server.port);
  const hello = await good.request({ op: "hello", version: 1, id: 1, client: "raw-test" });
  assert.deepEqual(hello, {
    id: 1,
    status: 200,
    message: `ftpx ${FTPX_VERSION} ready`,
    version: 1,
    server: `ftpx/${FTPX_VERSION}`,
    register: false,
  });

  using future = await RawClient.connect(server.port);
  const refused = await future.request({ op: "hello", version: 2, id: 1 });
  assert.equal(refused.status, 426);
  assert.equal(refused.id, 1);
  assert.match(refused.message, /version 2 is not supported: this server speaks version 1/);
  assert.ok(await future.closedByServer());
});

Deno.test("before hello only hello and quit are allowed; before login only hello, login and quit", async () => {
  await using server = await serverWithAlice();
  using client = await RawClient.connect(server.port);
  for (const op of ["login", "pwd", "ls", "frobnicate"]) {
    const response = await client.request({ op, id: 9, user: "alice", password: PASSWORD });
    const expected = op === "frobnicate" ? 405 : 400;
    assert.equal(response.status, expected, `${op} before hello: ${response.message}`);
  }
  assert.equal((await client.request({ op: "pwd" })).message, 'Send "hello" first');
  await client.expectOk({ op: "hello", version: 1 });
  for (const request of [{ op: "pwd" }, { op: "ls" }, { op: "cd", path: "/" }]) {
    const response = await client.request({ ...request, id: 3 });
    assert.deepEqual(response, { id: 3, status: 401, message: "Log in first" });
  }
  const login = await client.request({ op: "login", user: "alice", password: PASSWORD, id: 4 });
  assert.deepEqual(login, {
    id: 4,
    status: 200,
    message: "Logged in as alice",
    user: "alice",
    admin: false,
    cwd: "/",
  });
  assert.equal((await client.request({ op: "pwd" })).cwd, "/");
  const quit = await client.request({ op: "quit", id: 5 });
  assert.deepEqual(quit, { id: 5, status: 200, message: "Goodbye" });
  assert.ok(await client.closedByServer());
});

Deno.test("quit before hello closes the connection politely", async () => {
  await using server = await TestServer.start();
  using client = await RawClient.connect(server.port);
  assert.equal((await client.request({ op: "quit" })).status, 200);
  assert.ok(await client.closedByServer());
});

Deno.test("pwd, cd, mkdir, stat and ls answer with the documented fields", async () => {
  await using server = await serverWithAlice();
  using client = await RawClient.login(server.port, "alice", PASSWORD);
  const made = await client.request({ op: "mkdir", path: "docs/2024", parents: true, id: 1 });
  assert.equal(made.status, 201);
  assert.equal(made.path, "/docs/2024");
  assert.deepEqual({ ...made.entry as object, mtime: 0 }, {
    name: "2024",
    type: "dir",
    size: 0,
    mtime: 0,
  });
  await Deno.writeTextFile(`${server.home("alice")}/docs/b.txt`, "12345");

  assert.deepEqual(await client.request({ op: "cd", path: "docs", id: 2 }), {
    id: 2,
    status: 200,
    message: "/docs",
    cwd: "/docs",
  });
  assert.deepEqual(await client.request({ op: "pwd", id: 3 }), {
    id: 3,
    status: 200,
    message: "/docs",
    cwd: "/docs",
  });
  const list = await client.request({ op: "ls", id: 4 });
  assert.equal(list.status, 200);
  assert.equal(list.path, "/docs");
  const entries = list.entries as { name: string; type: string; size: number; mtime: number }[];
  assert.deepEqual(entries.map(({ name, type, size }) => ({ name, type, size })), [
    { name: "2024", type: "dir", size: 0 },
    { name: "b.txt", type: "file", size: 5 },
  ]);
  assert.ok(entries.every((entry) => entry.mtime > 1_600_000_000_000));

  const stat = await client.request({ op: "stat", path: "b.txt", id: 5 });
  assert.equal(stat.status, 200);
  assert.equal(stat.path, "/docs/b.txt");
  assert.equal((stat.entry as { size: number }).size, 5);
  assert.deepEqual(await client.request({ op: "cd", id: 6 }), {
    id: 6,
    status: 200,
    message: "/",
    cwd: "/",
  });
});

Deno.test("operations report failures with status and a message naming the virtual path", async () => {
  await using server = await serverWithAlice();
  using client = await RawClient.login(server.port, "alice", PASSWORD);
  await client.expectOk({ op: "mkdir", path: "a" });
  await Deno.writeTextFile(`${server.home("alice")}/f.txt`, "x");
  const cases: [object, number, string][] = [
    [{ op: "cd", path: "missing" }, 404, 'Cannot enter "/missing": not found'],
    [{ op: "stat", path: "/x/y" }, 404, 'Cannot stat "/x/y": not found'],
    [{ op: "ls", path: "nope" }, 404, 'Cannot list "/nope": not found'],
    [{ op: "mkdir", path: "a" }, 409, 'Cannot create "/a": already exists'],
    [{ op: "mkdir", path: "x/y" }, 404, 'Cannot create "/x/y": not found'],
    [{ op: "cd", path: "f.txt" }, 409, 'Cannot enter "/f.txt": not a directory'],
    [{ op: "ls", path: "f.txt" }, 409, 'Cannot list "/f.txt": not a directory'],
    [{ op: "mkdir", path: ".ftpx-x" }, 403, 'Names starting with ".ftpx-" are reserved'],
    [{ op: "cd", path: "a\u0000b" }, 400, "Path contains a control character"],
    [{ op: "cd", path: "a\r\nb" }, 400, "Path contains a control character"],
    [{ op: "cd", path: "..\\..\\etc" }, 400, 'Path contains a backslash: separate names with "/"'],
    [{ op: "cd", path: "x".repeat(256) }, 413, "Name too long: at most 255 bytes"],
    [{ op: "cd", path: "a/".repeat(2100) }, 413, "Path too long: at most 4096 bytes"],
  ];
  for (const [request, status, message] of cases) {
    const response = await client.request({ ...request, id: 7 });
    assert.deepEqual(response, { id: 7, status, message }, JSON.stringify(request).slice(0, 80));
  }
  assert.equal((await client.request({ op: "pwd" })).cwd, "/");
});

Deno.test("malformed frames and requests get an error response and the session goes on", async () => {
  await using server = await serverWithAlice();
  using client = await RawClient.login(server.port, "alice", PASSWORD);
  const frames: [Uint8Array, number, RegExp][] = [
    [rawFrame("{not json"), 400, /not valid UTF-8 JSON/],
    [rawFrame(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), 400, /not valid UTF-8 JSON/],
    [rawFrame("[1,2,3]"), 400, /must be a JSON object/],
    [rawFrame('"pwd"'), 400, /must be a JSON object/],
    [rawFrame("null"), 400, /must be a JSON object/],
    [rawFrame(""), 400, /empty/],
    [rawFrame("{}"), 400, /Missing field "op"/],
    [rawFrame('{"op":7}'), 400, /Field "op" must be a string/],
    [rawFrame('{"op":null}'), 400, /Missing field "op"/],
    [rawFrame('{"op":"frobnicate","id":3}'), 405, /Unknown operation "frobnicate"/],
    [rawFrame('{"op":"__proto__"}'), 405, /Unknown operation/],
    [
      rawFrame('{"op":"x\\r\\n226 ok\\u001b[2J"}'),
      405,
      /^Unknown operation "x\\r\\n226 ok\\u001b\[2J"$/,
    ],
    [rawFrame('{"op":"toString"}'), 405, /Unknown operation/],
    [rawFrame('{"op":"mkdir"}'), 400, /Missing field "path" for "mkdir"/],
    [rawFrame('{"op":"mkdir","path":5}'), 400, /Field "path" of "mkdir" must be a path string/],
    [rawFrame('{"op":"mkdir","path":"x","parents":"yes"}'), 400, /"parents" of "mkdir"/],
    [rawFrame('{"op":"cd","path":["/"]}'), 400, /Field "path" of "cd"/],
    [rawFrame('{"op":"hello","version":1}'), 400, /Hello already done/],
    [rawFrame('{"op":"login","user":"alice","password":"x"}'), 400, /Already logged in/],
  ];
  for (const [frame, status, message] of frames) {
    await client.sendBytes(frame);
    const response = await client.receive();
    assert.equal(response.status, status, response.message);
    assert.match(response.message, message);
  }
  // A body on an operation that takes none is refused and skipped; the stream stays in sync.
  await client.sendBytes(
    new Uint8Array([...encodeFrame({ op: "pwd", id: 1, body: 5 }), 1, 2, 3, 4, 5]),
  );
  assert.deepEqual(await client.receive(), {
    id: 1,
    status: 400,
    message: 'Operation "pwd" takes no body',
  });
  assert.deepEqual(await client.request({ op: "pwd", id: 2 }), {
    id: 2,
    status: 200,
    message: "/",
    cwd: "/",
  });
});

Deno.test("requests sent in one write are answered in order; a request split byte by byte is read whole", async () => {
  await using server = await serverWithAlice();
  using client = await RawClient.login(server.port, "alice", PASSWORD);
  const burst = [
    encodeFrame({ op: "mkdir", path: "one", id: 1 }),
    encodeFrame({ op: "cd", path: "one", id: 2 }),
    encodeFrame({ op: "pwd", id: 3 }),
    encodeFrame({ op: "cd", path: "missing", id: 4 }),
    encodeFrame({ op: "cd", id: 5 }),
  ];
  await client.sendBytes(new Uint8Array(burst.flatMap((frame) => [...frame])));
  const answers = [];
  for (let i = 0; i < burst.length; i++) answers.push(await client.receive());
  assert.deepEqual(answers.map((a) => [a.id, a.status]), [
    [1, 201],
    [2, 200],
    [3, 200],
    [4, 404],
    [5, 200],
  ]);
  assert.equal(answers[2]!.cwd, "/one");

  for (const byte of encodeFrame({ op: "pwd", id: 6 })) {
    await client.sendBytes(new Uint8Array([byte]));
  }
  assert.deepEqual(await client.receive(), { id: 6, status: 200, message: "/", cwd: "/" });
});

Deno.test("an oversize header gets 413 and a close while another session keeps working", async () => {
  await using server = await serverWithAlice();
  using bystander = await RawClient.login(server.port, "alice", PASSWORD);
  for (const length of [MAX_HEADER_BYTES + 1, 0xffffffff]) {
    using attacker = await RawClient.connect(server.port);
    await attacker.sendBytes(rawFrame("", length));
    const response = await attacker.receive();
    assert.equal(response.status, 413);
    assert.match(
      response.message,
      new RegExp(
        `Frame header of ${length} bytes exceeds the limit of ${CONFIG_TABLE.maxHeaderSize.default}`,
      ),
    );
    assert.ok(await attacker.closedByServer());
    await bystander.expectOk({ op: "mkdir", path: `still-working-${length}` });
  }
  assert.equal((await bystander.request({ op: "ls" })).entries instanceof Array, true);
});

Deno.test("an invalid body length gets 400 and a close", async () => {
  await using server = await serverWithAlice();
  for (const body of [-1, 1.5, "10", 2 ** 53]) {
    using client = await RawClient.login(server.port, "alice", PASSWORD);
    await client.sendBytes(rawFrame(JSON.stringify({ op: "pwd", body })));
    const response = await client.receive();
    assert.equal(response.status, 400);
    assert.match(response.message, /Invalid body length/);
    assert.ok(await client.closedByServer());
  }
});

Deno.test("three failed logins close the connection; unknown user and wrong password look alike", async () => {
  await using server = await serverWithAlice();
  using client = await RawClient.connect(server.port);
  await client.expectOk({ op: "hello", version: 1 });
  const answers = [];
  for (const user of ["alice", "nobody", "alice"]) {
    answers.push(await client.request({ op: "login", user, password: "wrong-password", id: 1 }));
  }
  for (const answer of answers) {
    assert.deepEqual(answer, { id: 1, status: 401, message: "Login incorrect" });
  }
  assert.ok(await client.closedByServer());
});
