/**
 * The jail's second line against swaps: a creation that lands outside the
 * home (a symlink leading out renamed over a directory of its path right
 * before the call, from inside the call, where no lock can help) is undone
 * and refused. And the first line: a rename waits for a resolution in progress.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { OperationError } from "../../core/errors.ts";
import { Vfs } from "./vfs.ts";

interface Scene extends AsyncDisposable {
  vfs: Vfs;
  home: string;
  outside: string;
  /** Renames the link leading out over `/x` (x kept as `x-was`). */
  swapIn: () => Promise<void>;
}

async function scene(): Promise<Scene> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "ftpx-vfs-race-" }));
  const home = join(root, "home");
  const outside = join(root, "outside");
  await Deno.mkdir(join(home, "x"), { recursive: true });
  await Deno.mkdir(outside);
  await Deno.symlink(outside, join(home, "out-dir"));
  const { rename } = Deno;
  return {
    vfs: await Vfs.open(home),
    home,
    outside,
    swapIn: async () => {
      await rename(join(home, "x"), join(home, "x-was"));
      await rename(join(home, "out-dir"), join(home, "x"));
    },
    [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }),
  };
}

/**
 * Runs `before` right before the next call of `Deno[name]` whose last path
 * ends with `suffix`, as if another session won the race.
 */
function beforeNext(
  name: "mkdir" | "rename",
  suffix: string,
  before: () => Promise<void>,
): Disposable {
  const original = Deno[name] as (...args: unknown[]) => Promise<void>;
  const restore = () => Object.assign(Deno, { [name]: original });
  Object.assign(Deno, {
    [name]: async (...args: unknown[]) => {
      const path = String(args[name === "mkdir" ? 0 : 1]);
      if (!path.endsWith(suffix)) return await original(...args);
      restore();
      await before();
      return await original(...args);
    },
  });
  return { [Symbol.dispose]: restore };
}

async function names(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((entry) => entry.name).sort();
}

Deno.test("Vfs.mkdir() undoes a directory that landed outside through a link swapped in during the call", async () => {
  for (const parents of [false, true]) {
    await using s = await scene();
    using _race = beforeNext("mkdir", "/x/new", s.swapIn);
    const error = await s.vfs.mkdir("/x/new", { parents }).catch((error) => error);
    assert.ok(error instanceof OperationError, String(error));
    assert.equal(error.kind, "forbidden");
    assert.equal(error.message, 'Cannot create "/x/new": outside your home');
    assert.deepEqual(await names(s.outside), [], `parents: ${parents}`);
  }
});

Deno.test("Vfs.commitPartial() takes an upload that landed outside back as its partial", async () => {
  await using s = await scene();
  const name = "0123456789abcdef";
  await Deno.writeTextFile(await s.vfs.partialFile(name), "upload");
  {
    using _race = beforeNext("rename", "/x/f.txt", s.swapIn);
    const error = await s.vfs.commitPartial(name, "/x/f.txt").catch((error) => error);
    assert.ok(error instanceof OperationError, String(error));
    assert.equal(error.message, 'Cannot write "/x/f.txt": outside your home');
  }
  assert.deepEqual(await names(s.outside), []);
  assert.equal(await Deno.readTextFile(await s.vfs.partialFile(name)), "upload", "kept to retry");
});

Deno.test("Vfs.rename() waits for a path resolution in progress in another session (the home lock)", async () => {
  await using s = await scene();
  await Deno.writeTextFile(join(s.home, "x", "f.txt"), "inside");
  const { realPath } = Deno;
  let release = () => {};
  const held = new Promise<void>((resolve) => release = resolve);
  let renamed: Promise<unknown> | null = null;
  let renamedDuringStat = false;
  Object.assign(Deno, {
    realPath: async (path: string) => {
      Object.assign(Deno, { realPath });
      // The stat has resolved nothing yet; the other session tries to swap now.
      renamed = s.vfs.rename("/x", "/x-was");
      for (let turn = 0; turn < 20; turn++) await new Promise((done) => setTimeout(done, 0));
      renamedDuringStat = await Deno.lstat(join(s.home, "x-was")).then(() => true, () => false);
      release();
      return await realPath(path);
    },
  });
  try {
    const entry = await s.vfs.stat("/x/f.txt");
    assert.equal(entry.size, 6);
  } finally {
    Object.assign(Deno, { realPath });
  }
  await held;
  await renamed;
  assert.equal(renamedDuringStat, false, "the rename waited for the stat");
  assert.ok((await Deno.lstat(join(s.home, "x-was"))).isDirectory, "then it was made");
});
