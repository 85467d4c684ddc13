/**
 * The server's shared state, behind asynchronous interfaces so that a
 * networked database can sit behind them: accounts, the quota ledger and its
 * reservations, partial-upload records, the sha256 cache, live sessions,
 * login attempts and bans, and registration attempts.
 *
 * A backend is a folder that implements {@linkcode Stores} (`sqlite/` is the
 * one in the data dir, `postgres/` the one for several nodes) and passes the
 * contract tests in `store_contract.ts`.
 * Every method that checks and changes (a quota reservation, a login attempt,
 * a session slot) is atomic in the backend, so server threads and nodes
 * acting at once cannot overshoot a limit. Nothing here knows about files,
 * fronts or the policies applied on top (those are in `core/`).
 *
 * @module
 */

/** An account as stored, password hash included (only `core/auth` reads the hash). */
export interface AccountRecord {
  id: number;
  name: string;
  passwordHash: string;
  admin: boolean;
  /** Quota in bytes; 0 means unlimited. */
  quota: number;
  /** Bytes the home uses, as tracked incrementally. */
  used: number;
  disabled: boolean;
  /** Download and upload rate limits, bytes per second; 0 = the server's default. */
  rateDown: number;
  rateUp: number;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Last successful login, milliseconds since the epoch. */
  lastLogin: number | null;
}

/** What a new account is stored with. */
export interface NewAccountRecord {
  name: string;
  passwordHash: string;
  admin: boolean;
  quota: number;
  /** Rate limits in bytes per second; 0 (the default) = the server's default. */
  rateDown?: number;
  rateUp?: number;
  createdAt: number;
}

/** Fields {@linkcode AccountStore.update} may change. */
export interface AccountChanges {
  passwordHash?: string;
  quota?: number;
  disabled?: boolean;
  rateDown?: number;
  rateUp?: number;
}

/** Accounts, by name and id. */
export interface AccountStore {
  count(): Promise<number>;
  byName(name: string): Promise<AccountRecord | undefined>;
  byId(id: number): Promise<AccountRecord | undefined>;
  /** All accounts, by name. */
  list(): Promise<AccountRecord[]>;
  /** Stores a new account (its used space counts as measured); throws `exists` for a taken name. */
  insert(account: NewAccountRecord): Promise<AccountRecord>;
  /** Changes an account; undefined when there is no such account. */
  update(name: string, changes: AccountChanges): Promise<AccountRecord | undefined>;
  recordLogin(id: number, at: number): Promise<void>;
  /** Deletes an account with its reservations and partial records; false if it was gone. */
  delete(id: number): Promise<boolean>;
  /**
   * Sets used space to `measured` only if it is still `expected` and no
   * upload of the account is in flight; false if it didn't.
   */
  replaceUsed(name: string, expected: number, measured: number): Promise<boolean>;
  /** Accounts whose used space was never measured on disk (from an older data dir). */
  unmeasured(): Promise<{ id: number; name: string; used: number }[]>;
  /** Stores a measured used space and marks it measured. */
  setMeasured(id: number, bytes: number): Promise<void>;
  /**
   * A value that changes whenever any account may have changed, by anyone
   * (this connection, another thread, a host command): while it stays the
   * same, an account read earlier is still current.
   */
  changeStamp(): Promise<string>;
}

/** A user's space: used, reserved by uploads in flight, and the quota (0 = unlimited). */
export interface Usage {
  used: number;
  reserved: number;
  quota: number;
}

/** Space held by one upload in flight. */
export interface Reservation {
  readonly id: number;
  readonly userId: number;
  /** The partial file's name (unique per user while the upload runs). */
  readonly partial: string;
  /** Partial length already counted in used space when the upload began. */
  readonly base: number;
  /** Bytes this upload may write past `base`. */
  reserved: number;
  /**
   * Bytes counted in used space that this upload's commit will free (the
   * file it copied to append to): not counted against its own checks.
   */
  readonly credit: number;
}

/** What {@linkcode QuotaLedger.reserve} needs. */
export interface ReserveOptions {
  /** Partial file the upload writes. */
  partial: string;
  /** Partial length the upload starts from. */
  base: number;
  /** Bytes to reserve past `base`. */
  bytes: number;
  /** Change to apply to used space at once (negative when an old partial is cut to `base`). */
  usedDelta?: number;
  /** See {@linkcode Reservation.credit}; default 0. */
  credit?: number;
  /** Names the upload in errors, e.g. `"/docs/a.pdf"`. */
  what: string;
}

/** A reservation left by a server that stopped without ending its upload. */
export interface LeftReservation {
  id: number;
  userId: number;
  partial: string;
  base: number;
}

/**
 * Used space and reservations. `reserve` and `extend` check and take space
 * in one atomic step, throwing `quota_exceeded` (an `OperationError`) when
 * the space is not there.
 */
export interface QuotaLedger {
  usage(userId: number): Promise<Usage>;
  /** Throws `quota_exceeded` unless `bytes` more would fit now (reserves nothing). */
  check(userId: number, bytes: number, what: string): Promise<void>;
  reserve(userId: number, options: ReserveOptions): Promise<Reservation>;
  /** Grows a reservation by `bytes` (uploads of undeclared size). */
  extend(reservation: Reservation, bytes: number, what: string): Promise<void>;
  /** Ends a reservation; used space grows by `usedDelta`. */
  settle(reservation: Reservation, usedDelta: number): Promise<void>;
  /** Changes used space (after rm, rmdir -r, a replacing mv), never below 0. */
  adjust(userId: number, delta: number): Promise<void>;
  /** Reservations left by a stopped server (read at start, before any session). */
  leftReservations(): Promise<LeftReservation[]>;
  /**
   * Reservations of `node` while it is released ({@linkcode NodeRegistry.releaseExpired}):
   * none once it has joined again, so a live node's uploads are never taken.
   */
  releasedReservations(node: string): Promise<LeftReservation[]>;
  /** Charges what a left reservation's upload wrote and drops it, in one step. */
  settleLeft(reservation: LeftReservation, usedDelta: number): Promise<void>;
}

/** One partial upload, kept so that a later upload of the same file resumes. */
export interface PartialRecord {
  userId: number;
  /** Virtual path the upload will get when committed. */
  path: string;
  /** File name under the home's partial directory. */
  partial: string;
  /** Declared full size, when the client gave one. */
  size: number | null;
  /** The client's identity of its source file, when given. */
  source: string | null;
  /** Last time the upload made progress, milliseconds since the epoch. */
  updatedAt: number;
}

/** Records of partial uploads. */
export interface PartialStore {
  get(userId: number, path: string): Promise<PartialRecord | undefined>;
  /** Creates or replaces the record of an upload to `path`. */
  save(record: Omit<PartialRecord, "updatedAt">): Promise<void>;
  /** Marks an upload as recently active. */
  touch(userId: number, path: string): Promise<void>;
  delete(userId: number, path: string): Promise<void>;
  /** Records idle since before `cutoff` whose upload is not running now. */
  staleSince(cutoff: number): Promise<PartialRecord[]>;
}

/** One version of a stored file: the cache key of its digest. */
export interface FileVersion {
  dev: number;
  ino: number;
  size: number;
  /** Milliseconds since the epoch. */
  mtime: number;
}

/** Whole-file sha256 digests by file version, shared by every thread. */
export interface HashCache {
  get(version: FileVersion): Promise<string | null>;
  set(version: FileVersion, sha256: string): Promise<void>;
}

/** One live session, as `who` shows it. */
export interface LiveSession {
  id: number;
  /** The node serving it (`node_id`). */
  node: string;
  /** Client IP address. */
  address: string;
  port: number;
  /** `ftpx` (native), `ftp`, ... */
  protocol: string;
  /** Logged-in user, or null before login. */
  user: string | null;
  /** Connection time, milliseconds since the epoch. */
  since: number;
  /** What the session is doing now, e.g. a transfer; null when idle. */
  activity: string | null;
}

/** Session limits for {@linkcode SessionRegistry.openWithin}. */
export interface SessionLimits {
  maxTotal: number;
  maxPerAddress: number;
}

/** Live sessions of every server thread, for `who` and the session limits. */
export interface SessionRegistry {
  /** Forgets every session (at server start: rows left by a crash are stale). */
  reset(): Promise<void>;
  /** Records a new connection unless that exceeds a limit; counting and inserting are atomic. */
  openWithin(
    address: string,
    port: number,
    protocol: string,
    limits: SessionLimits,
  ): Promise<{ id: number } | { full: "total" | "address"; count: number }>;
  setUser(id: number, user: string): Promise<void>;
  /** Records what a session is doing (null: idle). */
  setActivity(id: number, activity: string | null): Promise<void>;
  close(id: number): Promise<void>;
  /** Forgets the sessions of `node` while it is released; returns how many. */
  closeReleased(node: string): Promise<number>;
  countByAddress(address: string): Promise<number>;
  count(): Promise<number>;
  /** Every live session, oldest first. */
  list(): Promise<LiveSession[]>;
  /**
   * Asks the session to end (an administrator ending it from any thread or
   * node): its front sees it at its next request. False when there is no
   * such session. Changes the account store's change stamp, so the cheap
   * per-request recheck notices.
   */
  requestEnd(id: number): Promise<boolean>;
  /** Whether {@linkcode SessionRegistry.requestEnd} was called for the session (or it is gone). */
  endRequested(id: number): Promise<boolean>;
}

/**
 * A browser session of the HTTP front. The cookie's token is never stored,
 * only its sha256, so a copy of the database logs no one in.
 */
export interface WebSessionRecord {
  tokenHash: string;
  /** Its row in the live-session registry (`who`); removing that row ends this session. */
  sessionId: number;
  userId: number;
  /** The account's credential stamp at login: a changed password ends the session. */
  credential: string;
  /** The anti-CSRF token the page sends back in a header. */
  csrf: string;
  createdAt: number;
  /** Milliseconds since the epoch after which the session is over (moved on by `touch`). */
  expiresAt: number;
}

/** Browser sessions, shared by every thread and node, so any of them serves any request. */
export interface WebSessionStore {
  create(record: WebSessionRecord): Promise<void>;
  get(tokenHash: string): Promise<WebSessionRecord | undefined>;
  /** Moves the expiry on. */
  touch(tokenHash: string, expiresAt: number): Promise<void>;
  /** Ends a session: its row and its live-session row; false when it was gone. */
  delete(tokenHash: string): Promise<boolean>;
  /** Ends every session expired before `now`; returns how many. */
  expire(now: number): Promise<number>;
}

/** One administrator action, for the admin pages' history. */
export interface AdminActionRecord {
  /** Milliseconds since the epoch. */
  at: number;
  by: string;
  peer: string;
  action: string;
  target: string;
  /** Extra detail, e.g. `purge=true`; empty when none. */
  detail: string;
}

/** The recent administrator actions (the newest {@linkcode ADMIN_ACTIONS_KEPT} are kept). */
export interface AdminActionStore {
  record(action: AdminActionRecord): Promise<void>;
  /** The newest first, at most `limit`. */
  recent(limit: number): Promise<AdminActionRecord[]>;
}

/** How many administrator actions {@linkcode AdminActionStore} keeps. */
export const ADMIN_ACTIONS_KEPT = 1000;

/** Limits applied by {@linkcode LoginAttemptStore.begin}. */
export interface AttemptLimits {
  now: number;
  /** Failed or unfinished attempts allowed per minute from one address. */
  perMinute: number;
  /** Failed or unfinished attempts within `banWindowMs` that stop new ones (the ban threshold). */
  maxOpen: number;
  banWindowMs: number;
  /** Attempts and bans older than this are forgotten on the way. */
  keepMs: number;
}

/** What {@linkcode LoginAttemptStore.begin} decided. */
export type AttemptGate =
  | { allowed: true; attempt: number }
  | { allowed: false; reason: "banned"; until: number }
  | { allowed: false; reason: "rate"; oldest: number }
  /** Attempts still being checked would reach the ban threshold: wait for their outcome. */
  | { allowed: false; reason: "busy" };

/**
 * Login attempts per client address and temporary bans. An attempt is open
 * from `begin` until `fail` or `succeed`; open and failed attempts count
 * toward the limits, so a burst of parallel logins cannot check more
 * passwords than the ban threshold.
 */
export interface LoginAttemptStore {
  begin(address: string, limits: AttemptLimits): Promise<AttemptGate>;
  /**
   * Closes an attempt as failed; returns the failures within the window
   * (this one included). With `banUntil` set and at least `banAt` failures,
   * bans the address until then and forgets its attempts, atomically.
   */
  fail(
    attempt: number,
    address: string,
    options: { now: number; windowMs: number; banAt: number; banUntil: number },
  ): Promise<{ failures: number; banned: boolean }>;
  succeed(attempt: number): Promise<void>;
}

/** Self-registration attempts per address, within a sliding window. */
export interface RegistrationStore {
  /**
   * Counts an attempt from `address` if under `limit` within `windowMs`:
   * 0 when it may go ahead, else milliseconds until a slot frees.
   */
  take(address: string, options: { limit: number; windowMs: number; now: number }): Promise<number>;
}

/** A node's lease as the store keeps it. */
export interface NodeLease {
  node: string;
  /** Milliseconds since its last heartbeat, by the database's clock. */
  age: number;
  /** Whether another node has released its sessions and reservations. */
  released: boolean;
}

/**
 * Node leases: each node renews its row every few seconds; one whose last
 * renewal is older than the lease is released by a live node, which then
 * drops its sessions and settles its reservations. Ages are measured on the
 * database's clock, so the nodes' clocks need not agree. A backend of one
 * node (SQLite) has nothing to release: `shared` is false and the rest is
 * trivial.
 */
export interface NodeRegistry {
  /** This node's name. */
  readonly self: string;
  /** Whether other nodes share these stores. */
  readonly shared: boolean;
  /** Starts this node's lease afresh (at server start, once its own leftovers are settled). */
  join(): Promise<void>;
  /** Renews this node's lease; false when it was released meanwhile (the lease is lost). */
  heartbeat(): Promise<boolean>;
  /**
   * Marks every other node whose last heartbeat is older than `leaseMs` as
   * released, atomically (one caller wins each); returns the names marked.
   */
  releaseExpired(leaseMs: number): Promise<string[]>;
  /** Released nodes that still have sessions or reservations (a cleanup cut short included). */
  releasedWithLeftovers(): Promise<string[]>;
  /** Every node known, by name. */
  list(): Promise<NodeLease[]>;
}

/** One SSH public key a user may log in with (SFTP). */
export interface PublicKeyRecord {
  userId: number;
  /** `SHA256:...` of the blob: unique per user. */
  fingerprint: string;
  /** `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`... */
  type: string;
  /** The key in SSH wire format. */
  blob: Uint8Array;
  comment: string;
  /** Milliseconds since the epoch. */
  addedAt: number;
}

/**
 * Users' SSH public keys. A change here is a credential change: it moves
 * {@linkcode AccountStore.changeStamp}, so sessions re-check their key.
 */
export interface PublicKeyStore {
  /** Stores a key; throws `exists` when the user has one with that fingerprint. */
  add(record: PublicKeyRecord): Promise<void>;
  /** A user's keys, oldest first. */
  list(userId: number): Promise<PublicKeyRecord[]>;
  get(userId: number, fingerprint: string): Promise<PublicKeyRecord | undefined>;
  /** Removes a key; false when there was none. */
  remove(userId: number, fingerprint: string): Promise<boolean>;
}

/** Every store of one backend, over one connection. */
export interface Stores {
  accounts: AccountStore;
  quota: QuotaLedger;
  partials: PartialStore;
  hashes: HashCache;
  sessions: SessionRegistry;
  loginAttempts: LoginAttemptStore;
  registrations: RegistrationStore;
  nodes: NodeRegistry;
  webSessions: WebSessionStore;
  adminActions: AdminActionStore;
  publicKeys: PublicKeyStore;
  close(): Promise<void>;
}
