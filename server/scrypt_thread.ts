/**
 * scrypt on a dedicated thread. Each password hash needs a 16 MiB buffer.
 * node:crypto's asynchronous scrypt runs on Deno's pool of blocking
 * threads, and glibc's malloc, once the first such buffer is freed, raises
 * its mmap threshold and serves the next ones from per-thread arenas that
 * keep the memory: as logins landed on more pool threads, a burst of them
 * left the server hundreds of MB bigger for good (measured by `deno task
 * bench:idle`: 82 MB fresh, 440 MB after 2,200 logins). One long-lived
 * thread per server thread, hashing synchronously, reuses one buffer, so
 * memory stays bounded however many logins come; hashes run one at a time
 * per server thread, as many at once as there are server threads (one per
 * core by default, which is what the CPU can do anyway).
 */

import type { ScryptBackend, ScryptOptions } from "./password.ts";

/** A request to the thread. */
export interface ScryptRequest {
  id: number;
  secret: Uint8Array;
  salt: Uint8Array;
  length: number;
  options: ScryptOptions;
}

/** The thread's answer: the key, or why it failed. */
export type ScryptReply = { id: number; key: Uint8Array } | { id: number; error: string };

interface Pending {
  resolve(key: Uint8Array): void;
  reject(error: Error): void;
}

/**
 * A Worker deriving scrypt keys, in order, started by the first request;
 * {@linkcode ScryptThread.derive} is a {@linkcode ScryptBackend}.
 */
export class ScryptThread {
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | undefined;
  #nextId = 1;
  #stopped: Error | null = null;

  /** Derives a key on the thread (after the requests before it). */
  derive: ScryptBackend = (secret, salt, length, options) => {
    if (this.#stopped) return Promise.reject(this.#stopped);
    const id = this.#nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      const request: ScryptRequest = { id, secret, salt, length, options };
      this.#thread().postMessage(request);
    });
  };

  /** Stops the thread; requests not answered yet fail. */
  close(): void {
    this.#stop(new Error("Password hashing thread stopped"));
  }

  #thread(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL("./scrypt_worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (event: MessageEvent<ScryptReply>) => this.#settle(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      this.#stop(new Error(`Password hashing thread failed: ${event.message}`));
    };
    this.#worker = worker;
    return worker;
  }

  #settle(reply: ScryptReply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if ("key" in reply) pending.resolve(reply.key);
    else pending.reject(new Error(`scrypt failed: ${reply.error}`));
  }

  #stop(reason: Error): void {
    if (this.#stopped) return;
    this.#stopped = reason;
    this.#worker?.terminate();
    for (const pending of this.#pending.values()) pending.reject(reason);
    this.#pending.clear();
  }
}
