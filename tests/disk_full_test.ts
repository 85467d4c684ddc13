/**
 * Disk full during an upload, on a real full file system: a small tmpfs
 * mounted as one user's home (this needs root, as CI has; elsewhere the test
 * is reported as ignored, never passed). The client gets a clear error, no
 * file appears under its final name, the partial is kept for a resume (as
 * docs/security.md says), and nothing else is damaged: the user's other
 * files, the account database, other users' uploads. The client's own disk
 * filling during a download is the same: one line, the partial and its
 * resume record kept, the session still usable.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { fileSize, runFtpx, tempDir, TestServer } from "./_spawn.ts";
import { runInTerminal } from "./_terminal.ts";

const MIB = 1024 * 1024;
const PASSWORD = "alice-full-1";

async function run(command: string, args: string[]): Promise<boolean> {
  try {
    const output = await new Deno.Command(command, { args, stdout: "null", stderr: "null" })
      .output();
    return output.success;
  } catch {
    return false;
  }
}

async function mountTmpfs(dir: string, size: string): Promise<boolean> {
  return await run("mount", ["-t", "tmpfs", "-o", `size=${size},mode=0700`, "ftpx-test", dir]);
}

async function unmount(dir: string): Promise<void> {
  await run("umount", ["-l", dir]);
}

/** Whether this machine lets the test mount a tmpfs (root, or CAP_SYS_ADMIN). */
async function canMount(): Promise<boolean> {
  const dir = await Deno.makeTempDir({ prefix: "ftpx-mount-probe-" });
  try {
    if (!await mountTmpfs(dir, "64k")) return false;
    await unmount(dir);
    return true;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

Deno.test({
  name: "disk full during an upload: clear error, partial kept, nothing else damaged",
  ignore: !await canMount(),
  async fn() {
    await using server = await TestServer.start({ args: ["--log-level", "warn"] });
    await server.addUser("alice", PASSWORD);
    await server.addUser("bob", PASSWORD);
    await using local = await tempDir("ftpx-local-");
    await Deno.writeFile(join(local.path, "keep.txt"), new TextEncoder().encode("precious\n"));
    await Deno.writeFile(join(local.path, "big.bin"), new Uint8Array(16 * MIB).fill(7));
    const home = server.home("alice");
    await Deno.mkdir(home, { recursive: true });
    assert.ok(await mountTmpfs(home, "8m"), "mounting the small file system failed");
    try {
      const kept = await server.client("alice", PASSWORD, {
        command: "put keep.txt",
        cwd: local.path,
      });
      assert.equal(kept.code, 0, kept.stderr);

      const full = await server.client("alice", PASSWORD, {
        command: "put big.bin",
        cwd: local.path,
      });
      assert.equal(full.code, 1);
      assert.match(full.stderr, /error: .*big\.bin.*no space left on the server/);
      assert.equal(await fileSize(join(home, "big.bin")), -1, "a partial file under its name");
      const partials: number[] = [];
      for await (const entry of Deno.readDir(join(home, ".ftpx-partial"))) {
        partials.push(await fileSize(join(home, ".ftpx-partial", entry.name)));
      }
      assert.equal(partials.length, 1, "the partial is kept for a resume");
      assert.ok(partials[0]! > 0 && partials[0]! < 16 * MIB);

      const after = await server.client("alice", PASSWORD, {
        command: "ls; checksum keep.txt",
        cwd: local.path,
      });
      assert.equal(after.code, 0, after.stderr);
      assert.match(after.stdout, /keep\.txt/);
      assert.doesNotMatch(after.stdout, /big\.bin/);
      assert.equal(await Deno.readTextFile(join(home, "keep.txt")), "precious\n");

      const other = await server.client("bob", PASSWORD, {
        command: "put big.bin",
        cwd: local.path,
      });
      assert.equal(other.code, 0, other.stderr);
      assert.equal(await fileSize(join(server.home("bob"), "big.bin")), 16 * MIB);

      const db = new DatabaseSync(join(server.dataDir, "ftpx.db"), { readOnly: true });
      try {
        const integrity = db.prepare("PRAGMA integrity_check").get() as { integrity_check: string };
        assert.equal(integrity.integrity_check, "ok");
      } finally {
        db.close();
      }
      const du = await runFtpx(["du", "--check", "--data", server.dataDir]);
      assert.equal(du.code, 0, du.stdout + du.stderr);
    } finally {
      await unmount(home);
    }
  },
});

Deno.test({
  name:
    "local disk full during a download: one clear line, partial and record kept, the session goes on",
  ignore: !await canMount(),
  async fn() {
    await using server = await TestServer.start({ args: ["--log-level", "warn"] });
    await server.addUser("alice", PASSWORD);
    await using local = await tempDir("ftpx-local-");
    await using config = await tempDir("ftpx-config-");
    await Deno.mkdir(server.home("alice"), { recursive: true });
    await Deno.writeFile(join(server.home("alice"), "big.bin"), new Uint8Array(6 * MIB).fill(3));
    assert.ok(await mountTmpfs(local.path, "2m"), "mounting the small file system failed");
    try {
      const result = await runInTerminal(["connect", "-P", String(server.port), "-u", "alice"], {
        env: { FTPX_PASSWORD: PASSWORD, FTPX_HOME: config.path },
        steps: [
          { expect: "ftpx alice:/> ", send: `lcd ${local.path}\r` },
          { expect: "ftpx alice:/> ", send: "get big.bin\r" },
          {
            expect: /error: Cannot write ".*big\.bin\.ftpx-part": no space left on this disk\r\n/,
          },
          { expect: "ftpx alice:/> ", send: "pwd\r" },
          { expect: "/\r\nftpx alice:/> ", send: "exit\r" },
        ],
      });
      assert.equal(result.code, 0, result.output);
      assert.equal(await fileSize(join(local.path, "big.bin")), -1, "nothing under its name");
      assert.ok(await fileSize(join(local.path, "big.bin.ftpx-part")) > 0, "the partial is kept");
      assert.match(await Deno.readTextFile(join(config.path, "resume.ini")), /remote=\/big\.bin/);
    } finally {
      await unmount(local.path);
    }
  },
});
