import assert from "node:assert/strict";
import { join } from "node:path";
import { Vfs } from "./vfs.ts";

async function jail(): Promise<{ vfs: Vfs; home: string; outside: string } & AsyncDisposable> {
  const root = await Deno.makeTempDir({ prefix: "ftpx-vfs-ops-" });
  const home = join(root, "home");
  const outside = join(root, "outside");
  await Deno.mkdir(home);
  await Deno.mkdir(outside);
  await Deno.writeTextFile(join(outside, "secret.txt"), "secret");
  return {
    vfs: await Vfs.open(home),
    home,
    outside,
    [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }),
  };
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

Deno.test("vfs.removeFile() removes files and links, never directories or what links point to", async () => {
  await using j = await jail();
  await Deno.writeTextFile(join(j.home, "a.txt"), "12345");
  await Deno.mkdir(join(j.home, "d"));
  await Deno.symlink(join(j.outside, "secret.txt"), join(j.home, "link"));
  assert.equal(await j.vfs.removeFile("/a.txt"), 5);
  assert.equal(await exists(join(j.home, "a.txt")), false);
  assert.equal(await j.vfs.removeFile("/link"), 0);
  assert.equal(await exists(join(j.home, "link")), false);
  assert.equal(await Deno.readTextFile(join(j.outside, "secret.txt")), "secret");
  await assert.rejects(j.vfs.removeFile("/d"), {
    kind: "is_a_directory",
    message: 'Cannot remove "/d": is a directory (use rmdir)',
  });
  await assert.rejects(j.vfs.removeFile("/"), { kind: "is_a_directory" });
  await assert.rejects(j.vfs.removeFile("/missing"), {
    kind: "not_found",
    message: 'Cannot remove "/missing": not found',
  });
});

Deno.test("vfs.removeDirectory() -r stays inside the home and counts freed bytes", async () => {
  await using j = await jail();
  await Deno.mkdir(join(j.home, "t/sub"), { recursive: true });
  await Deno.writeTextFile(join(j.home, "t/a"), "abc");
  await Deno.writeTextFile(join(j.home, "t/sub/b"), "defg");
  await Deno.symlink(j.outside, join(j.home, "t/sub/out"));
  await Deno.symlink(j.outside, join(j.home, "outlink"));
  await assert.rejects(j.vfs.removeDirectory("/t"), { kind: "not_empty" });
  await assert.rejects(j.vfs.removeDirectory("/outlink", { recursive: true }), {
    kind: "not_a_directory",
  });
  await assert.rejects(j.vfs.removeDirectory("/", { recursive: true }), { kind: "forbidden" });
  const climbed = j.vfs.normalize("/t", "../../outside");
  assert.equal(climbed, "/outside");
  await assert.rejects(j.vfs.removeDirectory(climbed, { recursive: true }), { kind: "not_found" });
  await assert.rejects(j.vfs.removeDirectory("/../outside", { recursive: true }), {
    kind: "forbidden",
  });
  assert.equal(await j.vfs.removeDirectory("/t", { recursive: true }), 7);
  assert.equal(await exists(join(j.home, "t")), false);
  assert.equal(await Deno.readTextFile(join(j.outside, "secret.txt")), "secret");
  await Deno.mkdir(join(j.home, "empty"));
  assert.equal(await j.vfs.removeDirectory("/empty"), 0);
});

Deno.test("vfs.rename() moves within the home only, into directories, replacing files", async () => {
  await using j = await jail();
  await Deno.writeTextFile(join(j.home, "a"), "aaa");
  await Deno.writeTextFile(join(j.home, "b"), "bbbbbb");
  await Deno.mkdir(join(j.home, "dir"));
  await Deno.symlink(j.outside, join(j.home, "out"));
  assert.deepEqual(await j.vfs.rename("/a", "/dir"), { to: "/dir/a", replaced: 0 });
  assert.equal(await Deno.readTextFile(join(j.home, "dir/a")), "aaa");
  assert.deepEqual(await j.vfs.rename("/b", "/dir/a"), { to: "/dir/a", replaced: 3 });
  assert.equal(await Deno.readTextFile(join(j.home, "dir/a")), "bbbbbb");
  await assert.rejects(j.vfs.rename("/dir/a", "/out"), { kind: "forbidden" });
  await assert.rejects(j.vfs.rename("/dir/a", "/out/stolen"), { kind: "forbidden" });
  assert.equal(await exists(join(j.outside, "a")), false);
  await assert.rejects(j.vfs.rename("/missing", "/x"), {
    kind: "not_found",
    message: 'Cannot move "/missing": not found',
  });
  await assert.rejects(j.vfs.rename("/", "/x"), { kind: "forbidden" });
  await assert.rejects(j.vfs.rename("/dir", "/dir/inside"), { kind: "bad_request" });
  // Moving the link itself is fine: its target stays where it is.
  assert.deepEqual(await j.vfs.rename("/out", "/renamed"), { to: "/renamed", replaced: 0 });
  assert.equal(await Deno.readTextFile(join(j.outside, "secret.txt")), "secret");
});

Deno.test("vfs.setModified() sets a file's or directory's time, never through a link out", async () => {
  await using j = await jail();
  await Deno.writeTextFile(join(j.home, "a.txt"), "12345");
  await Deno.mkdir(join(j.home, "d"));
  await Deno.symlink(join(j.outside, "secret.txt"), join(j.home, "link"));
  const outsideBefore = (await Deno.stat(join(j.outside, "secret.txt"))).mtime;
  const when = Date.UTC(2020, 1, 2, 3, 4, 5);
  await j.vfs.setModified("/a.txt", when);
  await j.vfs.setModified("/d", when);
  assert.equal((await Deno.stat(join(j.home, "a.txt"))).mtime?.getTime(), when);
  assert.equal((await Deno.stat(join(j.home, "d"))).mtime?.getTime(), when);
  await assert.rejects(j.vfs.setModified("/link", when), { kind: "forbidden" });
  await assert.rejects(j.vfs.setModified("/missing", when), {
    kind: "not_found",
    message: 'Cannot set the time of "/missing": not found',
  });
  assert.deepEqual((await Deno.stat(join(j.outside, "secret.txt"))).mtime, outsideBefore);
});
