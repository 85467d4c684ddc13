/**
 * User accounts: creation, lookup, authentication and password changes,
 * over the account store (`server/store/`), each with a home in the storage
 * (`server/storage/`). Used by the server and by the host admin commands.
 */

import { createHash } from "node:crypto";
import type { UserInfo } from "../../protocol/messages.ts";
import { formatSize } from "../../protocol/size.ts";
import {
  MAX_PASSWORD_BYTES,
  MIN_PASSWORD_LENGTH,
  USERNAME_PATTERN,
} from "../../protocol/limits.ts";
import type { AccountChanges, AccountRecord, Stores } from "../store/mod.ts";
import { openStores, type OpenStoresOptions } from "../store/open.ts";
import type { Storage } from "../storage/mod.ts";
import { LocalStorage } from "../storage/local/mod.ts";
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
  /** Download rate limit, bytes per second; 0 = the server's default (`rate_down`). */
  rateDown: number;
  /** Upload rate limit, bytes per second; 0 = the server's default (`rate_up`). */
  rateUp: number;
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

/** What {@linkcode Accounts.recheck} found: the fresh account, or why its sessions must end. */
export type RecheckResult = { account: Account } | { ended: string };

/** What {@linkcode Accounts.remove} did with the home. */
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
  /** Rate limits in bytes per second; 0 (the default) = the server's default. */
  rateDown?: number;
  rateUp?: number;
}

/** An account's rate limits to change; absent ones stay. */
export interface RateChanges {
  rateDown?: number;
  rateUp?: number;
}

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

/**
 * The accounts of a data dir: the rules (names, passwords, quotas), the
 * password hashing, and each account's home, over the account store.
 */
export class Accounts {
  readonly dataDir: string;
  /** Every store of the backend these accounts live in. */
  readonly stores: Stores;
  /** Where the accounts' homes are. */
  readonly storage: Storage;
  /** Accounts {@linkcode Accounts.recheck} found current, with the store's change stamp then. */
  #current = new WeakMap<Account, string>();

  /** Accounts of `dataDir`, kept in `stores`, with their homes in `storage`. */
  constructor(dataDir: string, stores: Stores, storage: Storage) {
    this.dataDir = dataDir;
    this.stores = stores;
    this.storage = storage;
  }

  /**
   * Opens the data dir's stores (or those `options.db` names), creating the
   * data dir (mode 0700) if needed.
   */
  static async open(dataDir: string, options: OpenStoresOptions = {}): Promise<Accounts> {
    const storage = new LocalStorage(dataDir);
    try {
      await storage.prepare();
    } catch (error) {
      throw new Error(`Cannot use data dir "${dataDir}": ${dataDirProblem(error)}`);
    }
    return new Accounts(dataDir, await openStores(dataDir, options), storage);
  }

  /** Closes the stores. */
  async close(): Promise<void> {
    await this.stores.close();
  }

  /** Number of accounts. */
  count(): Promise<number> {
    return this.stores.accounts.count();
  }

  /** Looks an account up by name. */
  async get(name: string): Promise<Account | undefined> {
    const record = await this.stores.accounts.byName(name);
    return record && toAccount(record);
  }

  /** Looks an account up by id. */
  async getById(id: number): Promise<Account | undefined> {
    const record = await this.stores.accounts.byId(id);
    return record && toAccount(record);
  }

  /** All accounts, by name. */
  async list(): Promise<Account[]> {
    return (await this.stores.accounts.list()).map(toAccount);
  }

  /** Creates an account and its home directory. */
  async create(account: NewAccount): Promise<Account> {
    validateUsername(account.name);
    validateNewPassword(account.password);
    const passwordHash = await hashPassword(account.password);
    await this.storage.createHome(account.name);
    const record = await this.stores.accounts.insert({
      name: account.name,
      passwordHash,
      admin: account.admin ?? false,
      quota: account.quota ?? 0,
      rateDown: account.rateDown ?? 0,
      rateUp: account.rateUp ?? 0,
      createdAt: Date.now(),
    });
    return toAccount(record);
  }

  /**
   * Checks a name and password. Unknown names cost the same hashing time as
   * known ones, so timing does not reveal which accounts exist.
   */
  async authenticate(name: string, password: string): Promise<Account | null> {
    const record = USERNAME_PATTERN.test(name)
      ? await this.stores.accounts.byName(name)
      : undefined;
    const stored = record?.passwordHash ?? await dummyPasswordHash();
    const matches = encoder.encode(password).length <= MAX_PASSWORD_BYTES &&
      await verifyPassword(password, stored);
    return record && matches ? toAccount(record) : null;
  }

  /** Replaces an account's password; sessions logged in with the old one end at their next request. */
  async setPassword(name: string, password: string): Promise<Account> {
    validateNewPassword(password);
    const passwordHash = await hashPassword(password);
    return await this.#update(name, { passwordHash });
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
  setQuota(name: string, bytes: number): Promise<Account> {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      return Promise.reject(
        new OperationError("bad_request", `Invalid quota ${bytes}: expected bytes, 0 = unlimited`),
      );
    }
    return this.#update(name, { quota: bytes });
  }

  /**
   * Sets an account's rate limits in bytes per second (0: the server's
   * default). Transfers that start after it use them.
   */
  setRates(name: string, rates: RateChanges): Promise<Account> {
    for (const value of [rates.rateDown, rates.rateUp]) {
      if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
        return Promise.reject(
          new OperationError("bad_request", `Invalid rate ${value}: bytes per second, 0 = default`),
        );
      }
    }
    return this.#update(name, rates);
  }

  /** Disables (true) or enables (false) an account. A disabled account can't log in; its data stays. */
  setDisabled(name: string, disabled: boolean): Promise<Account> {
    return this.#update(name, { disabled });
  }

  /** Records a successful login. */
  recordLogin(id: number, at = Date.now()): Promise<void> {
    return this.stores.accounts.recordLogin(id, at);
  }

  /**
   * Re-reads a logged-in account before a request: the fresh record (quota,
   * use and admin flag as they are now), or why the session must end
   * (deleted, disabled, password changed, or the public key `options.key`
   * it logged in with removed: keys change the stamp too). When nothing was written to the
   * store since this account was last found current, it still is, and is
   * returned as it is: that check costs a fraction of re-reading the row.
   * With `sessionId`, a session an administrator asked to end ends too.
   */
  async recheck(
    account: Account,
    options: { sessionId?: number; key?: string | undefined } = {},
  ): Promise<RecheckResult> {
    const stamp = await this.stores.accounts.changeStamp();
    if (this.#current.get(account) === stamp) return { account };
    // An administrator ending a session moves the stamp too (SessionRegistry.requestEnd).
    const { sessionId } = options;
    if (sessionId !== undefined && await this.stores.sessions.endRequested(sessionId)) {
      return { ended: "ended by an administrator" };
    }
    const record = await this.stores.accounts.byId(account.id);
    const fresh = record && toAccount(record);
    // A recreated account may reuse the id; its new password hash gives it a new stamp.
    if (!fresh || fresh.name !== account.name || fresh.createdAt !== account.createdAt) {
      return { ended: `account "${account.name}" was deleted` };
    }
    if (fresh.disabled) return { ended: `account "${account.name}" was disabled` };
    if (fresh.credentialStamp !== account.credentialStamp) {
      return { ended: `the password of "${account.name}" was changed: log in again` };
    }
    if (options.key !== undefined && !await this.stores.publicKeys.get(account.id, options.key)) {
      return { ended: `the key ${options.key} of "${account.name}" was removed` };
    }
    this.#current.set(fresh, stamp);
    return { account: fresh };
  }

  /**
   * Deletes an account. Its home is moved aside first (under
   * `<data>/deleted/`), so a later account of the same name starts empty;
   * with `purge` it is then removed, else kept there and returned. Sessions
   * of the account end at their next request.
   */
  async remove(name: string, options: { purge?: boolean } = {}): Promise<RemovedAccount> {
    const account = await this.get(name);
    if (!account) throw noSuchUser(name);
    const aside = await this.storage.moveHomeAside(name);
    if (!await this.stores.accounts.delete(account.id)) {
      if (aside) await this.storage.restoreHome(name, aside).catch(() => {});
      throw noSuchUser(name);
    }
    if (aside && options.purge) {
      await this.storage.purge(aside);
      return { keptHome: null };
    }
    return { keptHome: aside };
  }

  async #update(name: string, changes: AccountChanges): Promise<Account> {
    const record = await this.stores.accounts.update(name, changes);
    if (!record) throw noSuchUser(name);
    return toAccount(record);
  }
}

/** `Quota of "bob" set to 10M (12M used: over quota, new uploads are refused; nothing is deleted)`. */
export function describeQuota(account: Account): string {
  const { name, quota, used } = account;
  if (quota === 0) return `Quota of "${name}" removed (unlimited; ${formatSize(used)} used)`;
  const over = used > quota ? ": over quota, new uploads are refused; nothing is deleted" : "";
  return `Quota of "${name}" set to ${formatSize(quota)} (${formatSize(used)} used${over})`;
}

/**
 * `Rates of "bob": downloads 1M/s, uploads 512K/s (server default)`: the
 * limits each transfer of the account gets, saying which come from the
 * server's defaults (`rate_down`, `rate_up`).
 */
export function describeRates(
  account: Account,
  server: { rateDown: number; rateUp: number },
): string {
  const one = (own: number, fallback: number) => {
    const rate = own > 0 ? own : fallback;
    const text = rate > 0 ? `${formatSize(rate)}/s` : "unlimited";
    return own > 0 ? text : `${text} (server default)`;
  };
  return `Rates of "${account.name}": downloads ${one(account.rateDown, server.rateDown)}, ` +
    `uploads ${one(account.rateUp, server.rateUp)}`;
}

/** An account as `users` shows it, on the wire and in `ftpx users --json`. */
export function toUserInfo(account: Account): UserInfo {
  return {
    name: account.name,
    admin: account.admin,
    disabled: account.disabled,
    quota: account.quota,
    used: account.used,
    rateDown: account.rateDown,
    rateUp: account.rateUp,
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

function toAccount(record: AccountRecord): Account {
  const { passwordHash, ...fields } = record;
  return { ...fields, credentialStamp: credentialStamp(passwordHash) };
}
