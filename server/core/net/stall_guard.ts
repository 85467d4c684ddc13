/**
 * Detects a transfer that makes no progress: a client that stops reading a
 * download (its socket buffer fills and our write never completes) or stops
 * sending an upload. The session passes every write to the client and every
 * read of a request body through a guard built from `transfer_timeout`, so
 * operations that use `ctx.sink` and `ctx.reader` are covered without doing
 * anything. Code that moves bytes another way wraps each read or write with
 * {@linkcode StallGuard.watch} (or {@linkcode guardSink}) itself. The session
 * also bounds its waits (idle, an unfinished request header) with guards,
 * through {@linkcode StallGuard.begin} and {@linkcode StallGuard.end}.
 *
 * One timer per guard, re-armed only when it fires: watching an operation
 * costs a clock read, not a timer, so it is cheap at gigabytes per second
 * and at tens of thousands of requests per second.
 */

import type { ByteSink } from "../../../protocol/frame_writer.ts";

/** Options for {@linkcode StallGuard}. */
export interface StallGuardOptions {
  /** How long one read or write may stay pending, in milliseconds. */
  timeoutMs: number;
  /** Called once when an operation has been pending that long; should close the connection. */
  onStall: () => void;
}

/** Watches one stream of sequential reads or writes for an operation that never completes. */
export class StallGuard implements Disposable {
  readonly #timeoutMs: number;
  readonly #onStall: () => void;
  /** When the pending operation started; 0 when none is pending. */
  #pendingSince = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stalled = false;

  /** Creates a guard; nothing is watched until {@linkcode StallGuard.watch} is called. */
  constructor(options: StallGuardOptions) {
    this.#timeoutMs = options.timeoutMs;
    this.#onStall = options.onStall;
  }

  /** True once the guard has fired. */
  get stalled(): boolean {
    return this.#stalled;
  }

  /** Awaits `operation`; if it is still pending after the timeout, calls `onStall`. */
  async watch<T>(operation: Promise<T>): Promise<T> {
    this.begin();
    try {
      return await operation;
    } finally {
      this.end();
    }
  }

  /**
   * Marks the start of something that must end within the timeout (e.g. a
   * wait for the next request): `onStall` is called unless
   * {@linkcode StallGuard.end} comes first. Costs a clock read.
   */
  begin(): void {
    this.#pendingSince = performance.now();
    this.#arm(this.#timeoutMs);
  }

  /** Marks the end of what {@linkcode StallGuard.begin} started; safe to call when nothing is pending. */
  end(): void {
    this.#pendingSince = 0;
  }

  /** Stops watching; safe to call twice. */
  [Symbol.dispose](): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(delayMs: number): void {
    if (this.#timer !== undefined || this.#stalled) return;
    this.#timer = setTimeout(() => this.#check(), delayMs);
  }

  #check(): void {
    this.#timer = undefined;
    if (this.#pendingSince === 0) return;
    const pendingFor = performance.now() - this.#pendingSince;
    if (pendingFor < this.#timeoutMs) {
      this.#arm(this.#timeoutMs - pendingFor);
      return;
    }
    this.#stalled = true;
    this.#onStall();
  }
}

/** A sink whose every write is watched by `guard`. */
export function guardSink(sink: ByteSink, guard: StallGuard): ByteSink {
  return { write: (data) => guard.watch(sink.write(data)) };
}
