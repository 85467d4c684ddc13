/**
 * User accounts: creation, lookup, authentication and password changes,
 * stored in the SQLite database. Each account has a home under
 * `<data>/home/<name>`. Used by the server and by the host admin commands.
 */

import { createHash } from "node:crypto";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { join } from "node:path";
import type { UserInfo } from "../../protocol/messages.ts";
import { formatSize } from "../../protocol/size.ts";
import {
  MAX_PASSWORD_BYTES,
  MIN_PASSWORD_LENGTH,
  USERNAME_PATTERN,
} from "../../protocol/limits.ts";
import { openDatabase } from "../store/sqlite/database.ts";
import { OperationError } from "./errors.ts";
import { dummyPasswordHash, hashPassword, verifyPassword } from "./auth/password.ts";

/** An account as the rest of the server sees it (never with its hash). */
export interface Account {
  id: number;
  name: string;
  admin: boolean;
  /** Quota in bytes; 0 means unlimited. */
  quota: number;
  /** Bytes the home uses, as tracked incrementally. */
  used: number;
  /** A disabled account cannot log in. */
  disabled: boolean;
  /** Creation time, milliseconds since the epoch. */
  createdAt: number;
  /** Last successful login, milliseconds since the epoch. */
  lastLogin: number | null;
  /**
   * Changes whenever the password does (a digest of the stored hash, never
   * the hash): a session compares it to end when the password changed.
   */
  credentialStamp: string;
}

/** What {@linkcode AccountStore.recheck} found: the fresh account, or why its sessions must end. */
export type RecheckResult = { account: Account } | { ended: string };

/** What {@linkcode AccountStore.remove} did with the home. */
export interface RemovedAccount {
  /** Where the home was moved to be kept, or null when purged or when there was none. */
  keptHome: string | null;
}

/** What a new account needs. */
export interface NewAccount {
  name: string;
  password: string;
  admin?: boolean;
  quota?: number;
}

interface UserRow {
  id: number;
  name: string;
  passwordHash: string;
  admin: number;
  quotaBytes: number;
  usedBytes: number;
  disabled: number;
  createdAt: number;
  lastLogin: number | null;
}

const USER_COLUMNS = `id, name, password_hash AS passwordHash, admin, quota_bytes AS quotaBytes,
  used_bytes AS usedBytes, disabled, created_at AS createdAt, last_login AS lastLogin`;

const HOME_DIR = "home";
/** Homes of deleted accounts are moved here (unless purged), so a new account of the same name starts empty. */
const DELETED_DIR = "deleted";
const encoder = new TextEncoder();

/** Throws unless `name` is a valid account name. */
export function validateUsername(name: string): void {
  if (!USERNAME_PATTERN.test(name)) {
    throw new OperationError(
      "bad_request",
      `Invalid user name "${
        name.slice(0, 40)
      }": use 1 to 32 of a-z 0-9 _ . - (not starting with . or -)`,
    );
  }
}

/** Throws unless `password` is acceptable for a new or changed password. */
export function validateNewPassword(password: string): void {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw new OperationError(
      "bad_request",
      `Password too short: use at least ${MIN_PASSWORD_LENGTH} characters`,
    );
  }
  if (encoder.encode(password).length > MAX_PASSWORD_BYTES) {
    throw new OperationError(
      "bad_request",
      `Password too long: at most ${MAX_PASSWORD_BYTES} bytes`,
    );
  }
}

/** Account storage over one database connection. */
export class AccountStore {
  readonly dataDir: string;
  readonly db: DatabaseSync;
  #byId: StatementSync | undefined;
  #dataVersion: StatementSync | undefined;
  #ownChanges: StatementSync | undefined;
  /** Accounts {@linkcode AccountStore.recheck} found current, with the database's change stamp then. */
  #current = new WeakMap<Account, string>();

  /** Wraps an open database belonging to `dataDir`. */
  constructor(dataDir: string, db: DatabaseSync) {
    this.dataDir = dataDir;
    this.db = db;
  }

  /** Opens the data dir's database, creating the data dir (mode 0700) if needed. */
  static async open(dataDir: string): Promise<AccountStore> {
    try {
      await Deno.mkdir(join(dataDir, HOME_DIR), { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new Error(`Cannot use data dir "${dataDir}": ${dataDirProblem(error)}`);
    }
    return new AccountStore(dataDir, openDatabase(dataDir));
  }

  /** Closes the database connection. */
  close(): void {
    this.db.close();
  }

  /** Real path of an account's home directory. */
  homeOf(name: string): string {
    return join(this.dataDir, HOME_DIR, name);
  }

  /** Number of accounts. */
  count(): number {
    const row = this.db.prepare("SELECT count(*) AS n FROM users").get() as { n: number };
    return row.n;
  }

  /** Looks an account up by name. */
  get(name: string): Account | undefined {
    const row = this.db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE name = ?`).get(name) as
      | UserRow
      | undefined;
    return row && toAccount(row);
  }

  /** All accounts, by name. */
  list(): Account[] {
    const rows = this.db.prepare(`SELECT ${USER_COLUMNS} FROM users ORDER BY name`)
      .all() as unknown as UserRow[];
    return rows.map(toAccount);
  }

  /** Creates an account and its home directory. */
  async create(account: NewAccount): Promise<Account> {
    validateUsername(account.name);
    validateNewPassword(account.password);
    const hash = await hashPassword(account.password);
    await Deno.mkdir(this.homeOf(account.name), { recursive: true, mode: 0o700 });
    try {
      this.db.prepare(
        `INSERT INTO users (name, password_hash, admin, quota_bytes, created_at, used_measured)
         VALUES (?, ?, ?, ?, ?, 1)`,
      ).run(account.name, hash, account.admin ? 1 : 0, account.quota ?? 0, Date.now());
    } catch (error) {
      if (String(error).includes("UNIQUE")) {
        throw new OperationError("exists", `User "${account.name}" already exists`);
      }
      throw error;
    }
    return this.get(account.name)!;
  }

  /**
   * Checks a name and password. Unknown names cost the same hashing time as
   * known ones, so timing does not reveal which accounts exist.
   */
  async authenticate(name: string, password: string): Promise<Account | null> {
    const row = USERNAME_PATTERN.test(name)
      ? this.db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE name = ?`).get(name) as
        | UserRow
        | undefined
      : undefined;
    const stored = row?.passwordHash ?? await dummyPasswordHash();
    const matches = encoder.encode(password).length <= MAX_PASSWORD_BYTES &&
      await verifyPassword(password, stored);
    return row && matches ? toAccount(row) : null;
  }

  /** Replaces an account's password; sessions logged in with the old one end at their next request. */
  async setPassword(name: string, password: string): Promise<Account> {
    validateNewPassword(password);
    const hash = await hashPassword(password);
    const result = this.db.prepare("UPDATE users SET password_hash = ? WHERE name = ?").run(
      hash,
      name,
    );
    if (result.changes === 0) throw noSuchUser(name);
    return this.get(name)!;
  }

  /**
   * Changes one's own password, which needs the current one. Returns the
   * account with its new credential stamp, or null if `current` is wrong.
   */
  async changePassword(name: string, current: string, password: string): Promise<Account | null> {
    validateNewPassword(password);
    if (!await this.authenticate(name, current)) return null;
    return await this.setPassword(name, password);
  }

  /** Sets an account's quota in bytes (0 = unlimited). Lowering it below use deletes nothing. */
  setQuota(name: string, bytes: number): Account {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new OperationError(
        "bad_request",
        `Invalid quota ${bytes}: expected bytes, 0 = unlimited`,
      );
    }
    this.#update(name, "UPDATE users SET quota_bytes = ? WHERE name = ?", bytes);
    return this.get(name)!;
  }

  /** Disables (true) or enables (false) an account. A disabled account can't log in; its data stays. */
  setDisabled(name: string, disabled: boolean): Account {
    this.#update(name, "UPDATE users SET disabled = ? WHERE name = ?", disabled ? 1 : 0);
    return this.get(name)!;
  }

  /** Records a successful login. */
  recordLogin(id: number, at = Date.now()): void {
    this.db.prepare("UPDATE users SET last_login = ? WHERE id = ?").run(at, id);
  }

  /**
   * Sets the stored used space to `measured`, but only if it is still
   * `expected` (nothing was settled meanwhile) and no upload of the account
   * is in flight (its partial grows on disk before the figure does, so a
   * scan would count those bytes twice). Returns false if it didn't.
   */
  replaceUsed(name: string, expected: number, measured: number): boolean {
    const noUploadInFlight = this.#hasUploadReservations()
      ? " AND NOT EXISTS (SELECT 1 FROM upload_reservations WHERE user_id = users.id)"
      : "";
    const result = this.db.prepare(
      `UPDATE users SET used_bytes = ? WHERE name = ? AND used_bytes = ?${noUploadInFlight}`,
    ).run(measured, name, expected);
    return result.changes === 1;
  }

  /** Whether the transfers' reservation table (server/store/sqlite/quota_ledger.ts) is in this schema. */
  #hasUploadReservations(): boolean {
    const row = this.db.prepare(
      "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'upload_reservations'",
    ).get();
    return row !== undefined;
  }

  /**
   * Re-reads a logged-in account before a request: the fresh record (quota,
   * use and admin flag as they are now), or why the session must end
   * (deleted, disabled, password changed). When nothing was written to the
   * database since this account was last found current, it still is, and is
   * returned as it is: that check costs a fraction of re-reading the row.
   */
  recheck(account: Account): RecheckResult {
    const stamp = this.#changeStamp();
    if (this.#current.get(account) === stamp) return { account };
    this.#byId ??= this.db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`);
    const row = this.#byId.get(account.id) as UserRow | undefined;
    const fresh = row && toAccount(row);
    // A recreated account may reuse the id; its new password hash gives it a new stamp.
    if (!fresh || fresh.name !== account.name || fresh.createdAt !== account.createdAt) {
      return { ended: `account "${account.name}" was deleted` };
    }
    if (fresh.disabled) return { ended: `account "${account.name}" was disabled` };
    if (fresh.credentialStamp !== account.credentialStamp) {
      return { ended: `the password of "${account.name}" was changed: log in again` };
    }
    this.#current.set(fresh, stamp);
    return { account: fresh };
  }

  /**
   * Changes whenever the database may have changed: SQLite's `data_version`
   * moves when another connection commits (another server thread, a host
   * command), and `total_changes()` when this connection writes a row.
   */
  #changeStamp(): string {
    this.#dataVersion ??= this.db.prepare("PRAGMA data_version");
    this.#ownChanges ??= this.db.prepare("SELECT total_changes() AS changes");
    const { data_version: version } = this.#dataVersion.get() as { data_version: number };
    const { changes } = this.#ownChanges.get() as { changes: number };
    return `${version}:${changes}`;
  }

  /**
   * Deletes an account. Its home is moved aside first (under
   * `<data>/deleted/`), so a later account of the same name starts empty;
   * with `purge` it is then removed, else kept there and returned. Sessions
   * of the account end at their next request.
   */
  async remove(name: string, options: { purge?: boolean } = {}): Promise<RemovedAccount> {
    const account = this.get(name);
    if (!account) throw noSuchUser(name);
    const aside = await this.#moveHomeAside(name);
    const result = this.db.prepare("DELETE FROM users WHERE id = ?").run(account.id);
    if (result.changes === 0) {
      if (aside) await Deno.rename(aside, this.homeOf(name)).catch(() => {});
      throw noSuchUser(name);
    }
    if (aside && options.purge) {
      await Deno.remove(aside, { recursive: true });
      return { keptHome: null };
    }
    return { keptHome: aside };
  }

  /** Moves a home to a new name under `<data>/deleted/`; null if there is no home. */
  async #moveHomeAside(name: string): Promise<string | null> {
    const deletedDir = join(this.dataDir, DELETED_DIR);
    await Deno.mkdir(deletedDir, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
    for (let attempt = 1; attempt < 100; attempt++) {
      const target = join(deletedDir, `${name}-${stamp}${attempt > 1 ? `-${attempt}` : ""}`);
      try {
        await Deno.lstat(target);
        continue;
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
      try {
        await Deno.rename(this.homeOf(name), target);
        return target;
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return null;
        throw error;
      }
    }
    throw new Error(`Cannot find a free name for the home of "${name}" under ${deletedDir}`);
  }

  #update(name: string, sql: string, value: number): void {
    const result = this.db.prepare(sql).run(value, name);
    if (result.changes === 0) throw noSuchUser(name);
  }
}

/** `Quota of "bob" set to 10M (12M used: over quota, new uploads are refused; nothing is deleted)`. */
export function describeQuota(account: Account): string {
  const { name, quota, used } = account;
  if (quota === 0) return `Quota of "${name}" removed (unlimited; ${formatSize(used)} used)`;
  const over = used > quota ? ": over quota, new uploads are refused; nothing is deleted" : "";
  return `Quota of "${name}" set to ${formatSize(quota)} (${formatSize(used)} used${over})`;
}

/** An account as `users` shows it, on the wire and in `ftpx users --json`. */
export function toUserInfo(account: Account): UserInfo {
  return {
    name: account.name,
    admin: account.admin,
    disabled: account.disabled,
    quota: account.quota,
    used: account.used,
    lastLogin: account.lastLogin === null ? null : new Date(account.lastLogin).toISOString(),
    created: new Date(account.createdAt).toISOString(),
  };
}

/** Why a data dir can't be created, in a few words (this goes to the operator, not to clients). */
function dataDirProblem(error: unknown): string {
  if (error instanceof Deno.errors.NotADirectory || error instanceof Deno.errors.AlreadyExists) {
    return "a file is in the way (give --data a directory)";
  }
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  return error instanceof Error ? error.message : String(error);
}

function noSuchUser(name: string): OperationError {
  return new OperationError("not_found", `No user "${name}"`);
}

function credentialStamp(passwordHash: string): string {
  return createHash("sha256").update(passwordHash).digest("base64url").slice(0, 22);
}

function toAccount(row: UserRow): Account {
  return {
    id: row.id,
    name: row.name,
    admin: row.admin === 1,
    quota: row.quotaBytes,
    used: row.usedBytes,
    disabled: row.disabled === 1,
    createdAt: row.createdAt,
    lastLogin: row.lastLogin,
    credentialStamp: credentialStamp(row.passwordHash),
  };
}
