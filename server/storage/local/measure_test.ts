import assert from "node:assert/strict";
import { join } from "node:path";
import { measureTree } from "./measure.ts";

Deno.test("measureTree() adds file sizes in nested dirs, partial uploads included", async () => {
  const root = await Deno.makeTempDir({ prefix: "ftpx-usage-" });
  try {
    await Deno.mkdir(join(root, "a/b"), { recursive: true });
    await Deno.writeFile(join(root, "one"), new Uint8Array(100));
    await Deno.writeFile(join(root, "a/b/two"), new Uint8Array(2000));
    await Deno.writeFile(join(root, "a/.ftpx-part-x"), new Uint8Array(30));
    const sparse = await Deno.open(join(root, "sparse"), { write: true, create: true });
    await sparse.truncate(5 * 1024 ** 3);
    sparse.close();
    assert.deepEqual(await measureTree(root), { bytes: 2130 + 5 * 1024 ** 3, files: 4 });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("measureTree() does not follow symlinks and treats a missing root as empty", async () => {
  const root = await Deno.makeTempDir({ prefix: "ftpx-usage-" });
  const outside = await Deno.makeTempDir({ prefix: "ftpx-usage-out-" });
  try {
    await Deno.writeFile(join(outside, "big"), new Uint8Array(4096));
    await Deno.symlink(outside, join(root, "dir-link"));
    await Deno.symlink(join(outside, "big"), join(root, "file-link"));
    await Deno.writeFile(join(root, "own"), new Uint8Array(7));
    assert.deepEqual(await measureTree(root), { bytes: 7, files: 1 });
    assert.deepEqual(await measureTree(join(root, "missing")), { bytes: 0, files: 0 });
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});
