/**
 * Password hashing for the server threads, done on the main thread. Each
 * hash needs a 16 MiB buffer. node:crypto's asynchronous scrypt runs on
 * Deno's pool of blocking threads, and glibc's malloc, once the first such
 * buffer is freed, raises its mmap threshold and serves the next ones from
 * per-thread arenas that keep the memory: as logins landed on more pool
 * threads, a burst of them left the server hundreds of MB bigger for good
 * (measured by `deno task bench:idle`: 82 MB fresh, 440 MB after 2,200
 * logins). A Worker of its own per server thread fixed that but cost an
 * isolate and a buffer each (~30 MB per core). The main thread only
 * supervises the server threads, so it hashes for all of them, one hash at
 * a time, synchronously, reusing one buffer: memory stays flat however many
 * logins come, and a burst of logins (or a brute-force attempt) takes one
 * core at most, never the cores serving sessions. The main thread also
 * keeps the node lease (`boot/node_lease.ts`): each hash is a task of its
 * own, so the heartbeat waits for one hash at most, never for a burst.
 *
 * Each server thread gets one end of a `MessageChannel`
 * ({@linkcode ScryptClient}); the main thread answers on the other
 * ({@linkcode answerScryptRequests}).
 */

import { scryptSync } from "node:crypto";
import type { ScryptBackend, ScryptOptions } from "./password.ts";

/** A request from a server thread. */
export interface ScryptRequest {
  id: number;
  secret: Uint8Array;
  salt: Uint8Array;
  length: number;
  options: ScryptOptions;
}

/** The answer: the key, or why it failed. */
export type ScryptReply = { id: number; key: Uint8Array } | { id: number; error: string };

/**
 * Derives keys for the requests arriving on `port`, in order, on this thread,
 * letting its timers and I/O run between two hashes: queued messages are
 * delivered back to back, so hashing in the handler held everything else on
 * the thread (the node lease's heartbeat) until a whole burst was done.
 */
export function answerScryptRequests(port: MessagePort): void {
  const queue: ScryptRequest[] = [];
  let draining = false;
  const drain = async () => {
    draining = true;
    while (queue.length > 0) {
      // Each hash in a task of its own, after whatever came due meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 0));
      answer(port, queue.shift()!);
    }
    draining = false;
  };
  port.onmessage = ({ data }: MessageEvent<ScryptRequest>) => {
    queue.push(data);
    if (!draining) drain();
  };
}

/** Derives one key and posts it (or why it failed) back. */
function answer(port: MessagePort, { id, secret, salt, length, options }: ScryptRequest): void {
  let key: Uint8Array<ArrayBuffer>;
  try {
    // A copy in a buffer of its own: the Buffer may share a pooled slab.
    key = new Uint8Array(scryptSync(secret, salt, length, options));
  } catch (error) {
    port.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
    return;
  }
  port.postMessage({ id, key } satisfies ScryptReply, [key.buffer]);
}

interface Pending {
  resolve(key: Uint8Array): void;
  reject(error: Error): void;
}

/**
 * The server thread's end: {@linkcode ScryptClient.derive} is a
 * {@linkcode ScryptBackend} sending each request to the thread answering
 * on the other end of `port`.
 */
export class ScryptClient {
  readonly #port: MessagePort;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #closed = false;

  constructor(port: MessagePort) {
    this.#port = port;
    port.onmessage = (event: MessageEvent<ScryptReply>) => this.#settle(event.data);
  }

  /** Derives a key on the other end (after the requests before it). */
  derive: ScryptBackend = (secret, salt, length, options) => {
    if (this.#closed) return Promise.reject(stoppedError());
    const id = this.#nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      const request: ScryptRequest = { id, secret, salt, length, options };
      this.#port.postMessage(request);
    });
  };

  /** Closes this end; requests not answered yet fail. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#port.close();
    for (const pending of this.#pending.values()) pending.reject(stoppedError());
    this.#pending.clear();
  }

  #settle(reply: ScryptReply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if ("key" in reply) pending.resolve(reply.key);
    else pending.reject(new Error(`scrypt failed: ${reply.error}`));
  }
}

function stoppedError(): Error {
  return new Error("Password hashing stopped");
}
