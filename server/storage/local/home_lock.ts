/**
 * Per-home reader/writer locks shared by every server thread.
 *
 * Deno has no `openat`/`O_NOFOLLOW` walk, so the jail checks a path and then
 * uses it, and another session of the same user could rename a symlink
 * leading out over a directory of that path in between (see
 * docs/security.md, "Races with the user's other sessions"). The jail closes
 * that gap by serialising each home's namespace changes (renames, removals)
 * against its path resolutions: a change holds its home's lock exclusively,
 * a request that resolves a path and then acts on it holds it shared, from
 * before the resolution until after the act.
 *
 * The locks live in one `SharedArrayBuffer` the main thread creates and
 * hands to each server thread at start ({@linkcode useHomeLockTable}), so
 * sessions of one user on different threads see the same lock. Homes are
 * hashed onto a fixed table of {@linkcode HOME_LOCK_SLOTS} slots: two homes
 * may share a slot (they then wait for each other, never more). Waiting uses
 * `Atomics.waitAsync`, so a thread's event loop never blocks: its other
 * sessions run on.
 *
 * A lock is released in a `finally`, so a holder that throws releases it. A
 * server thread that dies stops the whole server (`serve.ts`), and the table
 * dies with the process, so a lock held by a dead thread is never waited on
 * for long; a waiter gives up after {@linkcode HOME_LOCK_WAIT_MS} anyway and
 * the request fails with `unavailable` rather than hanging.
 *
 * Writers are preferred: once one waits, new readers wait behind it, so a
 * stream of listings cannot starve a rename. A holder must therefore never
 * take its home's lock again while holding it (the jail's public methods
 * take it once; their helpers never do).
 */

import { OperationError } from "../../core/errors.ts";

/** Lock slots in the shared table (two 32-bit cells each: 32 KiB in all). */
export const HOME_LOCK_SLOTS = 4096;
/** Longest a request waits for its home's lock before failing with `unavailable`. */
export const HOME_LOCK_WAIT_MS = 30_000;

/** Cells of a slot: `[state, waiting writers]`; state is readers (> 0), free (0) or a writer. */
const CELLS_PER_SLOT = 2;
const WRITER = -1;

let table: Int32Array | null = null;

/** Makes the buffer of a new, free lock table (to share with {@linkcode useHomeLockTable}). */
export function createHomeLockBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(HOME_LOCK_SLOTS * CELLS_PER_SLOT * Int32Array.BYTES_PER_ELEMENT);
}

/**
 * Makes this thread use the lock table in `buffer` (shared with the other
 * threads). Without it a thread uses a table of its own, made on first use:
 * right for a process with one thread working on homes (host commands, tests).
 */
export function useHomeLockTable(buffer: SharedArrayBuffer): void {
  if (buffer.byteLength !== HOME_LOCK_SLOTS * CELLS_PER_SLOT * Int32Array.BYTES_PER_ELEMENT) {
    throw new RangeError(`Home lock table of ${buffer.byteLength} bytes: not one of ours`);
  }
  table = new Int32Array(buffer);
}

/** The buffer of this thread's lock table, to hand to threads it starts. */
export function homeLockBuffer(): SharedArrayBuffer {
  return currentTable().buffer as SharedArrayBuffer;
}

function currentTable(): Int32Array {
  table ??= new Int32Array(createHomeLockBuffer());
  return table;
}

/** The lock of the home at real path `home` (its slot in this thread's table). */
export function homeLock(home: string): HomeLock {
  return new HomeLock(currentTable(), slotOf(home));
}

/** FNV-1a of the path's UTF-16 code units, onto the table's slots. */
function slotOf(home: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < home.length; index++) {
    hash ^= home.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % HOME_LOCK_SLOTS;
}

/** One slot of the table: a reader/writer lock. */
export class HomeLock {
  readonly #cells: Int32Array;
  readonly #state: number;
  readonly #waiting: number;

  /** Use {@linkcode homeLock}. */
  constructor(cells: Int32Array, slot: number) {
    this.#cells = cells;
    this.#state = slot * CELLS_PER_SLOT;
    this.#waiting = this.#state + 1;
  }

  /** Runs `action` holding the lock shared (with other readers, no writer). */
  async shared<T>(action: () => Promise<T> | T): Promise<T> {
    await this.#acquireShared();
    try {
      return await action();
    } finally {
      if (Atomics.sub(this.#cells, this.#state, 1) === 1) this.#wake();
    }
  }

  /** Runs `action` holding the lock alone. */
  async exclusive<T>(action: () => Promise<T> | T): Promise<T> {
    await this.#acquireExclusive();
    try {
      return await action();
    } finally {
      Atomics.store(this.#cells, this.#state, 0);
      this.#wake();
    }
  }

  async #acquireShared(): Promise<void> {
    const deadline = performance.now() + HOME_LOCK_WAIT_MS;
    while (true) {
      const state = Atomics.load(this.#cells, this.#state);
      if (state >= 0 && Atomics.load(this.#cells, this.#waiting) === 0) {
        if (Atomics.compareExchange(this.#cells, this.#state, state, state + 1) === state) return;
        continue;
      }
      // A writer holds it or waits for it: sleep until the state changes (each release wakes).
      await this.#waitWhile(state, deadline);
    }
  }

  async #acquireExclusive(): Promise<void> {
    const deadline = performance.now() + HOME_LOCK_WAIT_MS;
    Atomics.add(this.#cells, this.#waiting, 1);
    try {
      while (true) {
        const state = Atomics.compareExchange(this.#cells, this.#state, 0, WRITER);
        if (state === 0) return;
        await this.#waitWhile(state, deadline);
      }
    } finally {
      // Readers held back by this writer may go (behind it, if it got the lock).
      Atomics.sub(this.#cells, this.#waiting, 1);
      this.#wake();
    }
  }

  /** Waits until the state is no longer `state` (or a wake-up); throws once past `deadline`. */
  async #waitWhile(state: number, deadline: number): Promise<void> {
    const left = deadline - performance.now();
    if (left <= 0) {
      throw new OperationError(
        "unavailable",
        "Your files are busy with another of your requests: try again",
      );
    }
    const wait = Atomics.waitAsync(this.#cells, this.#state, state, left);
    if (!wait.async) return;
    // A pending waitAsync alone does not keep Deno's event loop alive: a timer does.
    const keepAlive = setTimeout(() => {}, left);
    try {
      await wait.value;
    } finally {
      clearTimeout(keepAlive);
    }
  }

  #wake(): void {
    Atomics.notify(this.#cells, this.#state);
  }
}
