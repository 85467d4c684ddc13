/**
 * The rate limit on self-registration: attempts per client address within a
 * sliding window, counted in the store so every server thread (and every
 * restart) sees the same figures.
 */

import type { RegistrationStore } from "../../store/mod.ts";

/** How many attempts one address may make, and over how long. */
export interface RegistrationLimit {
  /** Attempts allowed per address within the window. */
  limit: number;
  /** Window length in milliseconds. */
  windowMs: number;
}

/**
 * Counts an attempt from `address` if it is under the limit. Returns 0 when
 * the attempt may go ahead, else the milliseconds until the oldest counted
 * attempt leaves the window. Old attempts of every address are forgotten on
 * the way, so the table stays small.
 */
export function takeRegistrationSlot(
  store: RegistrationStore,
  address: string,
  options: RegistrationLimit & { now?: number },
): Promise<number> {
  return store.take(address, {
    limit: options.limit,
    windowMs: options.windowMs,
    now: options.now ?? Date.now(),
  });
}
