/**
 * User accounts: creation, lookup, authentication and password changes,
 * stored in the SQLite database. Each account has a home under
 * `<data>/home/<name>`. Used by the server and by the host admin commands.
 */

import type { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { MAX_PASSWORD_BYTES, MIN_PASSWORD_LENGTH, USERNAME_PATTERN } from "../protocol/limits.ts";
import { openDatabase } from "./database.ts";
import { OperationError } from "./errors.ts";
import { dummyPasswordHash, hashPassword, verifyPassword } from "./password.ts";

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

  /** Wraps an open database belonging to `dataDir`. */
  constructor(dataDir: string, db: DatabaseSync) {
    this.dataDir = dataDir;
    this.db = db;
  }

  /** Opens the data dir's database, creating the data dir (mode 0700) if needed. */
  static async open(dataDir: string): Promise<AccountStore> {
    await Deno.mkdir(join(dataDir, HOME_DIR), { recursive: true, mode: 0o700 });
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
        "INSERT INTO users (name, password_hash, admin, quota_bytes, created_at) VALUES (?, ?, ?, ?, ?)",
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

  /** Replaces an account's password. */
  async setPassword(name: string, password: string): Promise<void> {
    validateNewPassword(password);
    const hash = await hashPassword(password);
    const result = this.db.prepare("UPDATE users SET password_hash = ? WHERE name = ?").run(
      hash,
      name,
    );
    if (result.changes === 0) throw new OperationError("not_found", `No user "${name}"`);
  }
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
  };
}
