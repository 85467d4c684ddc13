/**
 * Cuts a transfer that moves, but too slowly: a client trickling an upload
 * one byte a second never stalls (each read completes), so the
 * `StallGuard` alone lets it hold a session, a partial file and a quota
 * reservation for as long as it likes. Every read or write of a transfer is
 * passed through {@linkcode RateGuard.measure}, which adds up the time it
 * was pending and the bytes it moved; once the pending time reaches the
 * window, the rate over it must be at least `min_rate`, or `onSlow` is
 * called. Only time spent waiting on the client counts (not our disk, not
 * the time between requests), so a slow server never cuts its clients.
 * Checks happen as operations complete, without a timer: one operation
 * that never completes is the `StallGuard`'s case.
 */

/** Options for {@linkcode RateGuard}. */
export interface RateGuardOptions {
  /** Bytes a second the transfer must average over the window; 0 turns the guard off. */
  minRate: number;
  /** Pending time, in milliseconds, the rate is measured over. */
  windowMs: number;
  /** Called once when a window ends below `minRate`; should end the transfer. */
  onSlow: () => void;
}

/** Measures one stream of sequential reads or writes against a minimum rate. */
export class RateGuard {
  readonly #minRate: number;
  readonly #windowMs: number;
  readonly #onSlow: () => void;
  #pendingMs = 0;
  #bytes = 0;
  #slow = false;

  /** Creates a guard; nothing is measured until {@linkcode RateGuard.measure} is called. */
  constructor(options: RateGuardOptions) {
    this.#minRate = options.minRate;
    this.#windowMs = options.windowMs;
    this.#onSlow = options.onSlow;
  }

  /** True once the guard has fired. */
  get slow(): boolean {
    return this.#slow;
  }

  /** Awaits `operation` and counts its time and the bytes `bytesOf` says it moved. */
  async measure<T>(operation: Promise<T>, bytesOf: (result: T) => number): Promise<T> {
    if (this.#minRate === 0 || this.#slow) return await operation;
    const started = performance.now();
    let moved = 0;
    try {
      const result = await operation;
      moved = bytesOf(result);
      return result;
    } finally {
      this.#count(performance.now() - started, moved);
    }
  }

  #count(pendingMs: number, bytes: number): void {
    this.#pendingMs += pendingMs;
    this.#bytes += bytes;
    if (this.#pendingMs < this.#windowMs) return;
    if (this.#bytes < this.#minRate * this.#pendingMs / 1000) {
      this.#slow = true;
      this.#onSlow();
      return;
    }
    this.#pendingMs = 0;
    this.#bytes = 0;
  }
}

/** Bytes a read moved: its count, or 0 at the end of the stream. */
export function readCount(count: number | null): number {
  return count ?? 0;
}
