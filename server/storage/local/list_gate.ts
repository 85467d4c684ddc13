/**
 * What a server thread's large listings may hold at once. Reading and
 * describing a directory allocates an object per entry on its way: past
 * {@linkcode LARGE_LISTINGS_AT_ONCE}, large listings wait their turn to be
 * read (each is a few milliseconds of one thread's time anyway). A listing
 * read is then held, compactly (`../listing.ts`), until its front has
 * delivered it, which takes as long as its client takes to read it: those
 * share {@linkcode LISTING_BUDGET_BYTES}, so 60 clients listing 20,000
 * entries at once no longer hold 60 listings. Small listings never wait.
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

/** The bytes of large listings a thread holds at once, read and waiting to be delivered. */
export const LISTING_BUDGET_BYTES = 24 * 1024 * 1024;
/**
 * Longest a listing waits for the budget before it goes ahead anyway: clients
 * that stop reading their listings hold their share until `transfer_timeout`
 * ends them, and must not stall everyone else's listings that long.
 */
export const LISTING_BUDGET_WAIT_MS = 5000;

/** What one listed entry costs held in a `Listing`: its columns, its name's string and slot. */
export function listingBytes(names: readonly string[]): number {
  let bytes = 0;
  for (const name of names) bytes += 48 + name.length;
  return bytes;
}

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

/**
 * A byte budget whose reservations go in order: one waits until everything
 * reserved before it fits, or until its wait is up (then it goes ahead over
 * the budget). A reservation larger than the whole budget takes all of it.
 */
export class ByteBudget {
  readonly #size: number;
  readonly #waitMs: number;
  #held = 0;
  readonly #waiting: { bytes: number; grant: () => void }[] = [];

  constructor(size: number, waitMs: number) {
    this.#size = size;
    this.#waitMs = waitMs;
  }

  /** Bytes reserved now (over the size when reservations went ahead after waiting). */
  get held(): number {
    return this.#held;
  }

  /** Reservations waiting now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Reserves `bytes`; resolves to the function that gives them back (once). */
  async reserve(bytes: number): Promise<() => void> {
    const wanted = Math.min(bytes, this.#size);
    if (this.#waiting.length > 0 || this.#held + wanted > this.#size) {
      await this.#wait(wanted);
    } else {
      this.#held += wanted;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held -= wanted;
      this.#grantWaiting();
    };
  }

  #wait(bytes: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const waiter = {
        bytes,
        grant: () => {
          clearTimeout(timer);
          this.#held += bytes;
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
        waiter.grant();
        this.#grantWaiting();
      }, this.#waitMs);
      this.#waiting.push(waiter);
    });
  }

  #grantWaiting(): void {
    while (this.#waiting.length > 0 && this.#held + this.#waiting[0]!.bytes <= this.#size) {
      this.#waiting.shift()!.grant();
    }
  }
}

/** This thread's budget for large listings held until delivered. */
export const listingBudget: ByteBudget = new ByteBudget(
  LISTING_BUDGET_BYTES,
  LISTING_BUDGET_WAIT_MS,
);
