/**
 * The body of a {@linkcode ScryptThread}: derives scrypt keys one at a
 * time, synchronously, on this Worker's own thread (see `scrypt_thread.ts`
 * for why). Holds no state between requests.
 */

import { scryptSync } from "node:crypto";
import type { ScryptReply, ScryptRequest } from "./scrypt_thread.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent<ScryptRequest>) => void) | null;
  postMessage(message: ScryptReply, transfer?: Transferable[]): void;
}

const scope = globalThis as unknown as WorkerScope;

scope.onmessage = ({ data: { id, secret, salt, length, options } }) => {
  try {
    // A copy in a buffer of its own: the Buffer may share a pooled slab.
    const key = new Uint8Array(scryptSync(secret, salt, length, options));
    scope.postMessage({ id, key }, [key.buffer]);
  } catch (error) {
    scope.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
};
