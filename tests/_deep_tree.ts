/** Trees deeper than a path can name, built as the host could (for du and rmdir -r tests). */

import { join } from "node:path";

/** One level of a deep tree: long names make a path long in few levels (PATH_MAX counts bytes). */
export const LEVEL = "/" + "a".repeat(200);
/** Levels of one chunk of a deep tree (3,015 bytes): well under PATH_MAX. */
export const CHUNK_LEVELS = 15;

/**
 * Builds `root/top/aaa.../aaa...` of `chunks` x {@linkcode CHUNK_LEVELS} levels
 * (deeper than any path can name), a file of `fileBytes` at the bottom and
 * one in the middle of each chunk, as the host could: each chunk made in a
 * shallow place, then moved into the bottom of the one above it.
 * No `Deno.chdir` (tests run in parallel in one process).
 */
export async function buildDeepTree(
  root: string,
  chunks: number,
  fileBytes: number,
): Promise<{ files: number; bytes: number }> {
  const chain = LEVEL.repeat(CHUNK_LEVELS);
  let below: string | null = null;
  let files = 0;
  for (let chunk = chunks - 1; chunk >= 0; chunk--) {
    const top = join(root, chunk === 0 ? "top" : `.chunk${chunk}`);
    await Deno.mkdir(top + chain, { recursive: true });
    await Deno.writeFile(
      `${top}${LEVEL.repeat(CHUNK_LEVELS / 3)}/middle`,
      new Uint8Array(fileBytes),
    );
    files++;
    if (below === null) {
      await Deno.writeFile(`${top}${chain}/bottom`, new Uint8Array(fileBytes));
      files++;
    } else await Deno.rename(below, `${top}${chain}/b`);
    below = top;
  }
  return { files, bytes: files * fileBytes };
}
