/**
 * Trees deeper than one path can name. Linux refuses a path argument of
 * PATH_MAX (4096) bytes or more (`ENAMETOOLONG`), yet a directory can sit
 * deeper than that (a directory moved into the bottom of another, or a tree
 * the host made), and Deno has no `openat` to walk it relative to an open
 * directory, and `Deno.chdir` is process-wide (the server has several
 * threads). So:
 *
 * - reading ({@linkcode walkFiles}, for `ftpx du` and the measure at server
 *   start) reaches a directory too deep to name through a symlink to an
 *   ancestor that is not, made in a temporary directory of its own
 *   (`/tmp/ftpx-walk-*`, removed after); each such hop is one more symlink
 *   the kernel follows per call, and it follows at most 40, so a walk goes
 *   {@linkcode MAX_HOPS} hops deep at most, about 100 KB of path;
 * - removing ({@linkcode removeTree}) moves a directory too deep to name up
 *   to a shallow hidden place in the same home, and carries on there: any
 *   depth.
 *
 * Nothing here follows a symlink of the tree itself: directories are known
 * from the directory read, which does not follow links.
 */

import { MAX_NAME_BYTES } from "../../../protocol/limits.ts";

/**
 * Longest path handed to one file system call during a walk: PATH_MAX (4096)
 * with room to spare; a directory is named directly only if its entries'
 * paths (its own, `/`, a name of up to 255 bytes) fit.
 */
export const WALK_PATH_BYTES = 3584;
/**
 * Deepest a tree may be for `rmdir -r` to remove it in one native call:
 * `Deno.remove` keeps a descriptor open per level, so a deep tree could run
 * the server out of descriptors. Deeper trees are removed entry by entry.
 */
export const NATIVE_REMOVE_MAX_LEVELS = 64;
/** Symlink hops a walk may chain (the kernel follows at most 40 per call). */
export const MAX_HOPS = 30;

const encoder = new TextEncoder();

function byteLength(text: string): number {
  return encoder.encode(text).length;
}

/** True when the entries of directory `path` have paths short enough to name. */
function entriesFit(path: string): boolean {
  return byteLength(path) + 1 + MAX_NAME_BYTES <= WALK_PATH_BYTES;
}

/** A directory to read: named `base/rel` (or `base`), through `hops` symlinks of the walk. */
interface Place {
  base: string;
  rel: string;
  hops: number;
}

function nameOf(place: Place): string {
  return place.rel === "" ? place.base : `${place.base}/${place.rel}`;
}

/**
 * Calls `onFile` with the info (`lstat`) of every regular file under `root`,
 * at any depth, without following symlinks. Entries that vanish during the
 * walk are skipped; a missing root has none.
 *
 * @throws {RangeError} for a tree deeper than {@linkcode MAX_HOPS} hops of
 * {@linkcode WALK_PATH_BYTES} (about 100 KB of path).
 */
export async function walkFiles(
  root: string,
  onFile: (info: Deno.FileInfo) => void,
): Promise<void> {
  let hops: string | null = null;
  let made = 0;
  const reach = async (parent: Place, name: string): Promise<Place> => {
    const place = { ...parent, rel: parent.rel === "" ? name : `${parent.rel}/${name}` };
    if (entriesFit(nameOf(place))) return place;
    if (parent.hops >= MAX_HOPS) {
      throw new RangeError(`Cannot walk "${root}": deeper than ${MAX_HOPS} hops can reach`);
    }
    // The parent could be named: a symlink to it names the child shortly.
    hops ??= await Deno.makeTempDir({ prefix: "ftpx-walk-" });
    const link = `${hops}/${made++}`;
    await Deno.symlink(nameOf(parent), link);
    return { base: link, rel: name, hops: parent.hops + 1 };
  };
  try {
    const pending: Place[] = [{ base: root, rel: "", hops: 0 }];
    while (pending.length > 0) {
      const place = pending.pop()!;
      const dir = nameOf(place);
      let entries: Deno.DirEntry[];
      try {
        entries = await Array.fromAsync(Deno.readDir(dir));
      } catch (error) {
        if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
          continue;
        }
        throw error;
      }
      for (const entry of entries) {
        if (entry.isDirectory) pending.push(await reach(place, entry.name));
        else if (entry.isFile) {
          const info = await Deno.lstat(`${dir}/${entry.name}`).catch(notFoundAsNull);
          if (info?.isFile) onFile(info);
        }
      }
    }
  } finally {
    if (hops !== null) await Deno.remove(hops, { recursive: true }).catch(() => {});
  }
}

/**
 * Removes directory `real` and everything in it, without following symlinks;
 * returns the bytes of the regular files removed. A tree deeper than
 * {@linkcode NATIVE_REMOVE_MAX_LEVELS} levels or than one path can name is
 * removed entry by entry, each directory too deep to name first moved to
 * `staging` (a hidden directory of the same home, made on demand and removed
 * when empty). The caller holds the home's lock exclusively.
 */
export async function removeTree(real: string, staging: string): Promise<number> {
  const bytes = await shallowTreeBytes(real);
  if (bytes !== null) {
    await Deno.remove(real, { recursive: true });
    return bytes;
  }
  return await removeStaged(real, staging);
}

/**
 * Removes what an interrupted {@linkcode removeTree} left in `staging` (a
 * server stopped mid-way); returns the bytes freed.
 */
export async function removeLeftovers(staging: string): Promise<number> {
  if (await Deno.lstat(staging).catch(notFoundAsNull) === null) return 0;
  return await removeStaged(staging, staging);
}

/** Bytes of the files of a tree no deeper than the native removal allows; null if deeper. */
async function shallowTreeBytes(real: string): Promise<number | null> {
  let total = 0;
  const pending: [string, number][] = [[real, 0]];
  while (pending.length > 0) {
    const [dir, level] = pending.pop()!;
    if (level > NATIVE_REMOVE_MAX_LEVELS || !entriesFit(dir)) return null;
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) pending.push([path, level + 1]);
      else if (entry.isFile) total += (await Deno.lstat(path)).size;
    }
  }
  return total;
}

/** Removes a tree depth first, one entry at a time, holding no descriptor open between steps. */
async function removeStaged(real: string, staging: string): Promise<number> {
  let freed = 0;
  const frames: { path: string; dirs: string[] | null }[] = [{ path: real, dirs: null }];
  while (frames.length > 0) {
    const frame = frames.at(-1)!;
    if (frame.dirs === null) {
      frame.dirs = [];
      // Read whole before removing: a directory changed while read may skip entries.
      for (const entry of await Array.fromAsync(Deno.readDir(frame.path))) {
        const path = `${frame.path}/${entry.name}`;
        if (entry.isDirectory) {
          frame.dirs.push(entry.name);
          continue;
        }
        const info = await Deno.lstat(path);
        await Deno.remove(path);
        if (info.isFile) freed += info.size;
      }
    }
    const name = frame.dirs.pop();
    if (name === undefined) {
      frames.pop();
      if (frame.path !== staging) await Deno.remove(frame.path);
      continue;
    }
    let path = `${frame.path}/${name}`;
    if (!entriesFit(path)) {
      await Deno.mkdir(staging, { recursive: true, mode: 0o700 });
      const moved = `${staging}/${crypto.randomUUID()}`;
      await Deno.rename(path, moved);
      path = moved;
    }
    frames.push({ path, dirs: null });
  }
  // Empty now unless another removal of the same home uses it (none: the lock is exclusive).
  await Deno.remove(staging).catch(() => {});
  return freed;
}

/**
 * Whether some entry under directory `real` has a relative path (`/a/b`,
 * one byte per separator) longer than `budget` bytes. Stops at the first;
 * reads no deeper than `budget` allows. A directory too deep to read counts
 * as too long.
 */
export async function hasPathLongerThan(real: string, budget: number): Promise<boolean> {
  const pending: [string, number][] = [[real, 0]];
  while (pending.length > 0) {
    const [dir, length] = pending.pop()!;
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      if (!entriesFit(dir)) return true;
      throw error;
    }
    for (const entry of entries) {
      const longer = length + 1 + byteLength(entry.name);
      if (longer > budget) return true;
      if (entry.isDirectory) pending.push([`${dir}/${entry.name}`, longer]);
    }
  }
  return false;
}

function notFoundAsNull(error: unknown): null {
  if (error instanceof Deno.errors.NotFound) return null;
  throw error;
}
