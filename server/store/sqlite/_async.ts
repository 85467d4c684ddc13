/**
 * The SQLite backend runs each call synchronously (a statement takes
 * microseconds) and answers through a promise, as the store interfaces ask.
 * A check-and-change runs whole inside one synchronous transaction, so no
 * other request of the thread can interleave with it.
 */

/** Runs `work` now; its result or error comes back as a settled promise. */
export function settled<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error);
  }
}
