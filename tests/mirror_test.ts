/** `mirror` in the native shell, both ways: only new and changed files, --delete, --dry-run, resuming. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileSize, spawnFtpx, tempDir, TestServer, ThrottleProxy, waitFor } from "./_spawn.ts";
import { runInTerminal } from "./_terminal.ts";

const PASSWORD = "alice-secret";
const MIB = 1024 * 1024;

async function write(path: string, content: string | Uint8Array): Promise<void> {
  await Deno.mkdir(join(path, ".."), { recursive: true });
  if (typeof content === "string") await Deno.writeTextFile(path, content);
  else await Deno.writeFile(path, content);
}

Deno.test("mirror REMOTE copies only new and changed files; --delete, --dry-run", async () => {
  await using server = await TestServer.start({ args: ["--log-level", "warn"] });
  await server.addUser("alice", PASSWORD);
  await using local = await tempDir("ftpx-local-");
  const remote = join(server.home("alice"), "docs");
  const big = new Uint8Array(2 * MIB).map((_, i) => i % 251);
  await write(join(remote, "a.txt"), "alpha\n");
  await write(join(remote, "sub", "b.txt"), "bravo\n");
  await write(join(remote, "sub", "deep", "c.bin"), big);
  const run = (command: string) => server.client("alice", PASSWORD, { command, cwd: local.path });

  const first = await run("mirror docs");
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /^get docs\/sub\/deep\/c\.bin: 2M in /m);
  assert.match(
    first.stderr,
    /\nmirror docs: 3 new, 0 changed, 0 deleted, 0 unchanged \(2M in \S+s\)\n$/,
  );
  assert.deepEqual(await Deno.readFile(join(local.path, "docs", "sub", "deep", "c.bin")), big);

  // get -r into the tree it made points to mirror.
  const getTree = await run("get -r docs");
  assert.equal(getTree.code, 1);
  assert.match(
    getTree.stderr,
    /^error: docs\/a\.txt: Local file ".*" exists: use -f to overwrite, or "mirror docs" to fetch only new and changed files$/m,
  );

  const again = await run("mirror docs");
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stderr.trim().split("\n").length, 1, again.stderr);
  assert.match(again.stderr, /^mirror docs: 0 new, 0 changed, 0 deleted, 3 unchanged \(0 in /);

  // Changed (same size, another time), new, and gone on the server.
  await Deno.writeTextFile(join(remote, "a.txt"), "ALPHA\n");
  await Deno.utime(join(remote, "a.txt"), 1_800_000_000, 1_800_000_000);
  await write(join(remote, "new.txt"), "new\n");
  await Deno.remove(join(remote, "sub", "b.txt"));
  const dry = await run("mirror --dry-run --delete docs");
  assert.equal(dry.code, 0, dry.stderr);
  assert.equal(
    dry.stdout,
    "would get docs/a.txt (changed, 6)\nwould get docs/new.txt (new, 4)\nwould delete docs/sub/b.txt\n",
  );
  assert.match(dry.stderr, /^mirror docs \(dry run\): 1 new, 1 changed, 1 deleted, 1 unchanged\n$/);
  assert.equal(await Deno.readTextFile(join(local.path, "docs", "a.txt")), "alpha\n");

  const refused = await run("mirror --delete docs");
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^error: --delete in a script needs --yes \(usage: mirror /);

  const synced = await run("mirror --delete --yes docs");
  assert.equal(synced.code, 0, synced.stderr);
  assert.match(synced.stderr, /mirror docs: 1 new, 1 changed, 1 deleted, 1 unchanged \(10 in /);
  assert.equal(await Deno.readTextFile(join(local.path, "docs", "a.txt")), "ALPHA\n");
  assert.equal(await Deno.readTextFile(join(local.path, "docs", "new.txt")), "new\n");
  assert.equal(await fileSize(join(local.path, "docs", "sub", "b.txt")), -1);
});

Deno.test("mirror -R LOCAL uploads only new and changed files, in parallel; --checksum", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", PASSWORD);
  await using local = await tempDir("ftpx-local-");
  const src = join(local.path, "src");
  const big = new Uint8Array(3 * MIB).map((_, i) => i % 241);
  await write(join(src, "x.txt"), "xray\n");
  await write(join(src, "y", "z.txt"), "zulu\n");
  await write(join(src, "big.bin"), big);
  await write(join(src, "old", "gone.txt"), "gone\n");
  const run = (command: string) => server.client("alice", PASSWORD, { command, cwd: local.path });
  const remote = join(server.home("alice"), "backup");

  const first = await run("mirror -R --parallel 3 src backup");
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /\nmirror src: 4 new, 0 changed, 0 deleted, 0 unchanged \(3M in /);
  assert.deepEqual(await Deno.readFile(join(remote, "big.bin")), big);
  // Three sessions logged in: the shell's and two more for the parallel transfers.
  assert.equal(server.log.match(/login ok/g)?.length, 3, server.log);
  assert.equal(await Deno.readTextFile(join(remote, "y", "z.txt")), "zulu\n");

  const again = await run("mirror -R src backup");
  assert.match(again.stderr, /^mirror src: 0 new, 0 changed, 0 deleted, 4 unchanged/);

  // Same size, older than the upload: only --checksum sees the change (the server keeps no mtime).
  await Deno.writeTextFile(join(src, "x.txt"), "XRAY\n");
  await Deno.utime(join(src, "x.txt"), 1_000_000_000, 1_000_000_000);
  await Deno.remove(join(src, "old"), { recursive: true });
  const bySize = await run("mirror -R src backup");
  assert.match(bySize.stderr, /^mirror src: 0 new, 0 changed, 0 deleted, 3 unchanged/);
  const byContent = await run("mirror -R --checksum --delete --yes src backup");
  assert.equal(byContent.code, 0, byContent.stderr);
  assert.match(byContent.stderr, /mirror src: 0 new, 1 changed, 1 deleted, 2 unchanged \(5 in /);
  assert.equal(await Deno.readTextFile(join(remote, "x.txt")), "XRAY\n");
  assert.equal(await fileSize(join(remote, "old")), -1);

  // put -r into a tree the server has points to mirror -R.
  const tree = await run("mirror -R src; put -r src");
  assert.equal(tree.code, 0, tree.stderr);
  assert.match(
    tree.stderr,
    /^"src" exists on the server: put -r sends every file again \("mirror -R src" sends only new and changed ones\)$/m,
  );
});

Deno.test("a mirror cut off resumes where it stopped when run again", async () => {
  await using server = await TestServer.start({ args: ["--log-level", "warn"] });
  await server.addUser("alice", PASSWORD);
  await using local = await tempDir("ftpx-local-");
  await using config = await tempDir("ftpx-config-");
  const content = new Uint8Array(4 * MIB).map((_, i) => i % 239);
  await write(join(server.home("alice"), "set", "big.bin"), content);
  await using proxy = ThrottleProxy.start(server.port, { down: 2 * MIB });
  const env = { FTPX_PASSWORD: PASSWORD, FTPX_HOME: config.path };
  const child = spawnFtpx(
    ["connect", "-P", String(proxy.port), "-u", "alice", "-c", "mirror set"],
    {
      cwd: local.path,
      env,
    },
  );
  try {
    await waitFor(
      async () => await fileSize(join(local.path, "set", "big.bin.ftpx-part")) >= MIB,
      "the mirror to start",
    );
  } finally {
    child.kill("SIGKILL");
    await child.output();
  }
  proxy.setLimits({});
  const again = await server.client("alice", PASSWORD, {
    args: ["-P", String(proxy.port)],
    command: "mirror set",
    cwd: local.path,
    env: { FTPX_HOME: config.path },
  });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /get set\/big\.bin: 4M in \S+ \(\S+\), resumed at \S+ \(\S+ moved\)/);
  assert.match(again.stderr, /mirror set: 1 new, 0 changed, 0 deleted, 0 unchanged/);
  assert.deepEqual(await Deno.readFile(join(local.path, "set", "big.bin")), content);
});

Deno.test("mirror --delete on a terminal asks first; no keeps the extra files", async () => {
  await using server = await TestServer.start({ args: ["--log-level", "warn"] });
  await server.addUser("alice", PASSWORD);
  await using local = await tempDir("ftpx-local-");
  await write(join(server.home("alice"), "docs", "a.txt"), "alpha\n");
  await write(join(local.path, "docs", "mine.txt"), "keep me\n");
  await write(join(local.path, "docs", "old", "x.txt"), "old\n");
  const result = await runInTerminal(["connect", "-P", String(server.port), "-u", "alice"], {
    env: { FTPX_PASSWORD: PASSWORD },
    steps: [
      { expect: "ftpx alice:/> ", send: `lcd ${local.path}\r` },
      { expect: "ftpx alice:/> ", send: "mirror --delete docs\r" },
      {
        expect: 'Delete 2 files and 1 directory here that are not in "docs"? [y/N] ',
        send: "n\r",
      },
      { expect: "Nothing will be deleted" },
      { expect: "mirror docs: 1 new, 0 changed, 0 deleted, 0 unchanged" },
      { expect: "ftpx alice:/> ", send: "mirror --delete docs\r" },
      { expect: "? [y/N] ", send: "y\r" },
      { expect: "mirror docs: 0 new, 0 changed, 2 deleted, 1 unchanged" },
      { expect: "ftpx alice:/> ", send: "exit\r" },
    ],
  });
  assert.equal(result.code, 0, result.output);
  assert.equal(await fileSize(join(local.path, "docs", "mine.txt")), -1);
  assert.equal(await fileSize(join(local.path, "docs", "old")), -1);
  assert.equal(await Deno.readTextFile(join(local.path, "docs", "a.txt")), "alpha\n");
});
