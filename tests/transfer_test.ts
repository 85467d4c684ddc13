/**
 * Transfers end to end: the real CLI against a real server, interrupted by
 * SIGKILL in the middle of a transfer. A throttling proxy stops the bytes at
 * a point the test chooses, so "the middle" never depends on timing.
 */

import assert from "node:assert/strict";
import { bytes, fileSha256, sha256 } from "./_data.ts";
import { join } from "node:path";
import { ResumeStore } from "../client/resume_store.ts";
import {
  fileSize,
  runFtpx,
  spawnFtpx,
  tempDir,
  TestServer,
  ThrottleProxy,
  waitFor,
} from "./_spawn.ts";

const MIB = 1024 * 1024;
const PASSWORD = "alice-secret";

/** Runs `ftpx connect -c COMMAND` through `port` and SIGKILLs it once `until` holds. */
async function killMidway(
  port: number,
  command: string,
  options: { cwd: string; env: Record<string, string>; until: () => Promise<boolean> },
): Promise<void> {
  const child = spawnFtpx(["connect", "-P", String(port), "-u", "alice", "-c", command], {
    cwd: options.cwd,
    env: { FTPX_PASSWORD: PASSWORD, ...options.env },
  });
  try {
    await waitFor(options.until, `progress of "${command}"`);
  } finally {
    child.kill("SIGKILL");
    await child.output();
  }
}

async function setup() {
  const server = await TestServer.start({ args: ["--log-level", "warn"] });
  await server.addUser("alice", PASSWORD);
  const local = await tempDir("ftpx-local-");
  const config = await tempDir("ftpx-config-");
  return { server, local, config, env: { FTPX_HOME: config.path } };
}

Deno.test("a download killed with SIGKILL resumes from its partial and verifies", async () => {
  const { server, local, config, env } = await setup();
  await using _server = server;
  await using _local = local;
  await using _config = config;
  const content = bytes(6 * MIB);
  await Deno.writeFile(join(server.home("alice"), "big.bin"), content);
  await using proxy = ThrottleProxy.start(server.port, { down: 3 * MIB });
  const part = join(local.path, "big.bin.ftpx-part");
  await killMidway(proxy.port, "get big.bin", {
    cwd: local.path,
    env,
    until: async () => await fileSize(part) >= 2 * MIB,
  });
  const kept = await fileSize(part);
  assert.ok(kept >= 2 * MIB && kept < 6 * MIB, `partial of ${kept} bytes`);
  assert.equal(await fileSize(join(local.path, "big.bin")), -1, "nothing under the final name");
  assert.match(await Deno.readTextFile(join(config.path, "resume.ini")), /remote=\/big\.bin/);

  proxy.setLimits({});
  const again = await runClient(proxy.port, "get big.bin", local.path, env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /get big\.bin: 6M in \S+ \(\S+\), resumed at \d/);
  assert.equal(await fileSha256(join(local.path, "big.bin")), sha256(content));
  assert.equal(await fileSize(part), -1);
  assert.doesNotMatch(await Deno.readTextFile(join(config.path, "resume.ini")), /big\.bin/);
});

Deno.test("three interrupted downloads are listed and resumed by connect --resume", async () => {
  const { server, local, config, env } = await setup();
  await using _server = server;
  await using _local = local;
  await using _config = config;
  const names = ["one.bin", "two.bin", "three.bin"];
  const contents = names.map((_, i) => bytes(3 * MIB + i * 1000, i + 10));
  for (const [i, name] of names.entries()) {
    await Deno.writeFile(join(server.home("alice"), name), contents[i]!);
  }
  await using proxy = ThrottleProxy.start(server.port, { down: 2 * MIB });
  for (const name of names) {
    await killMidway(proxy.port, `get ${name}`, {
      cwd: local.path,
      env,
      until: async () => await fileSize(join(local.path, `${name}.ftpx-part`)) >= MIB,
    });
  }
  proxy.setLimits({});
  const listed = await runClient(proxy.port, "pwd", local.path, env);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stderr, /3 unfinished download\(s\) from this server/);

  const resumed = await runClient(proxy.port, "ls", local.path, env, ["--resume"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  for (const [i, name] of names.entries()) {
    assert.match(resumed.stderr, new RegExp(`get ${name.replace(".", "\\.")}: .*resumed at`));
    assert.equal(await fileSha256(join(local.path, name)), sha256(contents[i]!), name);
    assert.equal(await fileSize(join(local.path, `${name}.ftpx-part`)), -1);
  }
  const after = await runClient(proxy.port, "pwd", local.path, env);
  assert.doesNotMatch(after.stderr, /unfinished/);
});

Deno.test("a remote file replaced between attempts is downloaded again from the start", async () => {
  const { server, local, config, env } = await setup();
  await using _server = server;
  await using _local = local;
  await using _config = config;
  const remote = join(server.home("alice"), "doc.bin");
  await Deno.writeFile(remote, bytes(4 * MIB, 1));
  await using proxy = ThrottleProxy.start(server.port, { down: 2 * MIB });
  await killMidway(proxy.port, "get doc.bin", {
    cwd: local.path,
    env,
    until: async () => await fileSize(join(local.path, "doc.bin.ftpx-part")) >= MIB,
  });
  const replacement = bytes(4 * MIB, 2);
  await Deno.writeFile(remote + ".new", replacement);
  await Deno.rename(remote + ".new", remote);

  proxy.setLimits({});
  const refused = await runClient(proxy.port, "reget doc.bin", local.path, env);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /Cannot resume "\/doc\.bin": .*changed.* \(use get to start over\)/);

  const again = await runClient(proxy.port, "get doc.bin", local.path, env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(
    again.stderr,
    /doc\.bin changed on the server since the partial download: starting over/,
  );
  assert.doesNotMatch(again.stderr, /resumed at/);
  assert.equal(await fileSha256(join(local.path, "doc.bin")), sha256(replacement));
});

Deno.test("a server killed mid-upload leaves no file; put again resumes and verifies", async () => {
  await using data = await tempDir("ftpx-data-");
  await using local = await tempDir("ftpx-local-");
  const content = bytes(6 * MIB, 3);
  await Deno.writeFile(join(local.path, "up.bin"), content);
  const first = await TestServer.start({ dataDir: data.path, args: ["--log-level", "warn"] });
  await first.addUser("alice", PASSWORD);
  const partials = join(first.home("alice"), ".ftpx-partial");
  const partialSize = async () => {
    let largest = -1;
    try {
      for await (const item of Deno.readDir(partials)) {
        largest = Math.max(largest, await fileSize(join(partials, item.name)));
      }
    } catch {
      // No partial directory yet.
    }
    return largest;
  };
  {
    await using proxy = ThrottleProxy.start(first.port, { up: 3 * MIB });
    const child = spawnFtpx(
      ["connect", "-P", String(proxy.port), "-u", "alice", "-c", "put up.bin"],
      { cwd: local.path, env: { FTPX_PASSWORD: PASSWORD } },
    );
    await waitFor(async () => await partialSize() >= 2 * MIB, "the upload to reach the server");
    await first.stop(true);
    const result = await child.output();
    assert.equal(result.code, 1);
    assert.match(new TextDecoder().decode(result.stderr), /error: .*(lost|closed)/i);
  }
  assert.equal(await fileSize(join(first.home("alice"), "up.bin")), -1, "no file under its name");

  await using second = await TestServer.start({
    dataDir: data.path,
    args: ["--log-level", "warn"],
  });
  const again = await second.client("alice", PASSWORD, {
    command: "put up.bin; ls",
    cwd: local.path,
  });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /put up\.bin: 6M in \S+ \(\S+\), resumed at [1-9]/);
  assert.equal(await fileSha256(join(second.home("alice"), "up.bin")), sha256(content));
  assert.match(again.stdout, /^- 6291456 .* up\.bin$/m);
  assert.equal(await partialSize(), -1, "the partial became the file");
});

Deno.test("put over the quota is refused with used and allowed; the session goes on", async () => {
  await using server = await TestServer.start({ args: ["--log-level", "warn"] });
  await server.addUser("alice", PASSWORD, ["--quota", "1M"]);
  await using local = await tempDir("ftpx-local-");
  await Deno.writeFile(join(local.path, "small.bin"), bytes(300 * 1024));
  await Deno.writeFile(join(local.path, "big.bin"), bytes(900 * 1024));
  const result = await server.client("alice", PASSWORD, {
    stdin: "put small.bin\nput big.bin\n",
    cwd: local.path,
  });
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /error: Cannot upload "\/big\.bin" \(900K\): quota exceeded, 300K used of 1M allowed/,
  );
  const after = await server.client("alice", PASSWORD, {
    command: "rm small.bin; put big.bin; ls",
    cwd: local.path,
  });
  assert.equal(after.code, 0, after.stderr);
  assert.match(after.stdout, /^- 921600 .* big\.bin$/m);
});

Deno.test("get refuses to overwrite a local file in batch mode unless -f", async () => {
  await using server = await TestServer.start({ args: ["--log-level", "warn"] });
  await server.addUser("alice", PASSWORD);
  await using local = await tempDir("ftpx-local-");
  await Deno.writeTextFile(join(server.home("alice"), "a.txt"), "remote");
  await Deno.writeTextFile(join(local.path, "a.txt"), "precious");
  const refused = await server.client("alice", PASSWORD, { command: "get a.txt", cwd: local.path });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /error: Local file ".*a\.txt" exists: use -f to overwrite/);
  assert.equal(await Deno.readTextFile(join(local.path, "a.txt")), "precious");
  const forced = await server.client("alice", PASSWORD, {
    command: "get -f a.txt",
    cwd: local.path,
  });
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(await Deno.readTextFile(join(local.path, "a.txt")), "remote");
});

Deno.test("get -r and put -r copy trees; mget and mput follow wildcards", async () => {
  await using server = await TestServer.start({ args: ["--log-level", "warn"] });
  await server.addUser("alice", PASSWORD);
  await using local = await tempDir("ftpx-local-");
  await Deno.mkdir(join(local.path, "src/sub"), { recursive: true });
  await Deno.writeTextFile(join(local.path, "src/a.txt"), "a");
  await Deno.writeTextFile(join(local.path, "src/sub/b.txt"), "bb");
  await Deno.writeTextFile(join(local.path, "x1.log"), "1");
  await Deno.writeTextFile(join(local.path, "x2.log"), "22");
  await Deno.writeTextFile(join(local.path, "y.txt"), "y");
  const up = await server.client("alice", PASSWORD, {
    command: "put -r src tree; mput x?.log; ls; ls tree/sub",
    cwd: local.path,
  });
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stdout, /tree\/\n/);
  assert.match(up.stdout, /x1\.log\n.*x2\.log\n/);
  assert.match(up.stdout, /b\.txt\n$/);
  assert.doesNotMatch(up.stdout, /y\.txt/);

  await using down = await tempDir("ftpx-down-");
  const got = await server.client("alice", PASSWORD, {
    command: "get -r tree copy; mget *.log",
    cwd: down.path,
  });
  assert.equal(got.code, 0, got.stderr);
  assert.equal(await Deno.readTextFile(join(down.path, "copy/sub/b.txt")), "bb");
  assert.equal(await Deno.readTextFile(join(down.path, "copy/a.txt")), "a");
  assert.equal(await Deno.readTextFile(join(down.path, "x2.log")), "22");
  const none = await server.client("alice", PASSWORD, { command: "mget *.zip", cwd: down.path });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /No remote file matches "\*\.zip"/);
});

Deno.test("get -r and put -r go on into subdirectories after a failed file, and count the whole tree", async () => {
  await using server = await TestServer.start({ args: ["--log-level", "warn"] });
  await server.addUser("alice", PASSWORD, ["--quota", "10"]);
  await using local = await tempDir("ftpx-local-");
  await Deno.mkdir(join(local.path, "src/sub"), { recursive: true });
  await Deno.writeTextFile(join(local.path, "src/big.txt"), "x".repeat(100)); // over the quota
  await Deno.writeTextFile(join(local.path, "src/sub/b.txt"), "bb");
  const up = await server.client("alice", PASSWORD, {
    command: "put -r src tree",
    cwd: local.path,
  });
  assert.equal(up.code, 1);
  // Each file named by its path in the tree, and the total at the end.
  assert.match(up.stderr, /^error: src\/big\.txt: .*quota/m);
  assert.match(up.stderr, /^put src\/sub\/b\.txt: 2 in /m);
  assert.match(up.stderr, /error: put -r src: 1 of 2 files failed \(1 file, 2 in \S+s\)\n$/);
  assert.equal(await Deno.readTextFile(join(server.home("alice"), "tree/sub/b.txt")), "bb");

  await Deno.writeTextFile(join(server.home("alice"), "tree/a.txt"), "a");
  await Deno.mkdir(join(local.path, "tree"));
  await Deno.writeTextFile(join(local.path, "tree/a.txt"), "mine"); // refused without -f
  const down = await server.client("alice", PASSWORD, { command: "get -r tree", cwd: local.path });
  assert.equal(down.code, 1);
  assert.match(
    down.stderr,
    /^error: tree\/a\.txt: Local file ".*" exists: use -f to overwrite, or "mirror tree" to fetch only new and changed files$/m,
  );
  assert.match(down.stderr, /^get tree\/sub\/b\.txt: 2 in /m);
  assert.match(down.stderr, /error: get -r tree: 1 of 2 files failed \(1 file, 2 in \S+s\)\n$/);
  assert.equal(await Deno.readTextFile(join(local.path, "tree/a.txt")), "mine");
  assert.equal(await Deno.readTextFile(join(local.path, "tree/sub/b.txt")), "bb");

  const forced = await server.client("alice", PASSWORD, {
    command: "get -r -f tree",
    cwd: local.path,
  });
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /\nget -r tree: 2 files, 3 in \S+s\n$/);
});

Deno.test("rm, rmdir -r, mv, stat and checksum from the shell; errors keep the session", async () => {
  await using server = await TestServer.start({ args: ["--log-level", "warn"] });
  await server.addUser("alice", PASSWORD);
  const home = server.home("alice");
  await Deno.mkdir(join(home, "t/sub"), { recursive: true });
  await Deno.writeTextFile(join(home, "t/sub/f"), "xyz");
  await Deno.writeTextFile(join(home, "a.txt"), "hello\n");
  const result = await server.client("alice", PASSWORD, {
    stdin: [
      "stat a.txt",
      "checksum a.txt",
      "mv a.txt t/renamed.txt",
      "rmdir -r t/sub",
      "ls t",
      "rm t/renamed.txt",
      "rmdir t",
      "ls",
    ].join("\n") + "\n",
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^path: \/a\.txt\ntype: file\nsize: 6\nmodified: \S+ \S+\n/);
  assert.match(
    result.stdout,
    /5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03 {2}\/a\.txt\n/,
  );
  assert.match(result.stdout, /renamed\.txt\n$/);
  const failing = await server.client("alice", PASSWORD, { command: "rm ../../etc/passwd" });
  assert.equal(failing.code, 1);
  assert.match(failing.stderr, /error: Cannot remove "\/etc\/passwd": not found/);
});

function runClient(
  port: number,
  command: string,
  cwd: string,
  env: Record<string, string>,
  extra: string[] = [],
) {
  return runFtpx(["connect", "-P", String(port), "-u", "alice", ...extra, "-c", command], {
    cwd,
    env: { FTPX_PASSWORD: PASSWORD, ...env },
  });
}

Deno.test("transfer errors are one clear line each and leave nothing behind", async () => {
  await using server = await TestServer.start({ args: ["--log-level", "warn"] });
  await server.addUser("alice", PASSWORD);
  await using local = await tempDir("ftpx-local-");
  await Deno.mkdir(join(server.home("alice"), "dir"));
  await Deno.writeFile(join(server.home("alice"), "a.bin"), bytes(2 * MIB));
  await Deno.mkdir(join(local.path, "ldir"));
  const cases: [string, RegExp][] = [
    ["put missing.bin", /^error: Cannot read "missing\.bin": not found$/m],
    ["put ldir", /^error: Cannot upload "ldir": is a directory \(use put -r\)$/m],
    ["get nope.bin", /^error: Cannot get "nope\.bin": not found$/m],
    ["get dir", /^error: Cannot get "\/dir": is a directory \(use get -r\)$/m],
    [
      "get a.bin no/such/dir/a.bin",
      /^error: Cannot write ".*no\/such\/dir\/a\.bin": no local directory ".*no\/such\/dir"$/m,
    ],
    ["put ldir/../ldir", /is a directory/],
    ["rm /", /^error: Cannot remove "\/": it is your home$/m],
    ["reget a.bin", /^error: Nothing to resume for ".*a\.bin": no partial download \(use get\)$/m],
  ];
  for (const [command, expected] of cases) {
    const result = await server.client("alice", PASSWORD, {
      stdin: `${command}\n`,
      cwd: local.path,
    });
    assert.equal(result.code, 1, command);
    assert.match(result.stderr, expected, command);
    assert.equal(result.stderr.trim().split("\n").length, 1, `one line for "${command}"`);
  }
  const left = await Array.fromAsync(Deno.readDir(local.path));
  assert.deepEqual(left.map((e) => e.name), ["ldir"], "no partial files left behind");
});

Deno.test("who shows a running transfer as the session's activity", async () => {
  const { server, local, config, env } = await setup();
  await using _server = server;
  await using _local = local;
  await using _config = config;
  // Sparse and larger than the socket buffers, so the server is still sending when `who` runs.
  const file = await Deno.open(join(server.home("alice"), "big.bin"), {
    write: true,
    create: true,
  });
  await file.truncate(64 * MIB);
  file.close();
  await using proxy = ThrottleProxy.start(server.port, { down: 2 * MIB });
  const child = spawnFtpx(
    ["connect", "-P", String(proxy.port), "-u", "alice", "-c", "get big.bin"],
    {
      cwd: local.path,
      env: { FTPX_PASSWORD: PASSWORD, ...env },
    },
  );
  try {
    await waitFor(
      async () => await fileSize(join(local.path, "big.bin.ftpx-part")) >= MIB,
      "the download to start",
    );
    const who = await server.client("admin", server.adminPassword, { command: "who" });
    assert.equal(who.code, 0, who.stderr);
    assert.match(who.stdout, /alice .* get \/big\.bin \d+%/);
  } finally {
    child.kill("SIGKILL");
    await child.output();
  }
});

Deno.test("a resume record whose partial is gone is forgotten, and an existing target is not overwritten", async () => {
  const { server, local, config, env } = await setup();
  await using _server = server;
  await using _local = local;
  await using _config = config;
  await Deno.writeFile(join(server.home("alice"), "a.bin"), bytes(2 * MIB));
  const store = new ResumeStore(join(config.path, "resume.ini"));
  const record = (name: string) => ({
    server: `127.0.0.1:${server.port}`,
    user: "alice",
    remote: "/a.bin",
    local: join(local.path, name),
    size: 2 * MIB,
    mtime: 1,
    tag: "0123456789abcdef",
    started: 1,
  });
  await store.save(record("gone.bin"));
  await store.save(record("kept.bin"));
  await Deno.writeFile(join(local.path, "kept.bin.ftpx-part"), bytes(1000));
  await Deno.writeTextFile(join(local.path, "kept.bin"), "mine");
  const result = await runClient(server.port, "pwd", local.path, env, ["--resume"]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /kept\.bin" exists: use get -f to download it again/);
  assert.doesNotMatch(result.stderr, /gone\.bin/);
  assert.equal(await Deno.readTextFile(join(local.path, "kept.bin")), "mine");
  assert.deepEqual((await store.list(`127.0.0.1:${server.port}`, "alice")).map((r) => r.local), [
    join(local.path, "kept.bin"),
  ]);
});

Deno.test("put keeps the local file's modification time on the server", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", PASSWORD);
  await using local = await tempDir("ftpx-local-");
  const path = join(local.path, "old.txt");
  await Deno.writeTextFile(path, "written long ago");
  const then = Date.UTC(2019, 4, 17, 8, 30, 15, 250);
  await Deno.utime(path, then / 1000, then / 1000);
  const put = await server.client("alice", PASSWORD, { command: "put old.txt", cwd: local.path });
  assert.equal(put.code, 0, put.stderr);
  const stored = await Deno.stat(join(server.home("alice"), "old.txt"));
  assert.equal(stored.mtime?.getTime(), then);
});
