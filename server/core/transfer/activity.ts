/**
 * Shows a running transfer in the live session table (`who`): e.g.
 * `get /big.iso 45%`, refreshed at most once a second so the database is
 * not written per chunk.
 */

import type { SessionRegistry } from "../../store/mod.ts";

const REFRESH_MS = 1000;

/** Updates one session's activity while a transfer runs. */
export class TransferActivity {
  readonly #sessions: SessionRegistry;
  readonly #sessionId: number;
  readonly #label: string;
  readonly #start: number;
  readonly #total: number | undefined;
  #shownAt = 0;

  /**
   * Starts showing `label` (e.g. `get /a.iso`). `start` bytes are already
   * done (a resume) of `total` (undefined when unknown, as in FTP uploads).
   */
  constructor(
    sessions: SessionRegistry,
    sessionId: number,
    options: { label: string; start?: number; total?: number | undefined },
  ) {
    this.#sessions = sessions;
    this.#sessionId = sessionId;
    this.#label = options.label;
    this.#start = options.start ?? 0;
    this.#total = options.total;
    this.#show(0);
  }

  /** Records progress: `done` bytes moved by this transfer so far. */
  update(done: number): void {
    const now = performance.now();
    if (now - this.#shownAt < REFRESH_MS) return;
    this.#show(done);
  }

  /** The transfer is over: the session is idle again. */
  end(): void {
    this.#record(null);
  }

  #show(done: number): void {
    this.#shownAt = performance.now();
    const position = this.#start + done;
    const progress = this.#total
      ? `${Math.floor((position / this.#total) * 100)}%`
      : `${position} bytes`;
    this.#record(`${this.#label} ${progress}`);
  }

  /** Not waited for: the display is best effort and must never slow or fail the transfer. */
  #record(activity: string | null): void {
    this.#sessions.setActivity(this.#sessionId, activity).catch(() => {});
  }
}
