/**
 * Used space measured on disk: the apparent size of every regular file in a
 * home, the server's partial uploads (`.ftpx-*`) included.
 */

import type { TreeSize } from "../mod.ts";
import { walkFiles } from "./deep_tree.ts";

/**
 * Adds up the apparent size of every regular file under `root`, without
 * following symlinks (a link out of the home must not count what it points
 * to), at any depth, even beyond what one path can name (`deep_tree.ts`).
 * Entries that vanish during the walk are skipped; a missing root is empty.
 */
export async function measureTree(root: string): Promise<TreeSize> {
  const size: TreeSize = { bytes: 0, files: 0 };
  await walkFiles(root, (info) => {
    size.bytes += info.size;
    size.files++;
  });
  return size;
}
