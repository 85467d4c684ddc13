import assert from "node:assert/strict";
import { join } from "node:path";
import { buildDeepTree, CHUNK_LEVELS, LEVEL } from "../../../tests/_deep_tree.ts";
import { hasPathLongerThan, removeLeftovers, removeTree, walkFiles } from "./deep_tree.ts";

Deno.test("walkFiles() and removeTree() handle a tree deeper than a path can name", async () => {
  const root = await Deno.makeTempDir({ prefix: "ftpx-deep-" });
  try {
    // 9,045 bytes deep: two hops of the walk.
    const built = await buildDeepTree(root, 3, 10);
    // The bottom is beyond what a path can name.
    await assert.rejects(
      Deno.lstat(`${root}/top${LEVEL.repeat(CHUNK_LEVELS)}/b${LEVEL.repeat(CHUNK_LEVELS)}`),
      /File name too long/,
    );
    const seen = { files: 0, bytes: 0 };
    await walkFiles(join(root, "top"), (info) => (seen.files++, seen.bytes += info.size));
    assert.deepEqual(seen, built);
    assert.equal(await hasPathLongerThan(join(root, "top"), 4096), true);
    const staging = join(root, ".staging");
    assert.equal(await removeTree(join(root, "top"), staging), built.bytes);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(root)), []);
    assert.equal(await removeLeftovers(staging), 0);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("removeLeftovers() removes what an interrupted removal moved aside", async () => {
  const root = await Deno.makeTempDir({ prefix: "ftpx-deep-" });
  try {
    const staging = join(root, ".staging");
    await Deno.mkdir(join(staging, "x", "y"), { recursive: true });
    await Deno.writeFile(join(staging, "x", "y", "f"), new Uint8Array(7));
    assert.equal(await removeLeftovers(staging), 7);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(root)), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("hasPathLongerThan() measures relative paths, one byte per separator, and stops early", async () => {
  const root = await Deno.makeTempDir({ prefix: "ftpx-deep-" });
  try {
    await Deno.mkdir(join(root, "ab", "cd"), { recursive: true });
    await Deno.writeTextFile(join(root, "ab", "cd", "e"), "");
    await Deno.symlink("/", join(root, "ab", "out"));
    // The longest is "/ab/cd/e": 8 bytes.
    assert.equal(await hasPathLongerThan(root, 8), false);
    assert.equal(await hasPathLongerThan(root, 7), true);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
