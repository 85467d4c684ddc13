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
 * How long listings wait for the budget while no listing gives any back,
 * before one goes ahead anyway: clients that stop reading their listings
 * hold their share until `transfer_timeout` ends them, and must not stall
 * everyone else's listings that long.
 */
export const LISTING_BUDGET_STALL_MS = 5000;

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
 * reserved before it fits. While reservations wait, the budget expects
 * progress: when nothing has been given back for the stall time (its
 * holders' clients have stopped reading), the first waiter goes ahead over
 * the budget, and so on, one per stall time. A reservation larger than the
 * whole budget takes all of it.
 */
export class ByteBudget {
  readonly #size: number;
  readonly #stallMs: number;
  #held = 0;
  readonly #waiting: { bytes: number; grant: () => void }[] = [];
  #stallTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(size: number, stallMs: number) {
    this.#size = size;
    this.#stallMs = stallMs;
  }

  /** Bytes reserved now (over the size when reservations went ahead of stalled holders). */
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
      await new Promise<void>((grant) => {
        this.#waiting.push({ bytes: wanted, grant });
        if (this.#stallTimer === undefined) this.#watchForStall();
      });
    } else {
      this.#held += wanted;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held -= wanted;
      this.#grantWaiting();
      // Progress: the stall time starts again.
      this.#watchForStall();
    };
  }

  #grantWaiting(): void {
    while (this.#waiting.length > 0 && this.#held + this.#waiting[0]!.bytes <= this.#size) {
      this.#grant();
    }
  }

  /** Grants the first waiter, counting its bytes now: the next waiters see them before it resumes. */
  #grant(): void {
    const waiter = this.#waiting.shift()!;
    this.#held += waiter.bytes;
    waiter.grant();
  }

  #watchForStall(): void {
    clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
    if (this.#waiting.length === 0) return;
    this.#stallTimer = setTimeout(() => {
      this.#stallTimer = undefined;
      this.#grant();
      this.#grantWaiting();
      this.#watchForStall();
    }, this.#stallMs);
  }
}

/** This thread's budget for large listings held until delivered. */
export const listingBudget: ByteBudget = new ByteBudget(
  LISTING_BUDGET_BYTES,
  LISTING_BUDGET_STALL_MS,
);
