/**
 * Brute-force defence for logins, per client address and shared by every
 * server thread and both protocols (state lives in the database):
 *
 * - at most `loginAttemptsPerMinute` attempts from one address per minute;
 * - each failure is answered after a delay that doubles with the address's
 *   recent failures, so guessing gets slower the longer it goes on;
 * - `loginBanFailures` failures within `loginBanTime` seconds ban the address
 *   for `loginBanTime` seconds: no login at all, even with the right password.
 *
 * A caller asks {@linkcode LoginGuard.begin} before checking a password (which
 * records the attempt as pending), then reports the outcome with
 * {@linkcode LoginGuard.fail} or {@linkcode LoginGuard.succeed}. Pending and
 * failed attempts count toward both limits and successful ones toward
 * neither: a burst of parallel logins from one address checks at most
 * `loginBanFailures` passwords (the rest wait for those outcomes), and a busy
 * legitimate client is bounded by the session limits, not by these. Nothing
 * here knows about frames or FTP.
 */

import { BASE_FAILURE_DELAY_MS, MAX_FAILURE_DELAY_MS, MAX_PENDING_WAIT_MS } from "../limits.ts";
import type { ServerConfig } from "../config.ts";
import type { Logger } from "../log.ts";
import type { LoginAttemptStore } from "../../store/mod.ts";

/** The settings the guard applies. */
export type LoginPolicy = Pick<
  ServerConfig,
  "loginAttemptsPerMinute" | "loginBanFailures" | "loginBanTime"
>;

/** First re-check of a login waiting for pending attempts; it doubles up to 200 ms. */
const PENDING_POLL_MS = 10;

const MINUTE_MS = 60_000;

/** Whether a login may be attempted now; a refusal carries a message for the client. */
export type LoginGate =
  | { allowed: true; attempt: number }
  | { allowed: false; reason: "banned" | "rate"; message: string; retryAfterSeconds: number };

/** What a failure costs: how long to wait before answering, and whether it got the address banned. */
export interface FailureOutcome {
  delayMs: number;
  /** Failures from this address within the ban window, this one included. */
  recentFailures: number;
  banned: boolean;
}

/** Options for {@linkcode LoginGuard}. */
export interface LoginGuardOptions {
  /** Where bans are logged. */
  log: Logger;
  /** Clock, milliseconds since the epoch; tests pass their own. */
  now?: () => number;
}

/** Per-address login accounting in the shared store. */
export class LoginGuard {
  readonly #store: LoginAttemptStore;
  readonly #policy: LoginPolicy;
  readonly #log: Logger;
  readonly #now: () => number;

  /** Applies `policy` to the attempts kept in `store`. */
  constructor(store: LoginAttemptStore, policy: LoginPolicy, options: LoginGuardOptions) {
    this.#store = store;
    this.#policy = policy;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Decides whether `address` may try a password now; if so, records the
   * attempt as pending. While the address's pending attempts could reach the
   * ban threshold, waits for them to be decided (up to
   * {@linkcode MAX_PENDING_WAIT_MS}).
   */
  async begin(address: string): Promise<LoginGate> {
    const waitUntil = performance.now() + MAX_PENDING_WAIT_MS;
    for (let poll = PENDING_POLL_MS;; poll = Math.min(poll * 2, 200)) {
      const now = this.#now();
      const gate = await this.#store.begin(address, {
        now,
        perMinute: this.#policy.loginAttemptsPerMinute,
        maxOpen: this.#policy.loginBanFailures,
        banWindowMs: this.#policy.loginBanTime * 1000,
        keepMs: Math.max(MINUTE_MS, this.#policy.loginBanTime * 1000),
      });
      if (gate.allowed) return gate;
      if (gate.reason === "banned") {
        const seconds = Math.ceil((gate.until - now) / 1000);
        return {
          allowed: false,
          reason: "banned",
          retryAfterSeconds: seconds,
          message: `Too many failed logins from ${address}: try again in ${describeWait(seconds)}`,
        };
      }
      if (gate.reason === "rate" || performance.now() + poll > waitUntil) {
        const oldest = gate.reason === "rate" ? gate.oldest : now;
        const seconds = Math.max(1, Math.ceil((oldest + MINUTE_MS - now) / 1000));
        return {
          allowed: false,
          reason: "rate",
          retryAfterSeconds: seconds,
          message: `Too many login attempts from ${address} ` +
            `(${this.#policy.loginAttemptsPerMinute} a minute): try again in ${
              describeWait(seconds)
            }`,
        };
      }
      await new Promise((resolve) => setTimeout(resolve, poll));
    }
  }

  /** Records that an attempt failed; bans the address when it has failed too often. */
  async fail(attempt: number, address: string): Promise<FailureOutcome> {
    const now = this.#now();
    const windowMs = this.#policy.loginBanTime * 1000;
    const { failures, banned } = await this.#store.fail(attempt, address, {
      now,
      windowMs,
      banAt: this.#policy.loginBanFailures,
      banUntil: now + windowMs,
    });
    if (banned) {
      this.#log.warn("address banned", {
        address,
        failures,
        seconds: this.#policy.loginBanTime,
      });
    }
    const delayMs = Math.min(
      BASE_FAILURE_DELAY_MS * 2 ** Math.max(0, failures - 1),
      MAX_FAILURE_DELAY_MS,
    );
    return { delayMs, recentFailures: failures, banned };
  }

  /** Records that an attempt begun with {@linkcode LoginGuard.begin} succeeded. */
  succeed(attempt: number): Promise<void> {
    return this.#store.succeed(attempt);
  }
}

function describeWait(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
