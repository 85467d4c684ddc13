import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join, relative } from "node:path";
import { lftp, startFtpServer } from "./_ftp.ts";
import { tempDir } from "./_spawn.ts";

/** Every regular file under `root` by relative path, with its sha256. */
async function treeDigests(root: string): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  async function walk(dir: string): Promise<void> {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.name.startsWith(".ftpx-")) continue;
      if (entry.isDirectory) await walk(path);
      else {
        digests[relative(root, path)] = createHash("sha256").update(await Deno.readFile(path))
          .digest("hex");
      }
    }
  }
  await walk(root);
  return digests;
}

async function makeTree(root: string): Promise<void> {
  const files: Record<string, number> = {
    "top.txt": 10,
    "empty.txt": 0,
    "a/one.bin": 300_000,
    "a/b/two.bin": 1_500_000,
    "a/b/c/three.txt": 4096,
    "a/b/c/d/deepest.bin": 65_537,
    "with space/file name.txt": 123,
    "\u00fcnic\u00f6de/\u00e9t\u00e9.txt": 77,
  };
  for (const [path, size] of Object.entries(files)) {
    const full = join(root, path);
    await Deno.mkdir(join(full, ".."), { recursive: true });
    const bytes = new Uint8Array(size);
    for (let offset = 0; offset < size; offset += 65536) {
      crypto.getRandomValues(bytes.subarray(offset, Math.min(size, offset + 65536)));
    }
    await Deno.writeFile(full, bytes);
  }
  await Deno.mkdir(join(root, "a/empty dir"), { recursive: true });
}

Deno.test("lftp mirror -R then mirror round-trips a tree with identical checksums", async () => {
  await using server = await startFtpServer();
  await server.addUser("alice", "alice-secret");
  await using work = await tempDir();
  const source = join(work.path, "source");
  const back = join(work.path, "back");
  await makeTree(source);

  const up = await lftp(server, "alice", "alice-secret", `mirror -R --no-perms ${source} tree`, {
    cwd: work.path,
  });
  assert.equal(up.code, 0, up.stderr);
  // With permissions (lftp's default: SITE CHMOD after each file) and --verbose, no complaint.
  const again = await lftp(server, "alice", "alice-secret", `mirror -R --verbose ${source} tree2`, {
    cwd: work.path,
  });
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stdout + again.stderr, /not supported|not understood/i);
  // MFMT kept the local times (to the second, what MFMT carries).
  const seconds = async (path: string) =>
    Math.floor(((await Deno.stat(path)).mtime?.getTime() ?? 0) / 1000);
  assert.equal(
    await seconds(join(server.home("alice"), "tree2/a/one.bin")),
    await seconds(join(source, "a/one.bin")),
  );
  const expected = await treeDigests(source);
  assert.equal(Object.keys(expected).length, 8);
  assert.deepEqual(await treeDigests(join(server.home("alice"), "tree")), expected);
  assert.ok((await Deno.stat(join(server.home("alice"), "tree/a/empty dir"))).isDirectory);

  const down = await lftp(server, "alice", "alice-secret", `mirror --no-perms tree ${back}`, {
    cwd: work.path,
  });
  assert.equal(down.code, 0, down.stderr);
  assert.deepEqual(await treeDigests(back), expected);
  assert.ok((await Deno.stat(join(back, "a/empty dir"))).isDirectory);
});
