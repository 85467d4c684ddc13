/**
 * A user's session as every front has it: who is connected from where,
 * their account and home once logged in, and the current directory. Each
 * front's session state extends this with what only that protocol needs.
 */

import type { Account } from "./accounts.ts";
import type { HomeStorage } from "../storage/mod.ts";

/** The front-neutral part of a session. */
export interface UserSession {
  /** Id in the session registry. */
  readonly id: number;
  /** `address:port` of the client, for logs. */
  readonly peer: string;
  /** The client's IP address (no port), for the per-address limits. */
  readonly address: string;
  /** Front name added to log lines (`ftp`, `sftp`...); undefined for the native protocol. */
  readonly protocol?: string | undefined;
  /** Set by a login. */
  account: Account | undefined;
  /** The user's home, set with `account`. */
  home: HomeStorage | undefined;
  /** Fingerprint of the public key the session logged in with (SFTP); undefined for a password. */
  loginKey?: string | undefined;
  /** Current virtual directory. */
  cwd: string;
  /** Failed logins on this connection. */
  loginFailures: number;
  /** When set, the session closes after sending the current reply. */
  closeAfterReply: boolean;
}

/** A logged-in session's account and home; a front's dispatch guarantees them for user requests. */
export function signedIn(session: UserSession): { account: Account; home: HomeStorage } {
  const { account, home } = session;
  if (!account || !home) throw new Error("Request requires login but session has none");
  return { account, home };
}
