/**
 * Shared by the traversal tests of both protocols: hostile paths, a home
 * with symlinks planted to lead out of it, and snapshots of what lies
 * outside, to prove nothing there was read or changed.
 */

import assert from "node:assert/strict";
import { join } from "node:path";

/** A name planted outside the home; no reply may contain it unless the request did. */
export const SENTINEL = "sentinel-9d2f.txt";

/** Paths that try to leave the home, by text or through the planted symlinks. */
export const HOSTILE_PATHS = [
  "..",
  "../",
  "../..",
  "../bob",
  `../bob/${SENTINEL}`,
  "/../bob",
  "/../../outside",
  `/../../outside/${SENTINEL}`,
  "a/../../bob",
  "~/../bob",
  "~bob",
  "./../bob",
  "....//bob",
  "..%2fbob",
  "%2e%2e/bob",
  "link-out",
  `link-out/${SENTINEL}`,
  "link-out/new-dir",
  "link-out/..",
  "link-bob",
  `link-bob/${SENTINEL}`,
  "dangling",
  "dangling/new-dir",
  "inside/../../bob",
];

/** The directories the attacks aim at, with secrets in them. */
export interface TraversalScene {
  /** A directory beside the data dir. */
  outside: string;
  /** Another user's home. */
  bobHome: string;
  /** (Re)plants the symlinks in the attacker's home: an operation may remove them legitimately. */
  plantLinks(): Promise<void>;
  /** Fails unless `outside` and bob's home are exactly as they were when set up. */
  assertUntouched(): Promise<void>;
}

/** Prepares `outside`, bob's home and alice's home with `inside/` for a traversal test. */
export async function setUpTraversal(
  dataDir: string,
  aliceHome: string,
  bobHome: string,
): Promise<TraversalScene> {
  const outside = join(dataDir, "..", "outside");
  await Deno.mkdir(outside);
  await Deno.writeTextFile(join(outside, SENTINEL), "outside secret");
  await Deno.mkdir(bobHome, { recursive: true });
  await Deno.writeTextFile(join(bobHome, SENTINEL), "bob's secret");
  await Deno.mkdir(join(aliceHome, "inside"), { recursive: true });
  const plantLinks = async () => {
    const links: [string, string][] = [
      [outside, "link-out"],
      ["../bob", "link-bob"],
      [join(outside, "not-yet"), "dangling"],
    ];
    for (const [target, name] of links) {
      await Deno.remove(join(aliceHome, name), { recursive: true }).catch(() => {});
      await Deno.symlink(target, join(aliceHome, name));
    }
  };
  await plantLinks();
  const outsideBefore = await snapshot(outside);
  const bobBefore = await snapshot(bobHome);
  const assertUntouched = async () => {
    assert.deepEqual(await snapshot(outside), outsideBefore, "something changed outside");
    assert.deepEqual(await snapshot(bobHome), bobBefore, "something changed in another home");
  };
  return { outside, bobHome, plantLinks, assertUntouched };
}

/** Every entry under `dir` with its type and content, to compare before and after. */
export async function snapshot(dir: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(current: string): Promise<void> {
    for await (const entry of Deno.readDir(current)) {
      const path = join(current, entry.name);
      const info = await Deno.lstat(path);
      const content = info.isFile ? await Deno.readTextFile(path) : "";
      found.push(
        `${path} ${info.isSymlink ? "link" : info.isDirectory ? "dir" : "file"} ${content}`,
      );
      if (info.isDirectory) await walk(path);
    }
  }
  await walk(dir);
  return found.sort();
}

/** Every path in the data dir outside `home`, the account database aside: nothing may appear there. */
export async function pathsOutsideHome(dataDir: string, home: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(dir: string): Promise<void> {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (path === home || /ftpx\.db/.test(entry.name)) continue;
      found.push(path);
      if (entry.isDirectory) await walk(path);
    }
  }
  await walk(dataDir);
  return found.sort();
}
