/**
 * One transfer's trace, the same on every front: its progress in the live
 * session table (`who`), and one log line when it ends, with the bytes moved
 * and how it ended (`complete`, `aborted` by the client, or `failed`).
 */

import type { Logger } from "../log.ts";
import type { UserSession } from "../session.ts";
import type { SessionRegistry } from "../../store/mod.ts";
import { TransferActivity } from "./activity.ts";
import { countBytes, countInFlight } from "../metrics.ts";

/** How a transfer ended. */
export type TransferResult = "complete" | "aborted" | "failed";

/** What is moving. */
export interface TransferSubject {
  direction: "download" | "upload" | "listing";
  /** Virtual path. */
  path: string;
  /** Bytes already in place (a resume). */
  offset?: number;
  /** Expected size of the whole file, when known. */
  total?: number | undefined;
  /** How `who` names it, in the front's words (`RETR /a.iso`); default `get /a.iso` or `put /a.iso`. */
  label?: string;
}

/** Records a transfer from its start to its end. */
export class TransferRecord {
  readonly #log: Logger;
  readonly #session: UserSession;
  readonly #subject: TransferSubject;
  readonly #activity: TransferActivity;
  readonly #started = performance.now();
  #bytes = 0;
  #ended = false;

  /** Starts showing the transfer in `who`. */
  constructor(
    services: { log: Logger; sessions: SessionRegistry },
    session: UserSession,
    subject: TransferSubject,
  ) {
    this.#log = services.log;
    this.#session = session;
    this.#subject = subject;
    const verb = subject.direction === "upload" ? "put" : "get";
    this.#activity = new TransferActivity(services.sessions, session.id, {
      label: subject.label ?? `${verb} ${subject.path}`,
      start: subject.offset ?? 0,
      total: subject.total,
    });
    countInFlight(session.protocol, 1);
  }

  /** Bytes moved so far by this transfer. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Records progress: `bytes` moved so far. */
  progress(bytes: number): void {
    const direction = this.#subject.direction === "upload" ? "in" : "out";
    countBytes(this.#session.protocol, direction, bytes - this.#bytes);
    this.#bytes = bytes;
    this.#activity.update(bytes);
  }

  /** Ends the record once: the session is idle again, and the outcome is logged. */
  end(result: TransferResult): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#activity.end();
    countInFlight(this.#session.protocol, -1);
    const { direction, path, offset } = this.#subject;
    this.#log.info(direction, {
      peer: this.#session.peer,
      user: this.#session.account?.name,
      path,
      offset: offset ?? 0,
      bytes: this.#bytes,
      ms: Math.round(performance.now() - this.#started),
      result,
      protocol: this.#session.protocol,
    });
  }
}
