/**
 * Used space measured on disk: the apparent size of every regular file in a
 * home, the server's partial uploads (`.ftpx-*`) included.
 */

import { join } from "node:path";
import type { TreeSize } from "../mod.ts";

/**
 * Adds up the apparent size of every regular file under `root`, without
 * following symlinks (a link out of the home must not count what it points
 * to). Entries that vanish during the walk are skipped; a missing root is
 * empty.
 */
export async function measureTree(root: string): Promise<TreeSize> {
  const size: TreeSize = { bytes: 0, files: 0 };
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    try {
      for await (const entry of Deno.readDir(dir)) {
        const path = join(dir, entry.name);
        if (entry.isDirectory) pending.push(path);
        else if (entry.isFile) await addFile(size, path);
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return size;
}

async function addFile(size: TreeSize, path: string): Promise<void> {
  try {
    const info = await Deno.lstat(path);
    if (!info.isFile) return;
    size.bytes += info.size;
    size.files++;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
