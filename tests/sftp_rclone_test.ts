/**
 * SFTP end to end with a second client: rclone (Debian's), whose SFTP is
 * Go's x/crypto/ssh and pkg/sftp rather than OpenSSH. A small tree goes up,
 * is listed, comes back down and is checked; then moveto, delete, rmdirs and
 * about (statvfs with the quota), with a password and with a key.
 */

import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import { bytes, fileSha256 } from "./_data.ts";
import { keyCommand, makeKey, type SftpTestServer, startSftpServer } from "./_sftp.ts";
import { runProgram, type RunResult, tempDir } from "./_spawn.ts";

const PASSWORD = "alice-secret-1";

/** How rclone logs in: a password (obscured, as rclone wants it) or a private key file. */
type RcloneLogin = { password: string } | { key: string };

/** Runs rclone with the server as remote `fx:` (from the environment: no config file of its own). */
async function rclone(
  server: SftpTestServer,
  root: string,
  login: RcloneLogin,
  args: string[],
): Promise<RunResult> {
  const auth: Record<string, string> = "key" in login
    ? { RCLONE_CONFIG_FX_KEY_FILE: login.key }
    : { RCLONE_CONFIG_FX_PASS: await obscure(login.password) };
  return await runProgram("rclone", [...args, "--contimeout", "10s", "--timeout", "30s"], {
    env: {
      RCLONE_CONFIG: join(root, "rclone.conf"),
      RCLONE_CONFIG_FX_TYPE: "sftp",
      RCLONE_CONFIG_FX_HOST: "127.0.0.1",
      RCLONE_CONFIG_FX_PORT: String(server.sftpPort),
      RCLONE_CONFIG_FX_USER: "alice",
      RCLONE_CONFIG_FX_KNOWN_HOSTS_FILE: await knownHosts(server, root),
      ...auth,
      HOME: root,
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    },
  });
}

async function obscure(password: string): Promise<string> {
  const obscured = await runProgram("rclone", ["obscure", password]);
  if (obscured.code !== 0) throw new Error(`rclone obscure failed: ${obscured.stderr}`);
  return obscured.stdout.trim();
}

/** A known_hosts file naming the server as rclone looks it up: `[127.0.0.1]:PORT`. */
async function knownHosts(server: SftpTestServer, root: string): Promise<string> {
  const path = join(root, "known_hosts");
  const publicLine = await Deno.readTextFile(join(server.dataDir, "sftp_host_ed25519_key.pub"));
  await Deno.writeTextFile(path, `[127.0.0.1]:${server.sftpPort} ${publicLine.trim()}\n`);
  return path;
}

/** Writes a small tree (a few nested folders, sizes 0 to ~300 KiB); returns its relative paths. */
async function makeTree(root: string): Promise<string[]> {
  const paths: string[] = [];
  for (let index = 0; index < 12; index++) {
    const path = join(`d${index % 3}`, `s${index % 2}`, `file ${index}.bin`);
    await Deno.mkdir(join(root, dirname(path)), { recursive: true });
    await Deno.writeFile(join(root, path), bytes((index * 27_103) % 300_000, index));
    paths.push(path);
  }
  return paths.sort();
}

/** Relative path -> sha256 of every file under `root` (hidden partials skipped). */
async function digests(root: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  async function walk(dir: string): Promise<void> {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) {
        if (!entry.name.startsWith(".")) await walk(path);
      } else found[relative(root, path)] = await fileSha256(path);
    }
  }
  await walk(root);
  return found;
}

function assertRan(result: RunResult, what: string): void {
  assert.equal(result.code, 0, `${what} failed:\n${result.stderr}`);
}

Deno.test("rclone over SFTP: copy up, lsjson, copy down, check, moveto, delete, rmdirs, about", async () => {
  await using dir = await tempDir("ftpx-sftp-rclone-");
  await using server = await startSftpServer();
  await server.addUser("alice", PASSWORD, ["--quota", "10M"]);
  const login = { password: PASSWORD };
  const local = join(dir.path, "tree");
  const paths = await makeTree(local);

  const up = await rclone(server, dir.path, login, ["copy", "-vv", local, "fx:tree"]);
  assertRan(up, "copy up");
  // rclone asks for md5sum and sha1sum by exec: each is refused as a command, in a channel of
  // its own, and it goes on without remote hashes.
  assert.match(up.stderr, /Setting hash command for md5 to "none"/);
  assert.doesNotMatch(up.stderr, /rejected: connect failed/);
  assert.deepEqual(await digests(join(server.home("alice"), "tree")), await digests(local));

  const listed = await rclone(server, dir.path, login, ["lsjson", "-R", "--files-only", "fx:tree"]);
  assertRan(listed, "lsjson");
  const entries = JSON.parse(listed.stdout) as { Path: string; Size: number }[];
  assert.deepEqual(entries.map((entry) => entry.Path).sort(), paths);
  for (const entry of entries) {
    assert.equal(entry.Size, (await Deno.stat(join(local, entry.Path))).size, entry.Path);
  }

  const back = join(dir.path, "back");
  assertRan(await rclone(server, dir.path, login, ["copy", "fx:tree", back]), "copy down");
  assert.deepEqual(await digests(back), await digests(local));
  // The server runs no commands, so rclone has no remote hash: --download compares the bytes.
  assertRan(
    await rclone(server, dir.path, login, ["check", "--download", local, "fx:tree"]),
    "check",
  );

  assertRan(
    await rclone(server, dir.path, login, ["moveto", "fx:tree/d0/s0/file 0.bin", "fx:moved.bin"]),
    "moveto",
  );
  const home = server.home("alice");
  assert.equal(await Deno.stat(join(home, "tree/d0/s0/file 0.bin")).catch(() => null), null);
  assert.equal((await Deno.stat(join(home, "moved.bin"))).size, 0);

  assertRan(await rclone(server, dir.path, login, ["delete", "fx:tree/d1"]), "delete");
  assertRan(await rclone(server, dir.path, login, ["rmdirs", "fx:tree"]), "rmdirs");
  const left = await rclone(server, dir.path, login, ["lsf", "-R", "fx:"]);
  assertRan(left, "lsf");
  assert.doesNotMatch(left.stdout, /d1\//);
  assert.match(left.stdout, /^moved\.bin$/m);
  assert.match(left.stdout, /^tree\/d2\/s1\/file 5\.bin$/m);

  const about = await rclone(server, dir.path, login, ["about", "--json", "fx:"]);
  assertRan(about, "about");
  const usage = JSON.parse(about.stdout) as { total: number; used: number; free: number };
  assert.equal(usage.total, 10 * 1024 * 1024);
  assert.equal(usage.total - usage.free, usage.used);
  assert.ok(usage.used > 0, about.stdout);
  await server.stop();
  assert.match(server.log, /upload .*path="\/tree\/d2\/s1\/file 5\.bin" .*result=complete/);
});

Deno.test("rclone over SFTP: a key login, and a wrong password refused", async () => {
  await using dir = await tempDir("ftpx-sftp-rclone-");
  await using server = await startSftpServer();
  await server.addUser("alice", PASSWORD);
  const key = await makeKey(dir.path, "alice_ed25519");
  assertRan(await keyCommand(server, ["add", "alice", `${key}.pub`]), "ftpx key add");
  await Deno.writeTextFile(join(dir.path, "note.txt"), "by key\n");
  const byKey = { key };
  assertRan(
    await rclone(server, dir.path, byKey, ["copyto", join(dir.path, "note.txt"), "fx:note.txt"]),
    "copyto",
  );
  const read = await rclone(server, dir.path, byKey, ["cat", "fx:note.txt"]);
  assertRan(read, "cat");
  assert.equal(read.stdout, "by key\n");
  const refused = await rclone(server, dir.path, { password: "wrong-password" }, [
    "lsf",
    "--retries",
    "1",
    "--low-level-retries",
    "1",
    "fx:",
  ]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /unable to authenticate/);
});
