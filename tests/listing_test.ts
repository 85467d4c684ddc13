/** ls and lls flags (-l -h -a -t -S) and patterns, lmkdir, and `!COMMAND`, end to end in scripts. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CLI_PERMISSIONS, runProgram, tempDir, TestServer } from "./_spawn.ts";

const PASSWORD = "alice-secret";
const REPO = fileURLToPath(new URL("..", import.meta.url));

/** Three files and a hidden one, with sizes and times in a known order. */
async function fill(dir: string): Promise<void> {
  await Deno.writeFile(join(dir, "a.bin"), new Uint8Array(3000));
  await Deno.writeFile(join(dir, "b.bin"), new Uint8Array(1));
  await Deno.writeFile(join(dir, "c.txt"), new Uint8Array(2 * 1024 * 1024));
  await Deno.writeTextFile(join(dir, ".hidden"), "x");
  await Deno.utime(join(dir, "a.bin"), 1_600_000_000, 1_600_000_000);
  await Deno.utime(join(dir, "c.txt"), 1_650_000_000, 1_650_000_000);
  await Deno.utime(join(dir, "b.bin"), 1_700_000_000, 1_700_000_000);
}

/** The names of listing lines, in order. */
function names(block: string): string[] {
  return block.trim().split("\n").map((line) => line.split(/\s+/).pop()!);
}

for (const [side, prefix] of [["remote", ""], ["local", "l"]] as const) {
  Deno.test(`${prefix}ls hides dot files unless -a, sorts by -t and -S, -h sizes, and globs (${side})`, async () => {
    await using server = await TestServer.start({ args: ["--log-level", "warn"] });
    await server.addUser("alice", PASSWORD);
    await using local = await tempDir("ftpx-local-");
    await fill(side === "remote" ? server.home("alice") : local.path);
    const commands = ["", "-a", "-t", "-S", "-lh", "*.bin", "-S ?.*"];
    const result = await server.client("alice", PASSWORD, {
      command: commands.map((flags) => `${prefix}ls ${flags}; lpwd`).join("; "),
      cwd: local.path,
    });
    assert.equal(result.code, 0, result.stderr);
    const blocks = result.stdout.split(/^\/.*\n/m);
    assert.deepEqual(names(blocks[0]!), ["a.bin", "b.bin", "c.txt"]);
    assert.deepEqual(names(blocks[1]!), [".hidden", "a.bin", "b.bin", "c.txt"]);
    assert.deepEqual(names(blocks[2]!), ["b.bin", "c.txt", "a.bin"]);
    assert.deepEqual(names(blocks[3]!), ["c.txt", "a.bin", "b.bin"]);
    assert.match(
      blocks[4]!,
      /^- +2\.9K {2}\S+ \S+ {2}a\.bin\n- +1 {2}.*b\.bin\n- +2M {2}.*c\.txt\n$/,
    );
    assert.deepEqual(names(blocks[5]!), ["a.bin", "b.bin"]);
    assert.deepEqual(names(blocks[6]!), ["c.txt", "a.bin", "b.bin"]);

    const none = await server.client("alice", PASSWORD, {
      command: `${prefix}ls *.iso`,
      cwd: local.path,
    });
    assert.equal(none.code, 1);
    assert.equal(none.stderr, `error: No ${side} file matches "*.iso"\n`);
  });
}

Deno.test("lmkdir creates a local directory (-p: parents); an existing one is an error", async () => {
  await using server = await TestServer.start({ args: ["--log-level", "warn"] });
  await server.addUser("alice", PASSWORD);
  await using local = await tempDir("ftpx-local-");
  const made = await server.client("alice", PASSWORD, {
    command: "lmkdir -p x/y/z; lmkdir w; lls x/y",
    cwd: local.path,
  });
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.stdout, /^d .* z\/$/m);
  assert.ok((await Deno.stat(join(local.path, "w"))).isDirectory);
  const again = await server.client("alice", PASSWORD, { command: "lmkdir w", cwd: local.path });
  assert.equal(again.code, 1);
  assert.equal(again.stderr, 'error: Cannot create local directory "w": it exists\n');
});

Deno.test("!COMMAND in scripts needs --allow-local-shell, and run permission", async () => {
  await using server = await TestServer.start({ args: ["--log-level", "warn"] });
  await server.addUser("alice", PASSWORD);
  const off = await server.client("alice", PASSWORD, { command: "!true" });
  assert.equal(off.code, 1);
  assert.match(
    off.stderr,
    /^error: "!" runs local commands only on a terminal: in scripts add --allow-local-shell\n$/,
  );
  const unpermitted = await server.client("alice", PASSWORD, {
    command: "!true",
    args: ["--allow-local-shell"],
  });
  assert.equal(unpermitted.code, 1);
  assert.match(
    unpermitted.stderr,
    /^error: "!" is unavailable: this ftpx may not run local programs/,
  );
});

Deno.test({
  name: "!COMMAND runs through sh where ftpx may run it; a failure stops the script",
  // The compiled binary never has run permission.
  ignore: Deno.env.get("FTPX_BIN") !== undefined,
  async fn() {
    await using server = await TestServer.start({ args: ["--log-level", "warn"] });
    await server.addUser("alice", PASSWORD);
    await using local = await tempDir("ftpx-local-");
    await using config = await tempDir("ftpx-config-");
    // A script on standard input: "!" takes the rest of its line, ";" included.
    const connect = (script: string) =>
      runProgram(Deno.execPath(), [
        "run",
        "--quiet",
        "--config",
        join(REPO, "deno.json"),
        ...CLI_PERMISSIONS,
        "--allow-run=sh",
        join(REPO, "main.ts"),
        "connect",
        "-P",
        String(server.port),
        "-u",
        "alice",
        "--allow-local-shell",
      ], {
        stdin: script,
        cwd: local.path,
        env: { FTPX_PASSWORD: PASSWORD, FTPX_HOME: config.path, NO_COLOR: "1" },
      });
    const ran = await connect("!echo made > by-shell.txt\nput by-shell.txt\n");
    assert.equal(ran.code, 0, ran.stderr);
    assert.equal(await Deno.readTextFile(join(server.home("alice"), "by-shell.txt")), "made\n");
    const failed = await connect("!echo one; exit 3\nmkdir never\n");
    assert.equal(failed.code, 1);
    assert.equal(failed.stdout, "one\n");
    assert.equal(failed.stderr, "error: Local command exited with status 3\n");
    assert.equal(await Deno.stat(join(server.home("alice"), "never")).catch(() => null), null);
  },
});
