/**
 * The account export format shared by `ftpx export` and `ftpx import`: JSON
 * lines, one account each, in the stored form (the password hash, never a
 * password), so accounts move between SQLite and PostgreSQL, or between data
 * dirs, and log in with the same passwords. Times are milliseconds since the
 * epoch; quota 0 means unlimited; `used` is the used space the server keeps.
 */

import { validateUsername } from "../core/accounts.ts";
import type { AccountRecord } from "../store/mod.ts";

/** Version of the line format, on every line (`"v": 1`). */
export const EXPORT_VERSION = 1;

/** One exported account. */
export interface ExportedAccount {
  v: number;
  name: string;
  passwordHash: string;
  admin: boolean;
  quota: number;
  used: number;
  disabled: boolean;
  createdAt: number;
  lastLogin: number | null;
}

/** The line of one account. */
export function exportLine(account: AccountRecord): string {
  const line: ExportedAccount = {
    v: EXPORT_VERSION,
    name: account.name,
    passwordHash: account.passwordHash,
    admin: account.admin,
    quota: account.quota,
    used: account.used,
    disabled: account.disabled,
    createdAt: account.createdAt,
    lastLogin: account.lastLogin,
  };
  return JSON.stringify(line);
}

/** Parses and checks one line; throws an Error naming what is wrong (never quoting the hash). */
export function parseExportLine(text: string): ExportedAccount {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error("not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("not a JSON object");
  }
  const record = value as Record<string, unknown>;
  if (record.v !== EXPORT_VERSION) {
    throw new Error(`format version ${JSON.stringify(record.v)}, expected ${EXPORT_VERSION}`);
  }
  const name = record.name;
  if (typeof name !== "string") throw new Error('"name" must be a string');
  validateUsername(name);
  const hash = record.passwordHash;
  if (
    typeof hash !== "string" ||
    !/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/.test(hash)
  ) {
    throw new Error(`"passwordHash" of ${name} is not an ftpx scrypt hash`);
  }
  for (const field of ["admin", "disabled"] as const) {
    if (typeof record[field] !== "boolean") {
      throw new Error(`"${field}" of ${name} must be true or false`);
    }
  }
  for (const field of ["quota", "used", "createdAt"] as const) {
    const number = record[field];
    if (typeof number !== "number" || !Number.isSafeInteger(number) || number < 0) {
      throw new Error(`"${field}" of ${name} must be a whole number >= 0`);
    }
  }
  const lastLogin = record.lastLogin;
  if (lastLogin !== null && (typeof lastLogin !== "number" || !Number.isSafeInteger(lastLogin))) {
    throw new Error(`"lastLogin" of ${name} must be a whole number or null`);
  }
  return {
    v: EXPORT_VERSION,
    name,
    passwordHash: hash,
    admin: record.admin as boolean,
    quota: record.quota as number,
    used: record.used as number,
    disabled: record.disabled as boolean,
    createdAt: record.createdAt as number,
    lastLogin: lastLogin as number | null,
  };
}
