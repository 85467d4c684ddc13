/**
 * When a synchronous file system call may run on the event loop. One costs a
 * few microseconds where its asynchronous twin costs tens (a round trip
 * through Deno's blocking thread pool, more on a loaded machine), but on a
 * cold disk it would stall every session of the thread for a seek or worse.
 * So the jail makes synchronous calls only where they can't wait on the disk
 * for long:
 *
 * - on paths resolved moments ago ({@linkcode SyncFs.isHot}): their directory
 *   entries and inodes are in the kernel's caches; a directory is read whole
 *   that way only if it was listed moments ago with few enough entries and
 *   has not changed since ({@linkcode SyncFs.listedEntries}: a directory
 *   another session grew, or swapped in under the name, is a stranger);
 * - in short slices (listings), yielding to other sessions in between;
 * - for file content read in chunks (downloads), each chunk sent before the
 *   next is read, so other sessions run in between;
 * - never while the disk has just shown itself slow: every synchronous call
 *   is timed ({@linkcode SyncFs.run}). Within a second, if
 *   {@linkcode SLOW_CALLS_TO_TURN_OFF} calls took over
 *   {@linkcode SLOW_SYNC_CALL_MS}, and they were at least one in
 *   {@linkcode SLOW_CALL_RATIO} of that second's calls, synchronous calls
 *   turn off for the thread for {@linkcode SYNC_COOL_DOWN_MS}: everything
 *   goes asynchronous. A busy CPU looks different: with more runnable
 *   threads than cores, a thread is preempted in the middle of a call now and
 *   then (2 to 60 ms, a few dozen times a minute at load 4 on 2 cores), but
 *   among tens of thousands of fast calls; a cold disk makes a large share of
 *   calls slow (every read of file content, one stat in a dozen or so in a
 *   listing). Turning synchronous calls off under a busy CPU would make it
 *   worse: their asynchronous twins cost several times the CPU. So a cold
 *   disk costs at most a few stalled calls every few seconds per thread. A
 *   single call over {@linkcode STALLED_SYNC_CALL_MS} (a hung disk, or a
 *   directory far bigger than it was, swapped in by another thread between
 *   the check and the read) turns them off at once: one stall per
 *   {@linkcode SYNC_COOL_DOWN_MS} at most.
 *
 * Only speed depends on this: a synchronous call and its asynchronous twin
 * return the same result, and every check is made on that result.
 */

/**
 * A synchronous call slower than this waited on the disk, or was preempted.
 * A cached stat takes microseconds, a 256 KiB read from the page cache tens
 * of them; a seek on a spinning disk takes milliseconds.
 */
export const SLOW_SYNC_CALL_MS = 2;

/**
 * One call this much slower than expected held every session of the thread
 * for longer than any preemption seen (2 to 60 ms): it turns synchronous
 * calls off at once. Calls that slow could never add up to
 * {@linkcode SLOW_CALLS_TO_TURN_OFF} within a window.
 */
export const STALLED_SYNC_CALL_MS = 200;

/** This many slow calls within {@linkcode SLOW_CALL_WINDOW_MS} ... */
export const SLOW_CALLS_TO_TURN_OFF = 3;

/** ... when at least one call in this many was slow ... */
export const SLOW_CALL_RATIO = 100;

/** ... mean a cold disk. */
export const SLOW_CALL_WINDOW_MS = 1_000;

/** How long synchronous calls stay off then. */
export const SYNC_COOL_DOWN_MS = 5_000;

/** A path resolved within this long is hot. */
export const HOT_PATH_MS = 10_000;

/** Most hot paths remembered per thread (the least recently used are forgotten first). */
export const MAX_HOT_PATHS = 1024;

interface HotPath {
  /** When it was last resolved or listed. */
  at: number;
  /** Entries of the directory at its last listing; null if never listed. */
  entries: number | null;
  /** What identified the directory then (see {@linkcode directoryStamp}); null if never listed. */
  stamp: string | null;
}

/** Decides when synchronous calls are safe, for one thread; see the module doc. */
export class SyncFs {
  /** Real path (as joined, before resolving) -> when it was last seen, and its size if listed. */
  readonly #hot = new Map<string, HotPath>();
  #offUntil = 0;
  /** Synchronous calls, and slow ones, since `#windowStart`. */
  #calls = 0;
  #slowCalls = 0;
  #windowStart = 0;

  /** False for a while after slow synchronous calls. */
  get enabled(): boolean {
    return performance.now() >= this.#offUntil;
  }

  /** True if synchronous calls are on and `path` was resolved within {@linkcode HOT_PATH_MS}. */
  isHot(path: string): boolean {
    const seen = this.#hot.get(path);
    return seen !== undefined && performance.now() - seen.at < HOT_PATH_MS && this.enabled;
  }

  /**
   * Entries of directory `path` when it was last listed, if it is remembered
   * and is still the same directory, unchanged (its `stamp` is the same);
   * else null.
   */
  listedEntries(path: string, stamp: string): number | null {
    const seen = this.#hot.get(path);
    return seen?.stamp === stamp ? seen.entries : null;
  }

  /** Records that `path` was just resolved (it exists, and its inodes are cached). */
  touch(path: string): void {
    const seen = this.#hot.get(path);
    this.#remember(path, seen?.entries ?? null, seen?.stamp ?? null);
  }

  /** Records that directory `path`, identified by `stamp`, was just listed, with `entries` entries. */
  listed(path: string, entries: number, stamp: string): void {
    this.#remember(path, entries, stamp);
  }

  #remember(path: string, entries: number | null, stamp: string | null): void {
    this.#hot.delete(path);
    this.#hot.set(path, { at: performance.now(), entries, stamp });
    if (this.#hot.size > MAX_HOT_PATHS) {
      this.#hot.delete(this.#hot.keys().next().value!);
    }
  }

  /**
   * The synchronous call (timed, see {@linkcode SyncFs.run}) while synchronous
   * calls are on, else the asynchronous one. For calls on an open file (a
   * read, an fstat), which need no path lookup.
   */
  preferSync<T>(sync: () => T, async: () => Promise<T>): T | Promise<T> {
    return this.enabled ? this.run(sync) : async();
  }

  /**
   * Runs a synchronous call, timing it; slow ones turn synchronous calls off
   * for a while (see the module doc). `expectedMs` is what the call costs on
   * a warm cache (e.g. a whole directory read): only time beyond it counts.
   */
  run<T>(call: () => T, expectedMs = 0): T {
    const started = performance.now();
    try {
      return call();
    } finally {
      const beyond = performance.now() - started - expectedMs;
      if (beyond > STALLED_SYNC_CALL_MS) this.#turnOff();
      else this.#count(started, beyond > SLOW_SYNC_CALL_MS);
    }
  }

  #turnOff(): void {
    this.#offUntil = performance.now() + SYNC_COOL_DOWN_MS;
    this.#calls = this.#slowCalls = 0;
  }

  #count(at: number, slow: boolean): void {
    if (at - this.#windowStart > SLOW_CALL_WINDOW_MS) {
      this.#windowStart = at;
      this.#calls = this.#slowCalls = 0;
    }
    this.#calls++;
    if (!slow) return;
    this.#slowCalls++;
    if (
      this.#slowCalls >= SLOW_CALLS_TO_TURN_OFF &&
      this.#slowCalls * SLOW_CALL_RATIO >= this.#calls
    ) {
      this.#turnOff();
    }
  }
}

/**
 * Identifies a directory and its content's version: its inode, and its size
 * and times, which change whenever an entry is added, removed or renamed.
 */
export function directoryStamp(info: Deno.FileInfo): string {
  return [info.dev, info.ino, info.size, info.mtime?.getTime(), info.ctime?.getTime()].join(":");
}

/** The thread's instance: every jail of a server thread shares what it knows of the disk. */
export const syncFs: SyncFs = new SyncFs();
