/**
 * A token bucket bounding a transfer's rate: `take(bytes)` resolves once the
 * bytes may move, so the sender or receiver waits instead of moving them at
 * once. The bucket holds at most a quarter second's worth (and at least one
 * chunk), so a pause is not made up for by a burst.
 */

import { TRANSFER_CHUNK_BYTES } from "./buffers.ts";

/** Bytes per second of one transfer. */
export class RateLimit {
  readonly #bytesPerSecond: number;
  readonly #capacity: number;
  #tokens: number;
  #refilledAt = performance.now();

  /** A limit of `bytesPerSecond` (a positive integer). */
  constructor(bytesPerSecond: number) {
    if (!Number.isSafeInteger(bytesPerSecond) || bytesPerSecond <= 0) {
      throw new RangeError(`Invalid rate ${bytesPerSecond}`);
    }
    this.#bytesPerSecond = bytesPerSecond;
    this.#capacity = Math.max(bytesPerSecond / 4, TRANSFER_CHUNK_BYTES);
    this.#tokens = this.#capacity;
  }

  /** Waits until `bytes` may move at this rate, then counts them as moved. */
  async take(bytes: number): Promise<void> {
    this.#refill();
    this.#tokens -= bytes;
    if (this.#tokens >= 0) return;
    const waitMs = (-this.#tokens / this.#bytesPerSecond) * 1000;
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }

  #refill(): void {
    const now = performance.now();
    const earned = ((now - this.#refilledAt) / 1000) * this.#bytesPerSecond;
    this.#tokens = Math.min(this.#capacity, this.#tokens + earned);
    this.#refilledAt = now;
  }
}

/** The limit for a transfer: the account's own rate, else the server's; null for none. */
export function rateLimitOf(accountRate: number, serverRate: number): RateLimit | null {
  const rate = accountRate > 0 ? accountRate : serverRate;
  return rate > 0 ? new RateLimit(rate) : null;
}
