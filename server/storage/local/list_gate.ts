/**
 * How many large listings a server thread reads and describes at once. A
 * listing holds its names, then an entry object per name, then its encoded
 * reply: megabytes for 20,000 entries, so 60 at once took a thread's memory
 * from 84 to 468 MiB. Past {@linkcode LARGE_LISTINGS_AT_ONCE}, large
 * listings wait their turn (each is a few milliseconds of one thread's time
 * anyway); small ones never wait.
 */

/** Large listings one server thread works on at once. */
export const LARGE_LISTINGS_AT_ONCE = 2;
/** A listing is large from this many entries. */
export const LARGE_LISTING_ENTRIES = 2000;
/**
 * A directory is large from this size (as `stat` gives it; ext4 uses a 4 KiB
 * block per 100 to 200 entries): large ones wait before they are even read.
 */
export const LARGE_DIRECTORY_BYTES = 64 * 1024;

/** A counting semaphore whose waiters go in order. */
export class Gate {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  readonly #size: number;

  constructor(size: number) {
    this.#size = size;
    this.#free = size;
  }

  /** Actions running now. */
  get active(): number {
    return this.#size - this.#free;
  }

  /** Runs `action` once a place is free, and frees it after, even if `action` throws. */
  async run<T>(action: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await action();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

/** This thread's gate for large listings. */
export const largeListings: Gate = new Gate(LARGE_LISTINGS_AT_ONCE);
