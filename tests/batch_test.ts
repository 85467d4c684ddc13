/**
 * Batch mode: `-c "cmd; cmd"` and commands piped on stdin stop at the first
 * failing command (exit 1) and exit 0 when all succeed.
 */

import assert from "node:assert/strict";
import { TestServer } from "./_spawn.ts";

const PASSWORD = "alice-secret";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("-c runs every command and exits 0 when all succeed", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", PASSWORD);
  const result = await server.client("alice", PASSWORD, {
    command: 'mkdir -p "my docs/2024"; cd "my docs"; pwd; ls; cd ..; pwd',
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^\/my docs\nd +0 +\S+ \S+ +2024\/\n\/\n$/);
  assert.equal(result.stderr, "");
});

Deno.test("-c stops at the first failure with exit 1; later commands never run", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", PASSWORD);
  const home = server.home("alice");
  const cases: [string, RegExp][] = [
    ["mkdir a1; cd missing; mkdir b1", /^error: Cannot enter "\/missing": not found\n$/],
    ["mkdir a2; mkdir a2; mkdir b2", /^error: Cannot create "\/a2": already exists\n$/],
    ["mkdir a3; mkdir .ftpx-x; mkdir b3", /^error: Names starting with "\.ftpx-" are reserved\n$/],
    ["mkdir a4; frobnicate; mkdir b4", /^error: unknown command "frobnicate"/],
    ["mkdir a5; mkdir; mkdir b5", /^error: Missing argument \(usage: mkdir \[-p\] PATH\)\n$/],
    [
      "mkdir a6; ls -z; mkdir b6",
      /^error: Unknown option "-z" \(usage: ls \[-lhatS\] \[PATH\|PATTERN\]\)\n$/,
    ],
    ["mkdir a7; cd a7 extra; mkdir b7", /^error: Unexpected argument "extra"/],
  ];
  const results = await Promise.all(
    cases.map(([command]) => server.client("alice", PASSWORD, { command })),
  );
  for (const [i, [command, stderr]] of cases.entries()) {
    const result = results[i]!;
    assert.equal(result.code, 1, command);
    assert.match(result.stderr, stderr, command);
    const n = command[7];
    assert.ok(await exists(`${home}/a${n}`), `${command}: the first command did not run`);
    assert.ok(!await exists(`${home}/b${n}`), `${command}: a command after the failure ran`);
  }
  const unterminated = await server.client("alice", PASSWORD, { command: 'mkdir "c1; mkdir c2' });
  assert.equal(unterminated.code, 1);
  assert.match(unterminated.stderr, /^error: Unterminated " quote\n$/);
  assert.ok(!await exists(`${home}/c1`));
});

Deno.test("piped stdin runs one command per line and stops at the first failure", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", PASSWORD);
  const home = server.home("alice");
  const [ok, failing, exited, noNewline] = await Promise.all([
    server.client("alice", PASSWORD, { stdin: "# setup\nmkdir -p x/y\n\n   \ncd x; pwd\nls\n" }),
    server.client("alice", PASSWORD, { stdin: "mkdir s1\ncd /no/such/dir\nmkdir s2\n" }),
    server.client("alice", PASSWORD, { stdin: "mkdir e1\nexit\nmkdir e2\n" }),
    server.client("alice", PASSWORD, { stdin: "mkdir last" }),
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^\/x\nd +0 +\S+ \S+ +y\/\n$/);

  assert.equal(failing.code, 1);
  assert.equal(failing.stderr, 'error: Cannot enter "/no/such/dir": not found\n');
  assert.ok(await exists(`${home}/s1`));
  assert.ok(!await exists(`${home}/s2`));

  assert.equal(exited.code, 0, exited.stderr);
  assert.ok(await exists(`${home}/e1`));
  assert.ok(!await exists(`${home}/e2`));

  assert.equal(noNewline.code, 0, noNewline.stderr);
  assert.ok(await exists(`${home}/last`));
});

Deno.test("--password-stdin takes the first line as the password and the rest as commands", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", PASSWORD);
  const home = server.home("alice");
  const args = ["--password-stdin"];
  const [ok, failing, wrong] = await Promise.all([
    server.client("alice", "", { args, stdin: `${PASSWORD}\nmkdir -p reports\ncd reports\npwd\n` }),
    server.client("alice", "", { args, stdin: `${PASSWORD}\nmkdir p1\ncd nowhere\nmkdir p2\n` }),
    // A wrong password runs nothing: the next line is not taken as a second try.
    server.client("alice", "", { args, stdin: `wrong\n${PASSWORD}\nmkdir w\n` }),
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout, "/reports\n");
  assert.equal(failing.code, 1);
  assert.ok(await exists(`${home}/p1`));
  assert.ok(!await exists(`${home}/p2`));
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /Login failed/);
  assert.ok(!await exists(`${home}/w`));

  // With -c, the password comes from stdin and the commands from -c.
  const withC = await server.client("alice", "", {
    args,
    command: "cd reports; pwd",
    stdin: `${PASSWORD}\nmkdir ignored\n`,
  });
  assert.equal(withC.code, 0, withC.stderr);
  assert.equal(withC.stdout, "/reports\n");
  assert.ok(!await exists(`${home}/ignored`));
});

Deno.test("help and local commands work in batch mode", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", PASSWORD);
  const local = await Deno.makeTempDir({ prefix: "ftpx-local-" });
  try {
    await Deno.mkdir(`${local}/sub`);
    await Deno.writeTextFile(`${local}/sub/file.txt`, "hello");
    const result = await server.client("alice", PASSWORD, {
      command: "help; help mkdir; help mirror; lcd sub; lpwd; lls; lls file.txt",
      cwd: local,
    });
    assert.equal(result.code, 0, result.stderr);
    for (const name of ["ls", "cd", "pwd", "mkdir", "lls", "lcd", "lpwd", "help", "exit"]) {
      assert.match(result.stdout, new RegExp(`^${name}\\b`, "m"), `help lists ${name}`);
    }
    assert.match(result.stdout, /^usage: mkdir \[-p\] PATH$/m);
    assert.match(
      result.stdout,
      /^usage: mirror \[-R\] \[OPTIONS\] SOURCE \[TARGET\]\n.*\n {2}-R {2,}upload/m,
    );
    assert.match(result.stdout, /^ {2}--delete {2,}also delete what SOURCE lacks/m);
    assert.match(result.stdout, /^!COMMAND +Run a local command with sh/m);
    assert.match(result.stdout, new RegExp(`^${await Deno.realPath(local)}/sub$`, "m"));
    assert.equal(result.stdout.match(/^- +5 +\S+ \S+ +file\.txt$/gm)?.length, 2, "lls FILE");
    const missing = await server.client("alice", PASSWORD, { command: "lcd /no/such/dir" });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Cannot change local directory to "\/no\/such\/dir": not found/);
  } finally {
    await Deno.remove(local, { recursive: true });
  }
});
